// Small behaviours that the Content-Security-Policy forbids as inline handlers.
// A <select data-autosubmit> submits its form when changed (the form keeps a submit button for
// visitors without JavaScript).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
  }
});
