// The service worker of PMKS Kaltim (issue 15), served at /sw.js by
// offline/page_views.service_worker, which puts `self.PMKS_SW` before this file:
//   {version, shell: ["/luring/", "/luring/antrian/"], static: [hashed static URLs], staticPrefix}
//
// What it keeps, in one cache "pmks-<version>" (older ones are deleted on activate):
//   - the app shell pages (/luring/, /luring/antrian/): no personal data in them;
//     fetched from the network first when online, the cached copy when not;
//   - static files: from the cache first (their names carry a content hash).
// Everything else (pages with personal data, JSON, POSTs) goes to the network only
// and is never stored. A page opened with no connection gets the cached /luring/.
// Background Sync ("pmks-outbox"): the worker asks the open pages to send the
// outbox (static/js/offline.js holds the CSRF token and the records' logic).
/* global self, caches, clients */
(function () {
  "use strict";
  var CONFIG = self.PMKS_SW;
  var CACHE = "pmks-" + CONFIG.version;
  var SHELL = CONFIG.shell;

  function isShell(url) {
    return SHELL.indexOf(url.pathname) !== -1;
  }

  // A page to keep: a plain 200 of that very URL (not a redirect to the login page).
  function keepable(response) {
    return response && response.ok && !response.redirected && response.type === "basic";
  }

  function cacheShell(cache) {
    return Promise.all(SHELL.map(function (path) {
      return fetch(path, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (keepable(response)) {
          return cache.put(path, response);
        }
      }).catch(function () {});
    }));
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(CONFIG.static.map(function (url) {
        return cache.add(url).catch(function () {});
      })).then(function () { return cacheShell(cache); });
    }).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("pmks-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); }));
  });

  function fromCacheFirst(request) {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) {
            cache.put(request, response.clone());
          }
          return response;
        });
      });
    });
  }

  function offlineShell(path) {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(path).then(function (hit) {
        return hit || cache.match(SHELL[0]);
      });
    }).then(function (hit) {
      return hit || Response.error();
    });
  }

  function shellNetworkFirst(request, path) {
    return fetch(request).then(function (response) {
      if (keepable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(path, copy); });
      }
      return response;
    }, function () { return offlineShell(path); });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") {
      return;
    }
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) {
      return;
    }
    if (url.pathname.indexOf(CONFIG.staticPrefix) === 0) {
      event.respondWith(fromCacheFirst(request));
    } else if (request.mode === "navigate" && isShell(url)) {
      event.respondWith(shellNetworkFirst(request, url.pathname));
    } else if (request.mode === "navigate") {
      event.respondWith(fetch(request).catch(function () { return offlineShell(SHELL[0]); }));
    }
  });

  function tellPages(message) {
    return self.clients.matchAll({ type: "window" }).then(function (pages) {
      pages.forEach(function (page) { page.postMessage(message); });
      return pages.length;
    });
  }

  self.addEventListener("sync", function (event) {
    if (event.tag === "pmks-outbox") {
      event.waitUntil(tellPages({ type: "pmks-sync" }));
    }
  });

  // From offline.js: refresh the cached shell (a new user logged in on this
  // browser, or the cached copy is missing), or forget it (logout).
  self.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "pmks-refresh-shell") {
      event.waitUntil(caches.open(CACHE).then(cacheShell));
    } else if (data.type === "pmks-forget-shell") {
      event.waitUntil(caches.open(CACHE).then(function (cache) {
        return Promise.all(SHELL.map(function (path) { return cache.delete(path); }));
      }));
    }
  });
})();
