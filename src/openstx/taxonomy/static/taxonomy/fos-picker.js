/* Fields of science: a type-ahead over the grouped <select multiple> of
   taxonomy/widgets/fos_picker.html. The select stays the form's value (and works alone
   without JavaScript); this adds a search box showing each field's place in the tree and the
   chosen fields as removable chips. Folding: accents stripped, đ -> d, lower case. */
(function () {
  "use strict";
  var MAX = 40;
  var counter = 0;

  function fold(text) {
    return (text || "").replace(/[đĐ]/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function enhance(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var select = root.querySelector("select");
    var options = Array.prototype.slice.call(select.options);
    var n = ++counter;
    var d = root.dataset;
    root.classList.add("fos-enhanced");
    select.classList.add("fos-select");
    select.setAttribute("tabindex", "-1");
    select.setAttribute("aria-hidden", "true");

    var chips = el("ul", "fos-chips");
    chips.setAttribute("aria-label", d.chosen);
    var status = el("p", "visually-hidden");
    status.setAttribute("role", "status");
    var input = el("input", "fos-input");
    input.type = "text";
    input.id = "fos-input-" + n;
    input.autocomplete = "off";
    input.placeholder = d.placeholder;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var list = el("ul", "fos-results");
    list.id = "fos-results-" + n;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    if (select.hasAttribute("aria-required") || select.required) {
      input.setAttribute("aria-required", "true");
    }
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    var label = select.id && document.querySelector("label[for='" + select.id + "']");
    if (label) label.htmlFor = input.id;
    root.insertBefore(chips, select);
    root.insertBefore(input, select);
    root.insertBefore(list, select);
    root.appendChild(status);

    var active = -1;

    function fullName(o) {
      return (o.dataset.path ? o.dataset.path + " › " : "") + o.dataset.name;
    }

    function renderChips() {
      chips.textContent = "";
      var chosen = options.filter(function (o) { return o.selected; });
      if (!chosen.length) {
        chips.appendChild(el("li", "fos-empty muted", d.empty));
      }
      chosen.forEach(function (o) {
        var li = el("li", "chip");
        li.appendChild(el("span", "", o.dataset.name));
        li.title = fullName(o) + " (" + o.dataset.code + ")";
        var btn = el("button", "link chip-remove", "×");
        btn.type = "button";
        btn.setAttribute("aria-label", d.remove + ": " + o.dataset.name);
        btn.addEventListener("click", function () {
          o.selected = false;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          status.textContent = d.removed + ": " + o.dataset.name;
          input.focus();
        });
        li.appendChild(btn);
        chips.appendChild(li);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(i) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (i + items.length) % items.length;
      items.forEach(function (it, k) { it.classList.toggle("active", k === active); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(o) {
      o.selected = true;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      status.textContent = d.added + ": " + o.dataset.name;
      input.value = "";
      close();
      input.focus();
    }

    function search() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      list.textContent = "";
      active = -1;
      if (!words.length) { close(); return; }
      var hits = options.filter(function (o) {
        var hay = o.dataset.search || "";
        return !o.selected && words.every(function (w) { return hay.indexOf(w) !== -1; });
      });
      var first = words[0];
      hits.sort(function (a, b) {
        var ra = fold(a.dataset.name).indexOf(first) === 0 || a.dataset.code.indexOf(first) === 0 ? 0 : 1;
        var rb = fold(b.dataset.name).indexOf(first) === 0 || b.dataset.code.indexOf(first) === 0 ? 0 : 1;
        return ra - rb || (a.dataset.code < b.dataset.code ? -1 : 1);
      });
      if (!hits.length) {
        list.appendChild(el("li", "fos-none muted", d.none));
      }
      hits.slice(0, MAX).forEach(function (o, k) {
        var li = el("li", "fos-option");
        li.id = list.id + "-" + k;
        li.setAttribute("role", "option");
        li.dataset.value = o.value;
        if (o.dataset.path) li.appendChild(el("span", "fos-path", o.dataset.path + " ›"));
        li.appendChild(el("span", "fos-name", o.dataset.name));
        li.appendChild(el("span", "fos-code", o.dataset.code));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(o); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    input.addEventListener("input", search);
    input.addEventListener("focus", function () { if (input.value) search(); });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); if (list.hidden) search(); setActive(active + 1); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); setActive(active - 1); }
      else if (ev.key === "Escape") { close(); }
      else if (ev.key === "Enter") {
        if (!list.hidden) {
          ev.preventDefault();
          var items = list.querySelectorAll("[role=option]");
          var pick = items[active >= 0 ? active : 0];
          if (pick) {
            var o = options.filter(function (x) { return x.value === pick.dataset.value; })[0];
            if (o) choose(o);
          }
        }
      }
    });
    select.addEventListener("change", renderChips);
    renderChips();
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-fos-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
  document.addEventListener("htmx:load", function (ev) { init(ev.target); });
})();
