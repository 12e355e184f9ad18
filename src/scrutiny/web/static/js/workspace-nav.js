// The workspace menu on a phone: its links fold behind the Menu button (CSS shows the button, and folds the links,
// only on a narrow screen and only once has-js.js has marked the page), so without JavaScript every link shows.
(function () {
  "use strict";
  function start() {
    var nav = document.getElementById("ws-nav");
    var button = nav && nav.querySelector(".ws-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("ws-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
