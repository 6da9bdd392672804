/* Password-strength meter: advice while typing, computed in the browser by zxcvbn (vendored,
   static/vendor/zxcvbn/). The server's password validators decide; nothing here is sent.
   Inputs opt in with data-password-meter; labels come translated in data-meter-* attributes. */
(function () {
  "use strict";
  function otherInputs(form) {
    var words = [];
    ["email", "full_name", "username"].forEach(function (name) {
      var el = form && form.elements[name];
      if (el && el.value) {
        words = words.concat(el.value.split(/[\s@.]+/));
      }
    });
    return words.filter(function (w) { return w.length > 2; });
  }
  function attach(input) {
    if (typeof window.zxcvbn !== "function" || input.dataset.meterReady) {
      return;
    }
    input.dataset.meterReady = "1";
    var box = document.createElement("div");
    box.className = "password-meter";
    box.id = input.id + "_meter";
    var bar = document.createElement("meter");
    bar.min = 0;
    bar.max = 4;
    bar.low = 2;
    bar.high = 3;
    bar.optimum = 4;
    bar.value = 0;
    bar.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.className = "password-meter-label";
    label.id = input.id + "_strength";
    label.setAttribute("aria-live", "polite");
    box.appendChild(bar);
    box.appendChild(label);
    box.hidden = true;
    input.insertAdjacentElement("afterend", box);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(label.id);
    input.setAttribute("aria-describedby", described.join(" "));
    var timer = null;
    function update() {
      var value = input.value;
      if (!value) {
        box.hidden = true;
        label.textContent = "";
        return;
      }
      var result = window.zxcvbn(value.slice(0, 100), otherInputs(input.form));
      var score = result.score;
      box.hidden = false;
      bar.value = score;
      box.dataset.score = String(score);
      var text = (input.dataset.meterPrefix || "") + " " + (input.getAttribute("data-meter-" + score) || score);
      if (score < 3 && input.dataset.meterHint) {
        text += ". " + input.dataset.meterHint;
      }
      label.textContent = text;
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 150);
    });
    update();
  }
  function init() {
    document.querySelectorAll("input[data-password-meter]").forEach(attach);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
