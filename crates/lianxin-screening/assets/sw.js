/*
 * 连心 lianxin: the service worker of the passage entry page, served as /screening/sw.js
 * (scope /screening/). It keeps the page and its assets so that the page opens without a
 * network; the passages themselves wait in IndexedDB (see entry.js), never here.
 *  - the page: network first (a fresh list of shifts), the cached copy when offline;
 *  - its script and style: the cached copy at once, refreshed in the background;
 *  - API calls are not touched.
 */
"use strict";

var CACHE = "lianxin-entry-v1";
var PAGE = "/screening/entry";
var ASSETS = ["/assets/app.css", "/assets/entry.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll([PAGE].concat(ASSETS));
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (keys) {
        return Promise.all(
          keys
            .filter(function (k) {
              return k !== CACHE;
            })
            .map(function (k) {
              return caches.delete(k);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function keep(path, response) {
  // Never keep the login page (a redirect when the session has expired) as the entry page.
  if (response.ok && !response.redirected) {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) {
      cache.put(path, copy);
    });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(
      fetch(req)
        .then(function (r) {
          return keep(PAGE, r);
        })
        .catch(function () {
          return caches.match(PAGE);
        })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(
      caches.match(url.pathname).then(function (hit) {
        var net = fetch(req).then(function (r) {
          return keep(url.pathname, r);
        });
        if (hit) {
          net.catch(function () {
            /* offline: the cached copy serves */
          });
          return hit;
        }
        return net;
      })
    );
  }
});
