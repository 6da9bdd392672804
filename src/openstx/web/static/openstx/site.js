// Small behaviours that the Content-Security-Policy forbids as inline handlers.
// A <select data-autosubmit> submits its form when changed (the form keeps a submit button for
// visitors without JavaScript).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
  }
});

// Filter panels (<details class="filter-panel">) start closed so that a phone shows the first
// result without scrolling past the filters; on a wide screen they open. Without JavaScript the
// panel stays closed and opens with a tap on its summary.
(function () {
  function openOnWideScreens() {
    if (!window.matchMedia("(min-width: 761px)").matches) { return; }
    document.querySelectorAll("details.filter-panel, details.account-menu").forEach(function (d) {
      d.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", openOnWideScreens);
  document.addEventListener("htmx:afterSwap", openOnWideScreens);
})();

// A table wider than a phone scrolls sideways inside its own box; such a box must be reachable
// by keyboard (it gets tabindex=0 while it actually scrolls). Touch scrolling works without it.
(function () {
  function markScrollers() {
    document.querySelectorAll("table.data, .table-scroll, .table-wrap").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollers);
  document.addEventListener("htmx:afterSwap", markScrollers);
  window.addEventListener("resize", markScrollers);
})();
