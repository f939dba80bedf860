/* Vettify leads: bulk selection (count, select all, a confirmation that names the count), the CUI
   check digit as you type, the convert dialog's opportunity switch. Without it every page still works:
   the server checks the CUI and asks before deleting. */
(function () {
  "use strict";
  var doc = document;

  /* ---- the Romanian CUI: weights 7,5,3,2,1,7,5,3,2 over the digits before the control digit,
     left-padded to 9; control = (sum * 10) % 11, 10 becomes 0 ------------------------------------ */
  function cuiState(value) {
    var digits = value.replace(/\s+/g, "").replace(/^RO/i, "");
    if (!digits) return "";
    if (!/^[0-9]{2,10}$/.test(digits) || digits.charAt(0) === "0") return "short";
    var body = digits.slice(0, -1), control = +digits.slice(-1);
    while (body.length < 9) body = "0" + body;
    var weights = [7, 5, 3, 2, 1, 7, 5, 3, 2], sum = 0;
    for (var i = 0; i < 9; i++) sum += (+body.charAt(i)) * weights[i];
    var check = (sum * 10) % 11;
    if (check === 10) check = 0;
    return check === control ? "valid" : "invalid";
  }
  window.geniusCuiState = cuiState;
  function showCui(input) {
    var out = doc.getElementById("cui-status");
    if (!out) return;
    var state = cuiState(input.value);
    out.className = "cui-status small" + (state === "valid" ? " ok" : state ? " err" : "");
    out.textContent = state ? out.getAttribute("data-" + state) || "" : "";
    if (state === "invalid" || state === "short") input.setAttribute("aria-invalid", "true");
    else if (!input.closest(".field.invalid")) input.removeAttribute("aria-invalid");
  }
  doc.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("[data-cui-check]")) showCui(e.target);
  });

  /* ---- bulk selection ----------------------------------------------------------------------- */
  function bulkForm(el) { return el && el.closest ? el.closest("form[data-bulk]") : null; }
  function checked(form) { return form.querySelectorAll("input[name=ids]:checked").length; }
  function refresh(form) {
    var n = checked(form);
    form.classList.add("js");
    form.setAttribute("data-selected", String(n));
    var label = form.querySelector("[data-bulk-count]");
    if (label) label.textContent = n ? label.getAttribute("data-some").replace("{n}", n) : label.getAttribute("data-none");
    var all = form.querySelector("[data-bulk-all]");
    var boxes = form.querySelectorAll("input[name=ids]");
    if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
  }
  function init(root) {
    (root || doc).querySelectorAll("form[data-bulk]").forEach(refresh);
    (root || doc).querySelectorAll("[data-toggle-target]").forEach(toggleTarget);
  }
  doc.addEventListener("change", function (e) {
    var t = e.target, form = bulkForm(t);
    if (form && t.matches("[data-bulk-all]")) {
      form.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = t.checked; });
    }
    if (form) refresh(form);
    if (t.matches && t.matches("[data-toggle-target]")) toggleTarget(t);
  });
  function plural(n) {
    if (n === 1) return "one";
    var lang = doc.body.dataset.lang;
    if (lang === "ro" && (n === 0 || (n % 100 > 0 && n % 100 < 20))) return "few";
    return lang === "ro" ? "many" : "few";
  }
  doc.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest(".bulk-bar button[type=submit]");
    if (!btn) return;
    var form = bulkForm(btn), n = form ? checked(form) : 0;
    if (!n) { e.preventDefault(); if (window.geniusToast) window.geniusToast(form.querySelector("[data-bulk-count]").getAttribute("data-none"), "error"); return; }
    if (btn.hasAttribute("data-bulk-delete")) {
      var msg = form.getAttribute("data-confirm-" + plural(n)).replace("{n}", n);
      if (!window.confirm(msg)) { e.preventDefault(); return; }
      var c = form.querySelector("input[name=confirm]");
      if (!c) { c = doc.createElement("input"); c.type = "hidden"; c.name = "confirm"; form.appendChild(c); }
      c.value = "1";
    }
  });

  /* ---- the convert dialog: the opportunity's fields only when one is created ------------------ */
  function toggleTarget(box) {
    var target = doc.getElementById(box.getAttribute("data-toggle-target"));
    if (target) target.hidden = !box.checked;
  }

  doc.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", function () { init(); }); else init();
})();
