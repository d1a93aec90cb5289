/* The scanner's service worker (scope /scan): the page and its files come from the cache first, so
   the scanner opens and works without a network; the cache is refreshed from the network whenever
   it answers. API calls are never cached here: the page keeps the offline kit and the queue of scans
   in IndexedDB itself. The page is in the reader's language (?lang=, the cookie, Accept-Language) and
   cached under /scan whatever the query; a change of language (/scan?lang=…) asks the network first,
   so it needs one (offline, the page opens in the language used last).
   Bump VERSION when the list of files or the page changes. */
"use strict";

const VERSION = "scanner-v3";
const SHELL = [
  "/scan",
  "/scan/static/scanner.js",
  "/scan/static/scanner.css",
  "/scan/static/jsQR.js",
  "/scan/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== VERSION).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

function shellPath(url) {
  const path = url.pathname;
  if (path === "/scan" || path === "/scan/") return "/scan";
  if (path.startsWith("/scan/static/")) return path;
  return null;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const key = shellPath(url);
  if (key === null) return; // the API: straight to the network
  event.respondWith(
    caches.open(VERSION).then(async (cache) => {
      // A change of language (?lang=): the network's page first, so the switch shows at once;
      // the cached page (in the language used last) only when there is no network.
      if (key === "/scan" && url.searchParams.has("lang")) {
        const response = await fetch(request).catch(() => null);
        if (response && response.ok) {
          cache.put(key, response.clone());
          return response;
        }
        return (await cache.match(key)) || response || new Response("Offline and not cached yet", { status: 503 });
      }
      const cached = await cache.match(key);
      const fresh = fetch(request)
        .then((response) => {
          if (response.ok) cache.put(key, response.clone());
          return response;
        })
        .catch(() => null);
      if (cached) {
        event.waitUntil(fresh);
        return cached;
      }
      const response = await fresh;
      return response || new Response("Offline and not cached yet", { status: 503 });
    }),
  );
});
