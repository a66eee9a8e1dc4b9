// The browser's own storage of this user: one IndexedDB database per logged-in user,
// "pmks-u<user id>" (the id from <meta name="pmks-user">), with three stores:
//   drafts   {key, path, fields, savedAt, ...}   form drafts as the user types (drafts.js)
//   outbox   {uuid, kind, data, status, ...}     records made offline, waiting to be sent (offline.js)
//   refdata  {name, value, fetchedAt}            reference data for the offline forms (offline.js)
// Logout deletes the whole database (logout.js), after the outbox is sent or discarded.
// Every function returns a Promise. No user logged in: PMKSStore.user() is "" and
// open() rejects.
(function () {
  "use strict";
  var VERSION = 1;
  var STORES = { drafts: "key", outbox: "uuid", refdata: "name" };
  var opened = null;

  function user() {
    var meta = document.querySelector('meta[name="pmks-user"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function dbName(userId) {
    return "pmks-u" + userId;
  }

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    var userId = user();
    if (!userId || !window.indexedDB) {
      return Promise.reject(new Error("no user or no IndexedDB"));
    }
    if (opened) {
      return opened;
    }
    var req = indexedDB.open(dbName(userId), VERSION);
    req.onupgradeneeded = function () {
      var db = req.result;
      Object.keys(STORES).forEach(function (name) {
        if (!db.objectStoreNames.contains(name)) {
          db.createObjectStore(name, { keyPath: STORES[name] });
        }
      });
    };
    opened = request(req).then(function (db) {
      db.onversionchange = function () { db.close(); opened = null; };
      return db;
    });
    opened.catch(function () { opened = null; });
    return opened;
  }

  function run(storeName, mode, action) {
    return open().then(function (db) {
      var tx = db.transaction(storeName, mode);
      var result = request(action(tx.objectStore(storeName)));
      return new Promise(function (resolve, reject) {
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  window.PMKSStore = {
    user: user,
    get: function (store, key) { return run(store, "readonly", function (s) { return s.get(key); }); },
    put: function (store, value) { return run(store, "readwrite", function (s) { return s.put(value); }); },
    remove: function (store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); },
    all: function (store) { return run(store, "readonly", function (s) { return s.getAll(); }); },
    count: function (store) { return run(store, "readonly", function (s) { return s.count(); }); },
    clear: function (store) { return run(store, "readwrite", function (s) { return s.clear(); }); },
    // Delete this user's whole database (logout). Resolves once it is gone.
    deleteAll: function () {
      var userId = user();
      if (!userId || !window.indexedDB) {
        return Promise.resolve();
      }
      var closing = opened ? opened.then(function (db) { db.close(); }, function () {}) : Promise.resolve();
      opened = null;
      return closing.then(function () { return request(indexedDB.deleteDatabase(dbName(userId))); });
    },
  };
})();
