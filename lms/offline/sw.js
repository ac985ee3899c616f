// The service worker (served at /sw.js, scope "/"). It caches nothing by itself: pages reach Cache Storage
// only when the trainee downloads a module or a program (static/js/offline-shelf.js), into a cache named for
// that trainee ("lms-offline-<key>"). Online, every request goes to the network as before; when the network
// fails, a navigation is answered from the trainee's copy (or the offline shelf page, which says what is
// saved), and a static file from the copy. SHELF_URL is prepended by the server.
"use strict";
var PREFIX = "lms-offline-";
var userCache = null;  // the signed-in trainee's cache, once a page told us (a restarted worker forgets it)

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(Promise.all([
    self.clients.claim(),
    self.registration.navigationPreload ? self.registration.navigationPreload.enable() : null
  ]));
});

// Only the trainee signed in on this phone keeps a copy: the others' caches go (a shared phone).
function keepOnly(name) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(PREFIX) === 0 && n !== name;
    }).map(function (n) { return caches.delete(n); }));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "user" && data.key) {
    userCache = PREFIX + data.key;
    event.waitUntil(keepOnly(userCache));
  } else if (data.type === "signed-out") {
    userCache = null;
    event.waitUntil(keepOnly(null));
  }
});

function fromCopy(request) {
  var names = userCache ? Promise.resolve([userCache]) : caches.keys().then(function (all) {
    return all.filter(function (n) { return n.indexOf(PREFIX) === 0; });
  });
  return names.then(function (list) {
    return list.reduce(function (found, name) {
      return found.then(function (response) {
        if (response) { return response; }
        return caches.has(name).then(function (exists) {
          return exists ? caches.open(name).then(function (cache) {
            return cache.match(request, { ignoreVary: true, ignoreSearch: false });
          }) : undefined;
        });
      });
    }, Promise.resolve(undefined));
  });
}

function offlinePage() {
  return fromCopy(SHELF_URL).then(function (shelf) {
    return shelf || new Response(
      "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>Không có kết nối</title><main style='font-family:sans-serif;padding:1rem'>" +
      "<h1>Không có kết nối mạng</h1><p>Trang này chưa được tải về máy để học không cần mạng.</p>" +
      "<p lang=en>No connection: this page has not been downloaded for offline study.</p></main>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function navigate(event) {
  return Promise.resolve(event.preloadResponse).then(function (preloaded) {
    return preloaded || fetch(event.request);
  }).catch(function () {
    return fromCopy(event.request.url).then(function (copy) { return copy || offlinePage(); });
  });
}

var FINGERPRINTED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (FINGERPRINTED.test(url.pathname)) {
    // A fingerprinted file never changes: the saved copy is right, and spares the network.
    event.respondWith(fromCopy(request).then(function (copy) { return copy || fetch(request); }));
  } else if (/^\/(static|media)\//.test(url.pathname)) {
    event.respondWith(fetch(request).catch(function () {
      return fromCopy(request).then(function (copy) { return copy || Response.error(); });
    }));
  }
});
