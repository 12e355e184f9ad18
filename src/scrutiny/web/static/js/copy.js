// Copy buttons: <button data-copy="ID" hidden> copies the text of the box #ID and says so in #ID-status. The
// button is shown only here, so without JavaScript there is no button that does nothing (the box's text can
// still be selected and copied by hand).
(function () {
  "use strict";
  function copied(box, status, ok) {
    if (status) status.textContent = ok ? "Copied." : "Select the link and copy it.";
    if (!ok) { box.focus(); box.select(); }
  }
  function attach(button) {
    var box = document.getElementById(button.getAttribute("data-copy"));
    if (!box) return;
    var status = document.getElementById(box.id + "-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = box.value;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(box, status, true); },
          function () { box.select(); copied(box, status, document.execCommand("copy")); });
      } else {
        box.select();
        copied(box, status, document.execCommand("copy"));
      }
    });
  }
  function start() { document.querySelectorAll("button[data-copy]").forEach(attach); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
