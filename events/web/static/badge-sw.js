// The badge page's service worker, served as /my/badge/sw.js (scope /my/badge) by
// events/web/my/documents.py, which fills in ASSETS. It keeps the last copy of /my/badge and the
// files it loads, serves the page from the network when it can (from the copy when the network
// fails or takes too long) and forgets the copy when the server no longer shows a badge.
"use strict";
var CACHE = "my-badge";
var PAGE = "/my/badge";
var ASSETS = [];
var PATIENCE = 4000; // ms: on a slow link, show the kept copy while the network catches up

function keep(cache, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    return cache.put(PAGE, response.clone());
  }
  if (response.status >= 500) {
    return Promise.resolve(null); // the service is down: the kept copy stays
  }
  return cache.delete(PAGE); // signed out (a redirect), no badge or revoked (404, 410)
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var page = fetch(PAGE, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return keep(cache, response); })
      .catch(function () { return null; });
    var assets = ASSETS.map(function (url) {
      return cache.add(url).catch(function () { return null; });
    });
    return Promise.all([page].concat(assets));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Files of an older version of the site (another ?v=) go; the page and today's files stay.
  var wanted = ASSETS.map(function (url) { return new URL(url, self.location.origin).href; });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.filter(function (request) {
        return new URL(request.url).pathname !== PAGE && wanted.indexOf(request.url) < 0;
      }).map(function (request) { return cache.delete(request); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

function page(event) {
  return caches.open(CACHE).then(function (cache) {
    var network = fetch(event.request).then(function (response) {
      return keep(cache, response).then(function () { return response; });
    });
    event.waitUntil(network.catch(function () { return null; }));
    return new Promise(function (resolve) {
      var answered = false;
      function answer(response) {
        if (!answered && response) { answered = true; resolve(response); }
      }
      function fromCache() {
        return cache.match(PAGE);
      }
      var timer = setTimeout(function () { fromCache().then(answer); }, PATIENCE);
      function failed(response) {
        clearTimeout(timer);
        fromCache().then(function (kept) { answer(kept || response || Response.error()); });
      }
      network.then(function (response) {
        if (response.status >= 500) { failed(response); return; }
        clearTimeout(timer);
        answer(response);
      }, function () { failed(null); });
    });
  });
}

function asset(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) {
      return kept || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request));
  }
});
