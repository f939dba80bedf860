/* Account 360 attachments: drag and drop, the same limits as the server checked before the upload,
   and a progress bar from XMLHttpRequest's upload events. The server answers with the refreshed
   panel (201, or 413/415/422 with the error inline); without JavaScript the form posts normally. */
(function () {
  "use strict";
  var doc = document;

  function csrf() {
    var raw = doc.body.getAttribute("hx-headers");
    try { return JSON.parse(raw)["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }

  function showError(form, message) {
    var box = form.querySelector(".upload-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  function check(form, file) {
    var max = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var allowed = (form.getAttribute("data-extensions") || "").split(" ");
    var dot = file.name.lastIndexOf(".");
    var ext = dot >= 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    if (allowed.indexOf(ext) < 0) return form.getAttribute("data-msg-type");
    if (max && file.size > max) return form.getAttribute("data-msg-size");
    return "";
  }

  function send(form, file) {
    var problem = check(form, file);
    if (problem) { showError(form, problem); return; }
    showError(form, "");
    var bar = form.querySelector(".upload-progress");
    var button = form.querySelector(".upload-submit");
    var body = new FormData();
    body.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.setRequestHeader("HX-Request", "true");
    if (bar) { bar.hidden = false; bar.value = 0; }
    if (button) button.disabled = true;
    xhr.upload.addEventListener("progress", function (e) {
      if (bar && e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var target = doc.querySelector(form.getAttribute("data-target"));
      var ok = xhr.status >= 200 && xhr.status < 300;
      if (target && xhr.responseText && xhr.getResponseHeader("content-type").indexOf("text/html") === 0) {
        var holder = doc.createElement("div");
        holder.innerHTML = xhr.responseText;
        var fresh = holder.querySelector(form.getAttribute("data-target"));
        if (fresh) { target.replaceWith(fresh); bind(fresh); }
        else if (!ok) showError(form, form.getAttribute("data-msg-failed"));
      } else if (!ok) {
        showError(form, form.getAttribute("data-msg-failed"));
      }
      var trigger = xhr.getResponseHeader("HX-Trigger");
      if (trigger && window.geniusToast) {
        try { var t = JSON.parse(trigger)["genius:toast"]; window.geniusToast(t.message, t.kind); } catch (e) { /* no toast */ }
      }
      if (button) button.disabled = false;
    });
    xhr.addEventListener("error", function () {
      showError(form, form.getAttribute("data-msg-failed"));
      if (bar) bar.hidden = true;
      if (button) button.disabled = false;
    });
    xhr.send(body);
  }

  function bind(root) {
    var forms = root.matches && root.matches("form[data-upload]") ? [root] : root.querySelectorAll("form[data-upload]");
    Array.prototype.forEach.call(forms, function (form) {
      var input = form.querySelector("input[type=file]");
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        if (input && input.files && input.files[0]) send(form, input.files[0]);
      });
      if (input) input.addEventListener("change", function () { if (input.files[0]) send(form, input.files[0]); });
      ["dragenter", "dragover"].forEach(function (name) {
        form.addEventListener(name, function (e) { e.preventDefault(); form.classList.add("dragover"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        form.addEventListener(name, function (e) { e.preventDefault(); form.classList.remove("dragover"); });
      });
      form.addEventListener("drop", function (e) {
        var dropped = e.dataTransfer && e.dataTransfer.files;
        if (dropped && dropped[0]) send(form, dropped[0]);
      });
    });
  }

  doc.addEventListener("DOMContentLoaded", function () { bind(doc); });
})();
