/* Outreach review queue: live SLA countdowns and keyboard shortcuts for the selected reply.

   j / k (or ↓ / ↑ with no field focused) select the next / previous item; a approves the suggested
   reply, e puts the cursor in the reply box (Enter there does not send: use the "Send edited" button or
   Ctrl+Enter), t takes the conversation over, d marks the lead dead, s snoozes. Keys never fire while a
   field has the focus (typing "a" in a reply is just typing), nor with Ctrl/Alt/Meta, nor with a dialog
   open. Each action is the item's own button (a plain form post), so the page works without this file. */
(function () {
  "use strict";
  var doc = document;
  var list = doc.querySelector("[data-review-list]");
  if (!list) return;

  /* SLA countdowns: the server's text, refreshed every 30 s from each item's deadline. */
  function fill(template, vars) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, k) { return vars[k] != null ? vars[k] : ""; });
  }
  function msg(name, vars) { return fill(list.getAttribute("data-msg-" + name), vars); }
  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000), hours = Math.floor(minutes / 60);
    if (hours >= 48) return msg("d", { n: Math.floor(hours / 24) });
    if (hours) return msg("hm", { h: hours, m: minutes % 60 });
    return msg("m", { m: minutes });
  }
  function tick() {
    var now = Date.now();
    list.querySelectorAll("[data-sla][data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      var breached = el.hasAttribute("data-breached") || left <= 0;
      var kind = breached ? "err" : left < 3600000 ? "warn" : "ok";
      var text = el.querySelector("[data-sla-text]");
      if (text) text.textContent = breached ? msg("breached", { span: span(left) }) : msg("left", { span: span(left) });
      el.className = "sla sla-" + kind;
    });
  }
  tick();
  setInterval(tick, 30000);

  function items() { return Array.prototype.slice.call(list.querySelectorAll("[data-review-item]")); }
  function current() { return list.querySelector("[data-review-item].is-current") || items()[0] || null; }
  function select(item, focus) {
    items().forEach(function (el) { el.classList.toggle("is-current", el === item); });
    if (item && focus) { item.focus({ preventScroll: true }); item.scrollIntoView({ block: "nearest" }); }
  }
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function press(item, key) {
    var btn = item && item.querySelector('[data-key="' + key + '"]');
    if (!btn) return false;
    if (key === "e") {
      var box = item.querySelector("[data-reply]");
      if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
      return true;
    }
    btn.click();
    return true;
  }

  list.addEventListener("focusin", function (e) {
    var item = e.target.closest("[data-review-item]");
    if (item) select(item, false);
  });
  list.addEventListener("keydown", function (e) {
    if (e.target.matches("[data-reply]") && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var send = e.target.form.querySelector('[data-key="e"]');
      if (send) send.click();
    }
  });
  doc.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || doc.querySelector("dialog[open]")) return;
    var item = current();
    if (!item) return;
    var all = items(), i = all.indexOf(item);
    if (e.key === "j" || e.key === "ArrowDown") {
      if (i < all.length - 1) { e.preventDefault(); select(all[i + 1], true); }
      return;
    }
    if (e.key === "k" || e.key === "ArrowUp") {
      if (i > 0) { e.preventDefault(); select(all[i - 1], true); }
      return;
    }
    if ("aetds".indexOf(e.key) >= 0 && e.key.length === 1 && press(item, e.key)) e.preventDefault();
  });
})();
