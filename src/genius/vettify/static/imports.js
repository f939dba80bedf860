// The CSV import's upload step: a drag-and-drop zone around the file input, and a refusal before the
// upload when the file is too big or not a CSV (the server checks again). No inline script (CSP).
(function () {
  "use strict";
  function setup(form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    if (!zone || !input) return;
    var nameOut = zone.querySelector("[data-file-name]");
    var errorOut = form.querySelector("[data-file-error]");
    var field = zone.closest(".field");
    var max = parseInt(zone.getAttribute("data-max-bytes") || "0", 10);

    function problem(file) {
      if (!file) return null;
      if (max && file.size > max) return zone.getAttribute("data-too-big");
      if (!/\.(csv|txt|tsv)$/i.test(file.name) && !/^text\//.test(file.type || "")) return zone.getAttribute("data-not-csv");
      return null;
    }
    function show(file) {
      var message = problem(file);
      if (nameOut) nameOut.textContent = file ? file.name + " · " + Math.max(1, Math.ceil(file.size / 1024)).toLocaleString("ro-RO") + " kB" : "";
      if (errorOut) errorOut.textContent = message || "";
      if (field) field.classList.toggle("invalid", !!message);
      input.setAttribute("aria-invalid", message ? "true" : "false");
      return !message;
    }
    input.addEventListener("change", function () { show(input.files && input.files[0]); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("is-over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      var transfer = new DataTransfer();
      transfer.items.add(files[0]);
      input.files = transfer.files;
      show(files[0]);
    });
    form.addEventListener("submit", function (event) {
      if (!show(input.files && input.files[0])) {
        event.preventDefault();
        event.stopImmediatePropagation();
        input.focus();
      }
    }, true);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-import-upload]").forEach(setup);
  });
})();
