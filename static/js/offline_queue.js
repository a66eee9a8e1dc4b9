// "Antrian kirim" (/luring/antrian/, templates/offline/queue.html), issue 15: the
// outbox of this user, rendered from IndexedDB. A refused record opens in its form
// for correction (/luring/?ubah=<uuid>); a possible duplicate asks the worker to link
// to the existing person or register a new one; a conflict shows both values of each
// field and resends the chosen ones on top of the server's version.
(function () {
  "use strict";
  var Offline = window.PMKSOffline;
  var list = document.querySelector("[data-outbox-list]");
  if (!Offline || !list) {
    return;
  }
  var words = Offline.messages();
  var records = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString("id-ID", {
      timeZone: "Asia/Makassar", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    }) : "";
  }

  function label(field) {
    return (words.fields && words.fields[field]) || field;
  }

  function errorsOf(record) {
    var box = el("ul", { class: "errorlist", "data-testid": "outbox-errors" });
    Object.keys(record.errors || {}).forEach(function (field) {
      [].concat(record.errors[field]).forEach(function (item) {
        var text = item.message || String(item);
        box.appendChild(el("li", {}, field === "__all__" ? text : label(field) + ": " + text));
      });
    });
    return box;
  }

  function matchesOf(record) {
    var box = el("div", { class: "warning-box", "data-testid": "outbox-matches" });
    box.appendChild(el("p", {}, record.message || words.matchesIntro));
    var items = el("ul", { class: "match-list" });
    var allowed = record.allowed_decisions || ["link", "separate"];
    (record.matches || []).forEach(function (match) {
      var item = el("li", {});
      item.appendChild(el("strong", {}, match.name || ""));
      var facts = [
        [words.age, match.age], [words.desa, match.desa], [words.nik, match.nik_masked],
        [words.noKk, match.no_kk_masked], [words.office, match.office], [words.lastCase, match.last_case_date],
      ].filter(function (pair) { return pair[1] !== undefined && pair[1] !== null && pair[1] !== ""; })
        .map(function (pair) { return pair[0] + " " + pair[1]; });
      item.appendChild(el("span", {}, " — " + facts.join(", ") + " "));
      if (match.contact) {
        var contact = [match.contact.phone, match.contact.email].filter(Boolean).join(" · ");
        item.appendChild(el("span", { class: "muted" }, contact + " "));
      }
      if (match.id && allowed.indexOf("link") !== -1) {
        item.appendChild(el("button", { type: "button", "data-decide": "link", "data-link-to": match.id }, words.linkExisting));
      }
      items.appendChild(item);
    });
    box.appendChild(items);
    if (allowed.indexOf("separate") !== -1) {
      box.appendChild(el("button", { type: "button", class: "primary", "data-decide": "separate" }, words.registerNew));
    }
    return box;
  }

  function conflictOf(record) {
    var box = el("div", { class: "warning-box", "data-testid": "outbox-conflict" });
    box.appendChild(el("p", {}, words.conflictIntro));
    (record.field_conflicts || []).forEach(function (conflict) {
      var group = el("fieldset", { "data-conflict-field": conflict.field });
      group.appendChild(el("legend", {}, conflict.label || label(conflict.field)));
      [["mine", words.mine, conflict.mine], ["theirs", words.theirs, conflict.theirs]].forEach(function (side) {
        var id = "c-" + record.uuid + "-" + conflict.field + "-" + side[0];
        var row = el("div", { class: "check" });
        var input = el("input", { type: "radio", id: id, name: "c-" + record.uuid + "-" + conflict.field, value: side[0] });
        input.checked = side[0] === "mine";
        row.appendChild(input);
        row.appendChild(el("label", { for: id }, side[1] + ": " + (side[2] === null || side[2] === undefined ? "—" : side[2])));
        group.appendChild(row);
      });
      box.appendChild(group);
    });
    box.appendChild(el("button", { type: "button", class: "primary", "data-resolve": "" }, words.sendChoice));
    return box;
  }

  function item(record) {
    var node = el("li", { class: "card outbox-item", "data-uuid": record.uuid, "data-status": record.status, "data-testid": "outbox-item" });
    var head = el("p", { class: "outbox-head" });
    head.appendChild(el("strong", {}, (words.kind && words.kind[record.kind]) || record.kind));
    head.appendChild(el("span", {}, " " + (record.summary || "") + " "));
    head.appendChild(el("span", { class: "badge status-" + record.status, "data-testid": "outbox-status" },
      (words.status && words.status[record.status]) || record.status));
    node.appendChild(head);
    var meta = words.createdAt + " " + when(record.createdAt) + (record.sentAt ? " · " + words.sentAt + " " + when(record.sentAt) : "");
    node.appendChild(el("p", { class: "muted" }, meta));
    var actions = el("p", { class: "actions" });
    if (record.status === "refused") {
      node.appendChild(errorsOf(record));
      actions.appendChild(el("a", { class: "button primary", href: "/luring/?ubah=" + encodeURIComponent(record.uuid) }, words.fix));
    } else if (record.status === "duplicate") {
      node.appendChild(matchesOf(record));
    } else if (record.status === "conflict") {
      node.appendChild(conflictOf(record));
    } else if ((record.status === "sent" || record.status === "linked") && record.url) {
      actions.appendChild(el("a", { class: "button", href: record.url }, words.open));
    }
    if (record.status !== "sent" && record.status !== "linked") {
      actions.appendChild(el("button", { type: "button", class: "danger", "data-discard": "" }, words.discard));
    }
    node.appendChild(actions);
    return node;
  }

  function render() {
    return Offline.all().then(function (all) {
      records = {};
      all.forEach(function (record) { records[record.uuid] = record; });
      list.replaceChildren.apply(list, all.slice().reverse().map(item));
      document.querySelector("[data-queue-empty]").hidden = all.length > 0;
    });
  }

  function resend(record, changes) {
    var next = Object.assign({}, record, changes, { status: "pending" });
    ["errors", "matches", "field_conflicts", "allowed_decisions"].forEach(function (name) { delete next[name]; });
    return Offline.update(next);
  }

  function resolve(record, node) {
    var data = Object.assign({}, record.data);
    (record.field_conflicts || []).forEach(function (conflict) {
      var chosen = node.querySelector('input[name="c-' + record.uuid + "-" + conflict.field + '"]:checked');
      var theirs = chosen && chosen.value === "theirs";
      // The form's value when the server gives it (mine_value/theirs_value: an id, a
      // code), else the shown one.
      if (theirs) {
        data[conflict.field] = "theirs_value" in conflict ? conflict.theirs_value : conflict.theirs;
      } else {
        data[conflict.field] = "mine_value" in conflict ? conflict.mine_value : conflict.mine;
      }
    });
    return resend(record, { data: data, base_version: record.server_version });
  }

  list.addEventListener("click", function (event) {
    var node = event.target.closest("[data-uuid]");
    var record = node && records[node.getAttribute("data-uuid")];
    if (!record) {
      return;
    }
    var decide = event.target.closest("[data-decide]");
    if (decide) {
      var linkTo = decide.getAttribute("data-link-to");
      resend(record, { decision: decide.getAttribute("data-decide"), link_to: linkTo ? Number(linkTo) || linkTo : null });
    } else if (event.target.closest("[data-resolve]")) {
      resolve(record, node);
    } else if (event.target.closest("[data-discard]") && window.confirm(words.discardConfirm)) {
      Offline.discard(record.uuid);
    }
  });
  document.querySelector("[data-sync-now]").addEventListener("click", function () {
    Offline.syncNow().then(function (result) {
      var notice = document.querySelector("[data-offline-notice]");
      notice.textContent = words.syncResult.replace(/\{(\w+)\}/g, function (all, name) { return result[name]; });
      notice.hidden = false;
    });
  });
  document.addEventListener("pmks:outbox", render);
  render();
})();
