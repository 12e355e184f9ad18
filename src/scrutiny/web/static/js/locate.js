// "Use where I am now" on the stop report form: fills the pin's latitude and longitude from the phone's own
// location (asked of the browser, never of another site). Without JavaScript or permission the fields stay
// as they are, to be typed in. The server rounds the pin to about 200 m before it is stored.
(function () {
  "use strict";

  function start() {
    var button = document.getElementById("locate");
    var lat = document.getElementById("f-latitude");
    var lon = document.getElementById("f-longitude");
    var status = document.getElementById("locate-status");
    if (!button || !lat || !lon || !navigator.geolocation) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Finding where you are…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(4);
          lon.value = position.coords.longitude.toFixed(4);
          status.textContent = "Done: the pin will be rounded to about 200 metres.";
        },
        function () {
          status.textContent = "Your phone did not share its location; you can type the pin or choose a borough.";
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
