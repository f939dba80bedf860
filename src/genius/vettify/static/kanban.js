/* Vettify pipeline board: drag and drop (SortableJS), the keyboard, and optimistic stage moves.

   Keyboard (WAI-ARIA drag-and-drop pattern): focus a card, Space picks it up, ← / → carry it to the
   previous / next stage it may move to, Space (or Enter) drops it, Esc puts it back; ↑ / ↓ move the
   focus between the cards of a column, Enter opens the focused card. Every step is announced in the
   board's live region. The card's "Move to…" menu does the same with a plain form (it also works
   without JavaScript).

   A move is optimistic: the card moves at once and POST /crm/opportunities/{id}/stage goes out with
   the CSRF header and If-Match (the card's version). When the server refuses, the card goes back to
   where it was with an error toast; when it asks for a reason (won, lost, reopening), a small dialog
   asks for it and the move is sent again. Column counts and totals come from the server's answer. */
(function () {
  "use strict";
  var doc = document;
  var board = doc.querySelector("[data-kanban][data-can-write]");
  if (!board) return;
  var live = doc.getElementById("kanban-live");
  var dialog = doc.getElementById("stage-reason");
  var grab = null;     // keyboard pick-up: {card, from, index}
  var asking = null;   // a move waiting for its reason: {card, from, index, stage}

  function fill(template, vars) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, k) { return vars[k] != null ? vars[k] : ""; });
  }
  function msg(name, vars) { return fill(board.getAttribute("data-msg-" + name), vars || {}); }
  function say(text) {
    if (!live) return;
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 40);
  }
  function toast(text, kind) { if (window.geniusToast) window.geniusToast(text, kind); }
  function csrf() {
    try { return JSON.parse(doc.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }
  function lists() { return Array.prototype.slice.call(board.querySelectorAll(".kcards")); }
  function label(stage) {
    var col = board.querySelector('.kcol[data-stage="' + stage + '"]');
    return col ? col.getAttribute("data-label") : stage;
  }
  function allowed(card, stage) { return (" " + (card.dataset.allowed || "") + " ").indexOf(" " + stage + " ") >= 0; }
  function indexIn(list, card) { return Array.prototype.indexOf.call(list.children, card); }
  function names(card, stage) { return { name: card.dataset.name, stage: label(stage) }; }

  function updateColumns(columns) {
    Object.keys(columns || {}).forEach(function (stage) {
      var col = board.querySelector('.kcol[data-stage="' + stage + '"]');
      if (!col) return;
      var c = columns[stage];
      col.querySelector("[data-count]").textContent = c.count_label;
      col.querySelector("[data-total-text]").textContent = c.total_short;
      col.querySelector("[data-total]").setAttribute("title", c.total_full);
    });
  }

  function rebuildMenu(card) {
    var details = card.querySelector(".kmove");
    if (!details) return;
    details.open = false;
    var form = details.querySelector("form");
    var version = form.querySelector('input[name="version"]');
    if (version) version.value = card.dataset.version;
    form.querySelectorAll('button[name="stage"]').forEach(function (b) { b.remove(); });
    var stages = (card.dataset.allowed || "").split(" ").filter(Boolean);
    if (!stages.length) { details.remove(); return; }
    stages.forEach(function (stage) {
      var b = doc.createElement("button");
      b.type = "submit";
      b.className = "link";
      b.name = "stage";
      b.value = stage;
      b.textContent = label(stage);
      form.appendChild(b);
    });
  }

  function rollback(card, from, index, text) {
    var ref = from.children[index] || null;
    if (ref !== card) from.insertBefore(card, ref);
    card.classList.remove("is-pending");
    toast(text, "error");
    say(msg("failed", names(card, from.dataset.stage)));
    card.focus();
  }

  function commit(card, data) {
    card.classList.remove("is-pending");
    card.dataset.version = String(data.version);
    card.dataset.stage = data.stage;
    card.dataset.allowed = (data.allowed || []).join(" ");
    rebuildMenu(card);
    updateColumns(data.columns);
    toast(data.message, "success");
    say(msg("dropped", names(card, data.stage)));
  }

  function send(card, from, index, stage, reason) {
    card.classList.add("is-pending");
    var body = new URLSearchParams();
    body.set("stage", stage);
    if (reason) body.set("reason", reason);
    fetch("/crm/opportunities/" + card.dataset.id + "/stage", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRF-Token": csrf(),
        "If-Match": '"' + card.dataset.version + '"'
      },
      body: body.toString()
    }).then(function (r) {
      return r.json().then(function (d) { return { status: r.status, data: d }; },
        function () { return { status: r.status, data: {} }; });
    }).then(function (res) {
      if (res.status === 200 && res.data.ok) { commit(card, res.data); return; }
      if (res.status === 422 && res.data.field === "reason" && dialog) {
        askReason(card, from, index, stage, res.data.message);
        return;
      }
      rollback(card, from, index, res.data.message || msg("failed", names(card, from.dataset.stage)));
    }, function () {
      rollback(card, from, index, msg("offline"));
    });
  }

  /* ---- the reason dialog ------------------------------------------------------------------ */
  function askReason(card, from, index, stage, text) {
    asking = { card: card, from: from, index: index, stage: stage };
    doc.getElementById("stage-reason-text").textContent = text || "";
    var input = doc.getElementById("stage-reason-input");
    input.value = "";
    dialog.showModal();
    input.focus();
  }
  if (dialog) {
    var form = doc.getElementById("stage-reason-form");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = doc.getElementById("stage-reason-input");
      var reason = input.value.trim();
      if (!reason) { input.setAttribute("aria-invalid", "true"); input.focus(); return; }
      input.removeAttribute("aria-invalid");
      var a = asking;
      asking = null;
      dialog.close();
      if (a) send(a.card, a.from, a.index, a.stage, reason);
    });
    dialog.addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest("[data-reason-cancel]")) dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (!asking) return;
      var a = asking;
      asking = null;
      var ref = a.from.children[a.index] || null;
      if (ref !== a.card) a.from.insertBefore(a.card, ref);
      a.card.classList.remove("is-pending");
      say(msg("cancelled", names(a.card, a.from.dataset.stage)));
      a.card.focus();
    });
  }

  /* ---- moving a card (drag, keyboard, menu) ---------------------------------------------------- */
  function moveTo(card, stage) {
    var from = card.parentElement;
    var index = indexIn(from, card);
    var target = board.querySelector('.kcards[data-stage="' + stage + '"]');
    if (!target || target === from || !allowed(card, stage)) return;
    target.insertBefore(card, target.firstChild);
    card.focus();
    send(card, from, index, stage, "");
  }

  if (window.Sortable) {
    lists().forEach(function (list) {
      window.Sortable.create(list, {
        group: {
          name: "kanban",
          pull: true,
          put: function (to, _from, dragEl) { return allowed(dragEl, to.el.dataset.stage); }
        },
        sort: false,
        animation: 150,
        forceFallback: true,
        fallbackOnBody: true,
        filter: ".kmove",
        preventOnFilter: false,
        ghostClass: "sortable-ghost",
        chosenClass: "sortable-chosen",
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          send(evt.item, evt.from, evt.oldIndex, evt.to.dataset.stage, "");
        }
      });
    });
  }

  board.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("kmove-form")) return;
    e.preventDefault();
    e.stopPropagation();
    var card = form.closest(".kcard");
    var details = form.closest("details");
    if (details) details.open = false;
    if (card && e.submitter && e.submitter.value) moveTo(card, e.submitter.value);
  }, true);

  function dropGrab(announce) {
    if (!grab) return;
    grab.card.classList.remove("is-grabbed");
    lists().forEach(function (l) { l.classList.remove("is-target"); });
    if (announce) say(announce);
    grab = null;
  }

  function step(dir) {
    var card = grab.card;
    var all = lists();
    var i = all.indexOf(card.parentElement) + dir;
    for (; i >= 0 && i < all.length; i += dir) {
      var stage = all[i].dataset.stage;
      if (all[i] === grab.from || allowed(card, stage)) {
        lists().forEach(function (l) { l.classList.remove("is-target"); });
        all[i].classList.add("is-target");
        if (all[i] === grab.from) all[i].insertBefore(card, all[i].children[grab.index] || null);
        else all[i].insertBefore(card, all[i].firstChild);
        card.focus();
        say(msg("over", names(card, stage)));
        return;
      }
    }
    say(msg("not-allowed", { name: card.dataset.name, stage: label(card.parentElement.dataset.stage) }));
  }

  board.addEventListener("keydown", function (e) {
    var card = e.target;
    if (!card.classList || !card.classList.contains("kcard")) return;
    if (grab && grab.card === card) {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") { e.preventDefault(); step(e.key === "ArrowRight" ? 1 : -1); }
      else if (e.key === " " || e.key === "Enter") {
        e.preventDefault();
        var g = grab;
        var list = card.parentElement;
        dropGrab("");
        if (list === g.from) { say(msg("cancelled", names(card, g.from.dataset.stage))); return; }
        send(card, g.from, g.index, list.dataset.stage, "");
      } else if (e.key === "Escape" || e.key === "Tab") {
        if (e.key === "Escape") e.preventDefault();
        var back = grab;
        back.from.insertBefore(card, back.from.children[back.index] || null);
        dropGrab(msg("cancelled", names(card, back.from.dataset.stage)));
        card.focus();
      }
      return;
    }
    if (e.key === " ") {
      e.preventDefault();
      if (grab) dropGrab("");
      grab = { card: card, from: card.parentElement, index: indexIn(card.parentElement, card) };
      card.classList.add("is-grabbed");
      say(msg("grabbed", names(card, card.parentElement.dataset.stage)));
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      var sib = e.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
      if (sib) sib.focus();
    } else if (e.key === "Enter") {
      var link = card.querySelector("a.kcard-title");
      if (link) link.click();
    }
  });
})();
