// Progressive enhancement for the organiser console; every page works without it.
(function () {
  "use strict";
  var POLL_MS = 1000;

  // A job's progress bar follows the job (GET its status URL every second) and reloads the page
  // once it ends, so the server shows the result's links. Without this script, the "refresh" link.
  function follow(box) {
    var url = box.getAttribute("data-job-status-url");
    var bar = box.querySelector("[data-job-progress]");
    var percent = box.querySelector("[data-job-percent]");
    var state = box.querySelector("[data-job-state]");
    var message = box.querySelector("[data-job-message]");
    var refresh = box.querySelector("[data-job-refresh]");
    if (refresh) { refresh.parentNode.hidden = true; }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { if (refresh) { refresh.parentNode.hidden = false; } return; }
          if (bar) { bar.value = job.percent; bar.textContent = job.percent + " %"; }
          if (percent) { percent.textContent = job.percent + " %"; }
          if (state) { state.textContent = job.state; }
          if (message) { message.textContent = job.message ? " – " + job.message : ""; }
          if (job.finished) { window.location.reload(); return; }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          if (refresh) { refresh.parentNode.hidden = false; }
          window.setTimeout(poll, POLL_MS * 5);
        });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-status-url][data-job-finished=false]").forEach(follow);
  });
})();
