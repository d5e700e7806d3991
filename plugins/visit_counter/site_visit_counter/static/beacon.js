/* visit_counter, mode = "beacon": count this page view with one same-origin POST.
 * Used when a page cache or CDN serves the pages, so the server never sees the
 * page request itself. Only pages that show the counter (reader pages, never
 * error pages) send it; a prerendered page waits until it is really shown.
 * Without JavaScript nothing is counted in this mode. */
(function () {
  "use strict";
  var script = document.currentScript;
  var widget = document.querySelector('[data-widget="visit_counter"], [data-widget-error="visit_counter"]');
  if (!widget) { return; }
  var marked = widget.querySelector("[data-beacon]");
  var url = marked ? marked.getAttribute("data-beacon")
    : new URL("../hit", script ? script.src : window.location.href).href;
  function send() {
    try {
      fetch(url, { method: "POST", credentials: "same-origin", cache: "no-store", keepalive: true })
        .catch(function () {});
    } catch (error) { /* counting never disturbs the page */ }
  }
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
