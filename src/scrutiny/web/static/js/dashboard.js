// Draws every chart on the page (and in each htmx swap) from its Vega-Lite spec, with the vendored vega-embed.
// The figures are also in the table after each chart, so a chart that cannot be drawn loses nothing.
(function () {
  "use strict";

  function draw(root) {
    var holders = root.querySelectorAll ? root.querySelectorAll("[data-vega-spec]") : [];
    holders.forEach(function (holder) {
      if (holder.dataset.drawn) {
        return;
      }
      holder.dataset.drawn = "pending";
      var source = document.getElementById(holder.dataset.vegaSpec);
      if (!source || typeof window.vegaEmbed !== "function") {
        holder.hidden = true;
        return;
      }
      var spec = JSON.parse(source.textContent);
      var options = {
        actions: false,
        renderer: "svg",
        // The page's Content-Security-Policy allows no eval and no inline style: Vega evaluates its
        // expressions from their syntax trees (its CSP-safe interpreter), and the site's stylesheet, not an
        // injected <style>, styles the chart.
        ast: true,
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
        // A map area is a link to the area's page: open it here, not in a new window.
        loader: window.vega.loader({ target: "_self" }),
      };
      window.vegaEmbed(holder, spec, options).then(
        function () {
          holder.dataset.drawn = "yes";
        },
        function (error) {
          holder.dataset.drawn = "failed";
          holder.hidden = true;
          if (window.console) {
            console.error("chart not drawn", holder.id, error);
          }
        }
      );
    });
  }

  // On a phone the site's links fold behind a Menu button (CSS shows it only there, and only with JavaScript).
  function menu() {
    var button = document.querySelector(".nav-toggle");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      var header = button.closest("header");
      var open = header.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function start() {
    document.documentElement.classList.add("js");
    menu();
    draw(document);
    if (window.htmx) {
      window.htmx.onLoad(draw); // each fragment htmx swaps in (already drawn charts are skipped)
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
