// Check-in console: the live counts follow the scans (GET live.json every few seconds) without a
// reload. Without this script the page has a "Refresh" link (never an automatic refresh: WCAG 2.2.1).
(function () {
  "use strict";
  var POLL_MS = 4000;

  function start(section) {
    var url = section.getAttribute("data-live-url");
    var asOf = section.querySelector("[data-live-as-of]");
    var status = section.querySelector("[data-live-status]");
    var conflicts = document.querySelector("[data-live-conflicts]");
    var timer = null;

    function show(cell, text) {
      if (cell && cell.textContent !== text) { cell.textContent = text; return true; }
      return false;
    }

    function apply(live) {
      var changed = false;
      Object.keys(live.checkpoints).forEach(function (id) {
        var row = section.querySelector('[data-live-checkpoint="' + id + '"]');
        if (!row) { return; }
        var texts = live.checkpoints[id].text;
        ["inside", "admitted", "expected", "denied"].forEach(function (name) {
          if (show(row.querySelector('[data-live-count="' + name + '"]'), texts[name])) { changed = true; }
        });
        show(row.querySelector('[data-live-count="last_scan"]'), texts.last_scan || "–");
      });
      if (show(conflicts, live.open_conflicts_text)) { changed = true; }
      show(asOf, live.as_of_text);
      // Polite and quiet: screen readers hear one short line, and only when a count moved.
      if (changed && status) { status.textContent = live.announce; }
    }

    function poll() {
      timer = null;
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (live) {
          if (live) { apply(live); }
          schedule(live ? POLL_MS : POLL_MS * 3);
        })
        .catch(function () { schedule(POLL_MS * 3); });
    }

    function schedule(delay) {
      if (timer === null) { timer = window.setTimeout(poll, delay); }
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { schedule(0); }
    });
    section.setAttribute("data-live-running", "true");
    schedule(POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-url]").forEach(start);
  });
})();
