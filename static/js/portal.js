// Minimal behaviour on top of htmx; every page works without it.
(function () {
  "use strict";
  // Clear a previous error message when a new htmx request starts.
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-error");
    if (box) { box.innerHTML = ""; }
  });
  // A network failure has no response to swap: say so in the page.
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("htmx-error");
    if (box) {
      box.textContent = document.documentElement.lang === "en"
        ? "The portal could not be reached. Check the connection and try again."
        : "无法连接门户，请检查网络后重试。";
    }
  });
})();
