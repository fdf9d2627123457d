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
  // The weekly report: Enter in a row's field saves that row (Shift+Enter starts a new line, and
  // the Enter that ends an input-method composition is the IME's); after a save the cursor moves
  // on to the next row still to report, after a refusal to the field to fix. Without JavaScript
  // the row's button, Enter in the percent field and the page's "at" anchor do the same work.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey
        || event.isComposing || event.keyCode === 229) { return; }
    var field = event.target;
    var row = field.closest && field.matches("input, textarea") && field.closest(".report-row");
    var button = row && row.querySelector("button.save-row");
    if (!button) { return; }
    event.preventDefault();
    button.click();
  });
  function nextRowToReport(row) {
    for (var next = row.nextElementSibling; next; next = next.nextElementSibling) {
      if (next.matches(".report-row[data-reported=no]") && next.querySelector("textarea")) { return next; }
    }
    var first = document.querySelector(".report-row[data-reported=no] textarea");
    return first && first.closest(".report-row");
  }
  document.addEventListener("htmx:afterSettle", function () {
    var row = document.querySelector(".report-row[data-focus]");
    if (!row) { return; }
    var how = row.getAttribute("data-focus");
    row.removeAttribute("data-focus");
    var next = how === "next" ? nextRowToReport(row) : row;
    var field = next && next.querySelector(how === "next" ? "textarea" : "[aria-invalid=true]");
    if (!field) { return; }
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);  // after the offered plan
  });
  // A changed suggestion is the clerk's own text: drop its mark.
  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("suggested")) {
      event.target.classList.remove("suggested");
    }
  });
  // On a phone a wide table scrolls inside its own box (portal.css): such a box takes the keyboard
  // focus so it can be scrolled without a mouse. Measured once the page has been laid out.
  function focusableScrollers() {
    if (!window.matchMedia("(max-width: 700px)").matches) { return; }
    // Every width is read before any attribute is written: one layout, not one per table.
    var wide = Array.prototype.filter.call(document.querySelectorAll("table.data"), function (table) {
      return getComputedStyle(table).overflowX === "auto" && table.scrollWidth > table.clientWidth + 1;
    });
    wide.forEach(function (table) { table.tabIndex = 0; });
  }
  window.addEventListener("load", focusableScrollers);
  document.addEventListener("htmx:afterSettle", focusableScrollers);
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
