// Logout (issue 15): nothing of this user stays readable in the browser, and
// nothing queued is dropped silently.
//
// The logout form (<form data-logout>) is held until this user's database
// ("pmks-u<id>": drafts, outbox, reference data) is deleted (PMKSStore.deleteAll).
// Records not yet sent (window.PMKSOffline.pendingCount() from offline.js, else the
// outbox records not marked "sent" or "linked") hold the logout in a dialog:
//   "Kirim sekarang"               PMKSOffline.syncNow(), then counts again
//   "Buang N catatan dan keluar"   deletes everything, then logs out
//   "Batal"                        (or Escape) stays logged in
// The server answers the logout with Clear-Site-Data: "storage" as well, so the
// data is gone even where this script did not run (accounts/logout.py), except
// when another user of this computer still has records waiting in their own
// database (keep_other_users=1, see othersPending): then only this script deletes.
// Strings come from <script type="application/json" id="pmks-i18n"> (base.html).
(function () {
  "use strict";
  var DELETE_WAIT_MS = 3000;
  var dialog = null;

  function text(name, values) {
    var block = document.getElementById("pmks-i18n");
    var message = name;
    try {
      message = (block && JSON.parse(block.textContent)[name]) || name;
    } catch (error) {
      message = name;
    }
    Object.keys(values || {}).forEach(function (key) {
      message = message.split("{" + key + "}").join(values[key]);
    });
    return message;
  }

  function pendingCount() {
    if (window.PMKSOffline && window.PMKSOffline.pendingCount) {
      return Promise.resolve(window.PMKSOffline.pendingCount());
    }
    return PMKSStore.all("outbox").then(function (records) {
      return records.filter(function (record) {
        return record.status !== "sent" && record.status !== "linked";
      }).length;
    });
  }

  // Delete this user's data, then send the logout form. A database another tab
  // keeps open is closed by it (store.js); past DELETE_WAIT_MS the logout goes on
  // and the server's Clear-Site-Data finishes the job.
  function leave(form) {
    var waited = new Promise(function (resolve) { setTimeout(resolve, DELETE_WAIT_MS); });
    Promise.race([PMKSStore.deleteAll().catch(function () {}), waited]).then(function () {
      form.submit();
    });
  }

  function button(label, testid, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.setAttribute("data-testid", testid);
    element.addEventListener("click", onClick);
    return element;
  }

  function build(form) {
    var box = document.createElement("dialog");
    box.className = "logout-dialog";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "logout-dialog-title");
    box.setAttribute("aria-describedby", "logout-dialog-text");
    box.setAttribute("data-testid", "logout-dialog");
    var title = document.createElement("h2");
    title.id = "logout-dialog-title";
    title.textContent = text("logout.title");
    var body = document.createElement("p");
    body.id = "logout-dialog-text";
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    status.setAttribute("data-testid", "logout-status");
    var actions = document.createElement("div");
    actions.className = "actions";
    box.append(title, body, status, actions);
    box.addEventListener("cancel", function () { close(form); }); // Escape
    document.body.appendChild(box);
    return { box: box, body: body, status: status, actions: actions };
  }

  function close(form) {
    if (dialog) {
      dialog.box.close();
      dialog.box.remove();
      dialog = null;
    }
    var trigger = form.querySelector("button");
    if (trigger) {
      trigger.focus();
    }
  }

  function sendNow(form) {
    dialog.status.textContent = text("logout.sending");
    Promise.resolve().then(function () {
      return window.PMKSOffline.syncNow();
    }).catch(function () {}).then(pendingCount).then(function (count) {
      if (count === 0) {
        leave(form);
      } else {
        show(form, count);
        dialog.status.textContent = text("logout.stillPending", { count: count });
      }
    });
  }

  function show(form, count) {
    if (!dialog) {
      dialog = build(form);
    }
    dialog.body.textContent = text("logout.pending", { count: count });
    dialog.status.textContent = "";
    dialog.actions.textContent = "";
    var first = null;
    if (window.PMKSOffline && window.PMKSOffline.syncNow) {
      first = button(text("logout.sendNow"), "logout-send", function () { sendNow(form); });
      first.className = "primary";
      dialog.actions.appendChild(first);
    }
    var drop = button(text("logout.discard", { count: count }), "logout-discard", function () {
      leave(form);
    });
    drop.className = "danger";
    var cancel = button(text("logout.cancel"), "logout-cancel", function () { close(form); });
    dialog.actions.append(drop, cancel);
    if (!dialog.box.open) {
      dialog.box.showModal();
    }
    (first || cancel).focus();
  }

  // The count is kept ready (page load, "pmks:outbox" from offline.js, the page
  // shown again), so a logout with nothing unsent goes at once as a plain form post
  // (the database deleted beside it, and by the server's Clear-Site-Data), and
  // nothing races the next page. Not known yet, or records waiting: held here.
  function refresh() {
    var form = document.querySelector("form[data-logout]");
    if (!form || !window.PMKSStore || !PMKSStore.user()) {
      return;
    }
    othersPending().then(function (count) { markOthers(form, count); });
    pendingCount().then(function (count) {
      form.setAttribute("data-pending", String(count));
    }, function () {
      form.setAttribute("data-pending", "0"); // no database: nothing to hold
    });
  }

  function heldLogout(form) {
    pendingCount().catch(function () { return 0; }).then(function (count) {
      if (count > 0) {
        show(form, count);
      } else {
        leave(form);
      }
    });
  }

  // Another user of this computer whose session ended without a logout may have
  // records waiting in their own database: counted here (never read), so that this
  // logout does not ask the server for Clear-Site-Data: "storage", which would
  // delete them silently. This user's own database is then deleted by the script
  // alone, before the form goes (leave).
  function othersPending() {
    var own = "pmks-u" + PMKSStore.user();
    if (!window.indexedDB || !indexedDB.databases) {
      return Promise.resolve(0);
    }
    return indexedDB.databases().then(function (all) {
      var names = all.map(function (db) { return db.name; }).filter(function (name) {
        return /^pmks-u\d+$/.test(name) && name !== own;
      });
      return Promise.all(names.map(countUnsent)).then(function (counts) {
        return counts.reduce(function (sum, n) { return sum + n; }, 0);
      });
    }).catch(function () { return 0; });
  }

  function countUnsent(name) {
    return new Promise(function (resolve) {
      var req = indexedDB.open(name);
      req.onupgradeneeded = function () { req.transaction.abort(); }; // not there: create nothing
      req.onerror = function () { resolve(0); };
      req.onsuccess = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("outbox")) {
          db.close();
          resolve(0);
          return;
        }
        var all = db.transaction("outbox", "readonly").objectStore("outbox").getAll();
        all.onsuccess = function () {
          db.close();
          resolve(all.result.filter(function (record) {
            return record.status !== "sent" && record.status !== "linked";
          }).length);
        };
        all.onerror = function () { db.close(); resolve(0); };
      };
    });
  }

  function markOthers(form, count) {
    var field = form.querySelector("input[name=keep_other_users]");
    if (count > 0 && !field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "keep_other_users";
      field.value = "1";
      form.appendChild(field);
    } else if (count === 0 && field) {
      field.remove();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-logout]") || !window.PMKSStore || !PMKSStore.user()) {
      return;
    }
    if (form.querySelector("input[name=keep_other_users]") && form.getAttribute("data-pending") === "0") {
      event.preventDefault();
      leave(form); // this user's database deleted first: the server will not clear storage
      return;
    }
    if (!navigator.onLine) {
      event.preventDefault();
      window.alert(text("logout.offline"));
      return;
    }
    if (form.getAttribute("data-pending") === "0") {
      PMKSStore.deleteAll().catch(function () {}); // the form goes on
      return;
    }
    event.preventDefault();
    heldLogout(form);
  });
  document.addEventListener("pmks:outbox", refresh);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      refresh();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();
