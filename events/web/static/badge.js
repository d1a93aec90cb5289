// The e-badge offline (events/web/my/documents.py); every page works without it.
// On /my/badge: register the service worker that keeps the page for when there is no connection.
// Where the badge is gone (revoked, none) and when the participant signs out: forget it on this device.
(function () {
  "use strict";
  var CACHE = "my-badge";
  var SCOPE = "/my/badge";

  function forget() {
    var jobs = [];
    if (window.caches) { jobs.push(window.caches.delete(CACHE)); }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.filter(function (registration) {
          return new URL(registration.scope).pathname === SCOPE;
        }).map(function (registration) { return registration.unregister(); }));
      }));
    }
    return Promise.all(jobs).catch(function () { return null; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var badge = document.querySelector("[data-badge-offline]");
    if (badge && navigator.serviceWorker) {
      navigator.serviceWorker.register(badge.getAttribute("data-badge-offline"), { scope: SCOPE })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function () {
          var note = document.querySelector("[data-badge-offline-ready]");
          if (note) { note.hidden = false; }
        })
        .catch(function () { return null; });
    }
    if (document.querySelector("[data-badge-forget]")) { forget(); }
    // Signing out: the badge leaves this device with the session (at most 2 s, then sign out anyway).
    document.querySelectorAll("form[action='/my/registration/sign-out']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.forgotten) { return; }
        event.preventDefault();
        var sent = false;
        function send() {
          if (sent) { return; }
          sent = true;
          form.dataset.forgotten = "1";
          form.submit();
        }
        window.setTimeout(send, 2000);
        forget().then(send);
      });
    });
  });
})();
