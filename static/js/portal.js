// Minimal behaviour on top of htmx; every page works without it.
(function () {
  "use strict";
  // Clear a previous error message when a new htmx request starts.
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-error");
    if (box) { box.innerHTML = ""; }
  });
  // Typing a date into a from/to pair means "custom range": set the period menu to it, before
  // htmx submits on the change (capture phase). Without JavaScript the user chooses it in the menu.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=date][name=from], input[type=date][name=to]")) { return; }
    var menu = input.form && input.form.querySelector("select[name=period]");
    if (menu && menu.querySelector("option[value=custom]")) { menu.value = "custom"; }
  }, true);
  // The menu's sections: opening one closes the others; a click elsewhere or Escape closes them.
  function closeMenus(except) {
    document.querySelectorAll(".menu-section details[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches(".menu-section details") && event.target.open) {
      closeMenus(event.target);
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".menu-section")) { closeMenus(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
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
