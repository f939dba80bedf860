/* GeniusERP Shell behaviour: the command menu (Ctrl/Cmd+K), go-to shortcuts (g then a letter, ? lists
   them), toasts from htmx responses (HX-Trigger "genius:toast"), the theme switch, dialogs, and
   submit-once forms. Pages never need inline script (CSP script-src 'self'). Everything here is an
   enhancement: without JavaScript every page still reads, and every form still posts. */
(function () {
  "use strict";
  var doc = document;

  /* ---- toasts ---------------------------------------------------------------------------- */
  function toast(message, kind, retry) {
    var region = doc.getElementById(kind === "error" ? "alerts" : "toasts");
    if (!region || !message) return;
    var el = doc.createElement("div");
    el.className = "toast" + (kind === "error" ? " toast-error" : "");
    var text = doc.createElement("span");
    text.className = "toast-msg";
    text.textContent = message;
    el.appendChild(text);
    if (retry) {
      var again = doc.createElement("button");
      again.type = "button";
      again.textContent = doc.body.dataset.lang === "en" ? "Retry" : "Reîncearcă";
      again.addEventListener("click", function () {
        el.remove();
        window.htmx && window.htmx.ajax("POST", retry, { source: doc.body, swap: "none" });
      });
      el.appendChild(again);
    }
    var close = doc.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", doc.body.dataset.lang === "en" ? "Close" : "Închide");
    close.textContent = "×";
    close.addEventListener("click", function () { el.remove(); });
    el.appendChild(close);
    region.appendChild(el);
    setTimeout(function () { el.remove(); }, kind === "error" ? 10000 : 5000);
  }
  window.geniusToast = toast;

  doc.addEventListener("genius:toast", function (e) {
    var d = e.detail || {};
    toast(d.message, d.kind, d.retry);
  });
  // A refused htmx request (4xx/5xx) without its own toast: say so, in the user's language.
  // The health widget fails silently: it shows its dots as unknown instead of a toast every 30 s.
  function fromHealth(e) {
    var el = e.detail && e.detail.elt;
    if (!el || el.id !== "health") return false;
    el.querySelectorAll(".dot").forEach(function (d) { d.className = "dot unknown"; });
    return true;
  }
  doc.addEventListener("htmx:responseError", function (e) {
    if (fromHealth(e)) return;
    var xhr = e.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return;
    var en = doc.body.dataset.lang === "en";
    var msg = xhr && xhr.status === 403 ? (en ? "You are not allowed to do this." : "Nu aveți dreptul să faceți asta.")
      : xhr && xhr.status === 404 ? (en ? "Not found: it may have been deleted." : "Nu a fost găsit: poate a fost șters.")
      : xhr && xhr.status === 409 ? (en ? "Someone else changed this meanwhile. Reload and try again." : "Altcineva a modificat între timp. Reîncărcați și încercați din nou.")
      : (en ? "The server could not complete the request. Try again." : "Serverul nu a putut finaliza cererea. Încercați din nou.");
    toast(msg, "error");
  });
  doc.addEventListener("htmx:sendError", function (e) {
    if (fromHealth(e)) return;
    toast(doc.body.dataset.lang === "en" ? "No connection to the server." : "Nu există conexiune cu serverul.", "error");
  });
  doc.addEventListener("htmx:timeout", function (e) {
    if (fromHealth(e)) return;
    toast(doc.body.dataset.lang === "en" ? "The server took too long to answer." : "Serverul a răspuns prea greu.", "error");
  });
  // htmx 2 does not swap 4xx by default; our fragments that carry inline form errors are 422: swap them.
  doc.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });

  /* ---- dialogs ----------------------------------------------------------------------------- */
  var lastFocus = null;
  function openDialog(id) {
    var d = doc.getElementById(id);
    if (!d || d.open) return d;
    lastFocus = doc.activeElement;
    d.showModal();
    return d;
  }
  doc.addEventListener("close", function (e) {
    if (e.target.tagName === "DIALOG" && lastFocus && lastFocus.focus) lastFocus.focus();
  }, true);
  doc.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target : null;
    if (!t) return;
    var opener = t.closest("[data-open-command]");
    if (opener) { e.preventDefault(); openCommand(); return; }
    var sc = t.closest("[data-open-shortcuts]");
    if (sc) { e.preventDefault(); openDialog("shortcuts"); return; }
    var closer = t.closest("[data-close-dialog]");
    if (closer) { var dlg = closer.closest("dialog"); if (dlg) dlg.close(); return; }
    var dialogOpener = t.closest("[data-dialog]");
    if (dialogOpener) { e.preventDefault(); openDialog(dialogOpener.getAttribute("data-dialog")); return; }
    if (t.tagName === "DIALOG") t.close();  // a click on the backdrop
    // Close an open <details class="menu"> when clicking elsewhere.
    doc.querySelectorAll("details.menu[open]").forEach(function (m) { if (!m.contains(t)) m.open = false; });
  });

  /* ---- command menu ------------------------------------------------------------------------ */
  function openCommand() {
    var d = openDialog("command-menu");
    if (!d) return;
    var input = doc.getElementById("command-q");
    input.value = "";
    input.focus();
    if (window.htmx) window.htmx.trigger(input, "search");
  }
  function options() { return Array.prototype.slice.call(doc.querySelectorAll("#command-results [role=option]")); }
  function select(idx) {
    var opts = options();
    if (!opts.length) return;
    idx = (idx + opts.length) % opts.length;
    opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === idx ? "true" : "false"); });
    var input = doc.getElementById("command-q");
    input.setAttribute("aria-activedescendant", opts[idx].id);
    opts[idx].scrollIntoView({ block: "nearest" });
  }
  function selectedIndex() {
    var opts = options();
    for (var i = 0; i < opts.length; i++) if (opts[i].getAttribute("aria-selected") === "true") return i;
    return -1;
  }
  function focusAuto() {  // a confirmation or a refusal rendered with the page takes the focus
    var auto = doc.querySelector("[data-autofocus]");
    if (auto) auto.focus();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", focusAuto);
  else focusAuto();
  doc.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "command-results") select(0);
    // A request that swaps nothing of its own (hx-swap="none", out-of-band parts only) fires this on an
    // element that may still hold an earlier swap's [data-autofocus]: refocusing it would pull the user
    // out of the field they are typing in (the invoice editor's totals).
    if (e.target.hasAttribute && e.target.hasAttribute("data-keep-focus")) return;
    var auto = e.target.querySelector && e.target.querySelector("[data-autofocus]");
    if (auto) auto.focus();
  });
  doc.addEventListener("keydown", function (e) {
    var input = doc.getElementById("command-q");
    if (input && e.target === input) {
      if (e.key === "ArrowDown") { e.preventDefault(); select(selectedIndex() + 1); return; }
      if (e.key === "ArrowUp") { e.preventDefault(); select(selectedIndex() - 1); return; }
      if (e.key === "Enter") {
        e.preventDefault();
        var opts = options(), i = selectedIndex();
        if (opts[i < 0 ? 0 : i]) window.location.href = opts[i < 0 ? 0 : i].getAttribute("href");
        return;
      }
    }
  });

  /* ---- keyboard shortcuts ------------------------------------------------------------------ */
  var pendingG = 0;
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  doc.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K")) {
      e.preventDefault();
      var d = doc.getElementById("command-menu");
      if (d && d.open) d.close(); else openCommand();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || doc.querySelector("dialog[open]")) return;
    if (e.key === "?") { e.preventDefault(); openDialog("shortcuts"); return; }
    if (e.key === "g") { pendingG = Date.now(); return; }
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      var target = doc.querySelector('[data-goto-key="' + e.key + '"]');
      if (target) { e.preventDefault(); window.location.href = target.getAttribute("data-goto-url"); }
    }
  });

  /* ---- theme: switch at once, remembered by the server (cookie + the user's preferences) --------- */
  doc.addEventListener("submit", function (e) {
    var form = e.target;
    var btn = e.submitter;
    if (btn && btn.hasAttribute("data-theme-toggle")) {
      e.preventDefault();
      var next = btn.value;
      doc.documentElement.setAttribute("data-theme", next);
      btn.value = next === "dark" ? "light" : "dark";
      var use = btn.querySelector("use");
      if (use) use.setAttribute("href", "/static/vendor/icons.svg#" + (next === "dark" ? "sun" : "moon"));
      var body = new FormData(form);
      body.set("theme", next);
      fetch(form.action, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
      return;
    }
    // Submit once: a double click never creates two records.
    if (form.hasAttribute("data-once") || form.method === "post") {
      if (form.dataset.submitting === "1") { e.preventDefault(); return; }
      form.dataset.submitting = "1";
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      setTimeout(function () { form.dataset.submitting = ""; form.querySelectorAll("[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); }); }, 4000);
    }
  });
  // htmx forms: disabled while their request runs.
  doc.addEventListener("htmx:beforeRequest", function (e) {
    var el = e.detail.elt;
    if (el && el.tagName === "FORM") el.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  doc.addEventListener("htmx:afterRequest", function (e) {
    var el = e.detail.elt;
    if (el && el.tagName === "FORM") el.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });

  /* ---- confirmations: data-confirm on a button or form shows the native dialog ----------------- */
  doc.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-confirm]");
    if (el && !el.hasAttribute("hx-confirm") && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  /* ---- a toast carried to this page by the server (post-redirect-get) ------------------------- */
  function showFlash() {
    var f = doc.getElementById("flash");
    // A <template>'s text is in its content fragment, not its children.
    if (f) { toast((f.content || f).textContent, f.getAttribute("data-kind")); f.remove(); }
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", showFlash); else showFlash();
})();
