// cix console: keyboard navigation of the queue and polling of background jobs. No library.
(function () {
  "use strict";

  // The queue: j / k move between rows, Enter opens the current one, / jumps to the filters.
  function queueKeys() {
    var table = document.getElementById("queue");
    if (!table) return;
    var links = Array.prototype.slice.call(table.querySelectorAll("a.row-link"));
    var at = -1;
    function go(i) {
      if (!links.length) return;
      at = Math.max(0, Math.min(links.length - 1, i));
      links.forEach(function (a, j) { a.closest("tr").classList.toggle("current", j === at); });
      links[at].focus();
    }
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === "j") { go(at + 1); e.preventDefault(); }
      else if (e.key === "k") { go(at - 1); e.preventDefault(); }
      else if (e.key === "/") { var f = document.querySelector("form.filters select, form.filters input"); if (f) { f.focus(); e.preventDefault(); } }
    });
    links.forEach(function (a, j) { a.addEventListener("focus", function () { at = j; }); });
  }

  // A job started from a form: the page polls /console/jobs/ID and shows its progress.
  function jobs() {
    var params = new URLSearchParams(window.location.search);
    var id = params.get("job");
    var box = document.querySelector(".job");
    if (!id || !box) return;
    box.hidden = false;
    var bar = box.querySelector("progress"), note = box.querySelector(".job-note");
    function poll() {
      fetch("/console/jobs/" + encodeURIComponent(id), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (j.error && !j.status) { note.textContent = j.error.message || String(j.error); return; }
          bar.value = j.percent;
          note.textContent = j.kind + ": " + j.status + (j.note ? " (" + j.note + ")" : "") + (j.error ? " — " + j.error : "");
          box.setAttribute("data-status", j.status);
          if (j.status === "running") window.setTimeout(poll, 1000);
        })
        .catch(function () { note.textContent = "?"; });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () { queueKeys(); jobs(); });
})();
