// Starts Swagger UI on /api/v1/docs with the settings the page carries as JSON (#swagger-settings). A file,
// not an inline script: the Content-Security-Policy allows no inline script (scrutiny.web.security_headers).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  window.ui = window.SwaggerUIBundle(settings);
})();
