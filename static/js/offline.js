// Offline capture, on every page of a logged-in user (issue 15). See static/js/store.js
// for the per-user IndexedDB; the shell's forms are static/js/offline_forms.js, the
// queue page static/js/offline_queue.js, the service worker static/js/sw.js.
//
// window.PMKSOffline:
//   queue(record)   put {kind, data, case, base_version} in the outbox under a new UUID
//                   (status "pending") and try to send it; resolves to the stored record
//   update(record)  store a changed record (a correction, a decision) and try to send it
//   syncNow()       send the pending records one by one to /luring/kirim/; resolves to
//                   {sent: sent in this run, refused, duplicate, conflict, pending: in the
//                   outbox now}. One run at a time (per tab and, with Web Locks, per browser).
//   pendingCount()  how many records are not (yet) confirmed by the server
//   all()           the outbox, oldest first
//   discard(uuid)   remove one record
//   refdata()       the cached reference data (or null); refreshRefdata() fetches it
//   forget()        drop the cached shell pages (logout)
//   messages()      the page's words (JSON from {% translate %})
// A record is "sent" only when the server answered 201 ("linked" when the answer's
// status is "linked": the worker chose the existing person, nothing was created); 400 → "refused" (errors kept),
// 409 → "duplicate" (matches) or "conflict" (both versions), 401/403, 5xx or no
// network → stays "pending". Events on document: "pmks:outbox", "pmks:refdata".
(function () {
  "use strict";
  var Store = window.PMKSStore;
  if (!Store || !Store.user()) {
    return;
  }
  var SUBMIT_URL = "/luring/kirim/";
  var REFDATA_URL = "/luring/data-acuan/";
  var REFDATA_MAX_AGE_MS = 60 * 60 * 1000;  // pages other than the shell refresh hourly
  var RETRY_MS = 30 * 1000;
  var running = null;
  var again = null;
  var loginRequired = false;
  var words = null;

  function messages() {
    if (!words) {
      var node = document.getElementById("offline-messages");
      words = node ? JSON.parse(node.textContent) : {};
    }
    return words;
  }

  function announce(name) {
    document.dispatchEvent(new CustomEvent(name));
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function all() {
    return Store.all("outbox").then(function (records) {
      return records.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    });
  }

  // Sent (201) or linked to an existing person (200 "linked"): nothing left to send.
  function isDone(record) {
    return record.status === "sent" || record.status === "linked";
  }

  function counts(records, sent) {
    var result = { sent: sent, refused: 0, duplicate: 0, conflict: 0, pending: 0 };
    records.forEach(function (record) {
      if (!isDone(record)) {
        result[record.status] = (result[record.status] || 0) + 1;
      }
    });
    return result;
  }

  // --- sending -----------------------------------------------------------------

  function body(record) {
    return JSON.stringify({
      uuid: record.uuid,
      kind: record.kind,
      data: record.data,
      case: record.case || null,
      base_version: record.base_version === undefined ? null : record.base_version,
      decision: record.decision || null,
      link_to: record.link_to || null,
    });
  }

  // The record after the server's answer (or null: leave it pending). A success
  // keeps no form data on the device: only what the queue page shows.
  function settle(record, status, answer) {
    var now = new Date().toISOString();
    var linked = answer.status === "linked";
    if (status === 201 || (status === 200 && linked)) {
      return { uuid: record.uuid, kind: record.kind, case: record.case, summary: record.summary,
        createdAt: record.createdAt, status: linked ? "linked" : "sent", sentAt: now,
        id: answer.id, url: answer.url, message: answer.message || "" };
    }
    var next = Object.assign({}, record, { triedAt: now, message: answer.message || "" });
    if (answer.status === "refused" || status === 404) {
      next.status = "refused";
      next.errors = answer.errors || { __all__: [answer.message || String(status)] };
    } else if (status === 409 && answer.status === "duplicate") {
      next.status = "duplicate";
      next.matches = answer.matches || [];
      next.allowed_decisions = answer.allowed_decisions || ["link", "separate"];
    } else if (status === 409 && answer.status === "conflict") {
      next.status = "conflict";
      next.field_conflicts = answer.field_conflicts || [];
      next.server_version = answer.server_version;
    } else {
      return null;
    }
    return next;
  }

  function sendOne(record) {
    return fetch(SUBMIT_URL, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body(record),
    }).then(function (response) {
      loginRequired = response.status === 401;
      return response.json().catch(function () { return {}; }).then(function (answer) {
        var next = settle(record, response.status, answer);
        if (!next) {
          return "pending";
        }
        return Store.put("outbox", next).then(function () { announce("pmks:outbox"); return next.status; });
      });
    }, function () { return "pending"; });
  }

  function runOnce() {
    return all().then(function (records) {
      var pending = records.filter(function (record) { return record.status === "pending"; });
      var sent = 0;
      var chain = Promise.resolve();
      pending.forEach(function (record) {
        chain = chain.then(function () {
          if (!navigator.onLine) {
            return;
          }
          return sendOne(record).then(function (status) {
            sent += status === "sent" || status === "linked" ? 1 : 0;
          });
        });
      });
      return chain.then(function () { return sent; });
    }).then(function (sent) {
      return all().then(function (records) { return counts(records, sent); });
    });
  }

  // A call during a run waits for it, then runs once more (a record changed
  // meanwhile, a correction or a decision, is not left for the next retry).
  function syncNow() {
    if (running) {
      again = again || running.catch(function () {}).then(function () {
        again = null;
        return syncNow();
      });
      return again;
    }
    var work = navigator.locks
      ? function () { return navigator.locks.request("pmks-outbox-" + Store.user(), runOnce); }
      : runOnce;
    running = work().then(function (result) {
      running = null;
      announce("pmks:outbox");
      return result;
    }, function (error) {
      running = null;
      throw error;
    });
    return running;
  }

  function pendingCount() {
    return all().then(function (records) {
      return records.filter(function (record) { return !isDone(record); }).length;
    });
  }

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) {
        return registration.sync.register("pmks-outbox");
      }
    }).catch(function () {});
  }

  function update(record) {
    return Store.put("outbox", record).then(function () {
      announce("pmks:outbox");
      askBackgroundSync();
      syncNow().catch(function () {});
      return record;
    });
  }

  function queue(fields) {
    var record = Object.assign({ base_version: null, decision: null, link_to: null }, fields, {
      uuid: newUuid(),
      createdAt: new Date().toISOString(),
      status: "pending",
    });
    return update(record);
  }

  function discard(uuid) {
    return Store.remove("outbox", uuid).then(function () { announce("pmks:outbox"); });
  }

  // --- reference data --------------------------------------------------------------

  function refdata() {
    return Store.get("refdata", "all").then(function (row) { return row || null; });
  }

  function refreshRefdata(force) {
    if (!navigator.onLine) {
      return refdata();
    }
    return refdata().then(function (row) {
      var fresh = row && Date.now() - Date.parse(row.fetchedAt) < REFDATA_MAX_AGE_MS;
      if (fresh && !force) {
        return row;
      }
      return fetch(REFDATA_URL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            return row;
          }
          return response.json().then(function (value) {
            var next = { name: "all", value: value, fetchedAt: new Date().toISOString() };
            return Store.put("refdata", next).then(function () { announce("pmks:refdata"); return next; });
          });
        }, function () { return row; });
    });
  }

  // --- service worker, shell ownership, badges ----------------------------------------

  function worker(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage(message);
      }
    });
  }

  // The cached shell carries <meta name="pmks-user">: if another user's (or none) is
  // cached, the worker fetches this user's.
  function checkShellOwner() {
    if (!window.caches || !navigator.onLine) {
      return;
    }
    caches.match("/luring/").then(function (hit) {
      return hit ? hit.text() : "";
    }).then(function (html) {
      var mine = 'name="pmks-user" content="' + Store.user() + '"';
      if (html.indexOf(mine) === -1) {
        worker({ type: "pmks-refresh-shell" });
      }
    }).catch(function () {});
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(checkShellOwner).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "pmks-sync") {
        syncNow().catch(function () {});
      }
    });
  }

  function forget() {
    if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) {
      return Promise.resolve();
    }
    return worker({ type: "pmks-forget-shell" });
  }

  function showCounts() {
    pendingCount().then(function (count) {
      document.querySelectorAll("[data-pending-count]").forEach(function (node) {
        node.textContent = String(count);
      });
      var link = document.querySelector('.main-nav a[href="/luring/antrian/"]');
      var badge = link && link.querySelector(".badge");
      if (link && count && !badge) {
        badge = link.appendChild(document.createElement("span"));
        badge.className = "badge";
        badge.setAttribute("data-testid", "nav-pending-count");
      }
      if (badge && count) {
        badge.textContent = String(count);
      } else if (badge) {
        badge.remove();
      }
    }).catch(function () {});
  }

  function showStatus() {
    var text = navigator.onLine ? "" : messages().offline;
    if (navigator.onLine && loginRequired) {
      text = messages().loginRequired;
    }
    document.querySelectorAll("[data-offline-status]").forEach(function (node) {
      node.textContent = text || "";
    });
  }

  window.PMKSOffline = {
    queue: queue,
    update: update,
    syncNow: syncNow,
    pendingCount: pendingCount,
    all: all,
    discard: discard,
    refdata: refdata,
    refreshRefdata: refreshRefdata,
    forget: forget,
    messages: messages,
    loginRequired: function () { return loginRequired; },
  };

  document.addEventListener("pmks:outbox", function () { showCounts(); showStatus(); });
  window.addEventListener("online", function () { showStatus(); syncNow().catch(function () {}); refreshRefdata(false); });
  window.addEventListener("offline", showStatus);
  setInterval(function () {
    if (!navigator.onLine || running) {
      return;
    }
    all().then(function (records) {
      if (records.some(function (record) { return record.status === "pending"; })) {
        syncNow().catch(function () {});
      }
    }).catch(function () {});
  }, RETRY_MS);

  registerWorker();
  showStatus();
  showCounts();
  refreshRefdata(Boolean(document.querySelector("[data-offline-kind]"))).catch(function () {});
  syncNow().catch(function () {});
})();
