// Drafts of long forms (issue 15): what a worker types is kept in this user's
// IndexedDB (PMKSStore, store "drafts") until the form is saved, so a dropped
// connection or a reload loses nothing.
//
// A form opts in with the attribute data-draft. Its draft key is the attribute's
// value when given (e.g. "transition:12:close"), else the path the form posts to
// (e.g. "/kasus/12/catatan/"): one draft per form and per record, per user because
// the database is the user's own ("pmks-u<id>", deleted at logout by logout.js).
// Never kept: hidden inputs (CSRF token, ...), passwords, files, buttons. The
// record's hidden `version` is kept beside the fields, so a draft restored onto a
// record someone changed meanwhile is refused by the server as a conflict (both
// versions shown), never saved over the other change.
//
// Plain forms are sent by fetch (same method and body, 25 s timeout):
//   offline                → not sent; the draft stays; a message says so
//   network error, timeout → the draft stays; a message
//   5xx, other 4xx         → the draft stays; a message with the status
//   a redirect (success)   → the draft is removed; the page redirected to is shown
//                            (its flash message included) under its own URL
//   a redirect to login    → the session ended: the draft stays; a message
//   200 (errors on form)   → the draft stays; the server's page is shown with its
//                            field errors
// A form is never sent twice at once. htmx forms (hx-post) are sent by htmx; the
// draft follows htmx:beforeRequest / afterRequest / sendError / timeout.
// Strings come from <script type="application/json" id="pmks-i18n"> (base.html).
(function () {
  "use strict";
  var SAVE_DELAY_MS = 500;
  var TIMEOUT_MS = 25000;
  var SKIPPED_TYPES = ["hidden", "password", "file", "submit", "button", "reset", "image"];
  var forms = new WeakMap(); // form element -> {key, timer, initial, pending, version}
  var inFlight = {}; // keys of htmx forms sent and not yet answered

  function strings() {
    var block = document.getElementById("pmks-i18n");
    try {
      return block ? JSON.parse(block.textContent) : {};
    } catch (error) {
      return {};
    }
  }

  function text(name, values) {
    var message = strings()[name] || name;
    Object.keys(values || {}).forEach(function (key) {
      message = message.split("{" + key + "}").join(values[key]);
    });
    return message;
  }

  function keyOf(form) {
    var given = form.getAttribute("data-draft");
    if (given) {
      return given;
    }
    return new URL(form.getAttribute("action") || window.location.href, window.location.href).pathname;
  }

  function kept(element) {
    return element.name && SKIPPED_TYPES.indexOf(element.type) === -1 &&
      element.name !== "csrfmiddlewaretoken" && !element.disabled;
  }

  // {name: [values]}: text-like fields in order, checked boxes, selected options.
  function snapshot(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!kept(element)) {
        return;
      }
      var values = fields[element.name] || (fields[element.name] = []);
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) {
          values.push(element.value);
        }
      } else if (element.type === "select-multiple") {
        Array.prototype.forEach.call(element.selectedOptions, function (option) {
          values.push(option.value);
        });
      } else {
        values.push(element.value);
      }
    });
    return fields;
  }

  function versionOf(form) {
    var input = form.querySelector('input[type="hidden"][name="version"]');
    return input ? input.value : null;
  }

  function save(form) {
    var state = forms.get(form);
    clearTimeout(state.timer);
    state.timer = null;
    var fields = snapshot(form);
    if (JSON.stringify(fields) === state.initial) {
      return PMKSStore.remove("drafts", state.key); // back to what the page had: no draft
    }
    return PMKSStore.put("drafts", {
      key: state.key,
      path: window.location.pathname,
      fields: fields,
      version: state.version,
      savedAt: new Date().toISOString(),
    });
  }

  function discard(form) {
    var state = forms.get(form);
    clearTimeout(state.timer);
    state.timer = null;
    return PMKSStore.remove("drafts", state.key);
  }

  function notice(form, message, kind, withDiscard) {
    var box = form.previousElementSibling;
    if (!box || !box.classList.contains("draft-notice")) {
      box = document.createElement("div");
      box.className = "message draft-notice";
      box.setAttribute("role", "status");
      box.setAttribute("data-testid", "draft-notice");
      form.parentNode.insertBefore(box, form);
    }
    box.classList.toggle("warning", kind === "warning");
    box.classList.toggle("error", kind === "error");
    box.textContent = message + " ";
    if (withDiscard) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = text("draft.discard");
      button.addEventListener("click", function () {
        discard(form).then(function () {
          form.reset();
          notice(form, text("draft.discarded"), "", false);
        });
      });
      box.appendChild(button);
    }
  }

  // --- restoring -------------------------------------------------------------------

  function setValue(element, values, position) {
    if (element.type === "checkbox" || element.type === "radio") {
      element.checked = values.indexOf(element.value) !== -1;
    } else if (element.type === "select-multiple") {
      Array.prototype.forEach.call(element.options, function (option) {
        option.selected = values.indexOf(option.value) !== -1;
      });
    } else if (position < values.length) {
      element.value = values[position];
    }
  }

  // Put the draft's values into the form; fire input/change on what changed, so
  // dependent parts (htmx: the kecamatan list, the NIK check) follow.
  function fill(form, fields, state) {
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!kept(element) || !(element.name in fields)) {
        return;
      }
      var position = seen[element.name] || 0;
      seen[element.name] = position + 1;
      var before = element.type === "checkbox" || element.type === "radio" ? element.checked : element.value;
      setValue(element, fields[element.name], position);
      if (element.tagName === "SELECT") {
        state.pending[element.name] = fields[element.name];
      }
      var after = element.type === "checkbox" || element.type === "radio" ? element.checked : element.value;
      if (before !== after) {
        element.dispatchEvent(new Event("input", { bubbles: true }));
        element.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function formatTime(iso) {
    try {
      return new Intl.DateTimeFormat("id-ID", {
        timeZone: "Asia/Makassar", day: "2-digit", month: "2-digit", year: "numeric",
        hour: "2-digit", minute: "2-digit",
      }).format(new Date(iso));
    } catch (error) {
      return iso;
    }
  }

  function restore(form, state, draft, freshPage) {
    fill(form, draft.fields, state);
    var input = form.querySelector('input[type="hidden"][name="version"]');
    if (freshPage && input && draft.version !== null && draft.version !== undefined) {
      input.value = draft.version; // the server compares it: a conflict, not an overwrite
      state.version = draft.version;
    }
    var details = form.closest("details");
    if (details) {
      details.open = true;
    }
    notice(form, text("draft.restored", { time: formatTime(draft.savedAt) }), "warning", true);
  }

  // A form of the page (or of content htmx just swapped in): remember it, restore
  // its draft. A page the server re-rendered after a refused submit already shows
  // what was sent: it only says the draft is kept.
  function attach(form, freshPage) {
    if (forms.has(form)) {
      return;
    }
    var state = {
      key: keyOf(form), timer: null, pending: {}, version: versionOf(form),
      initial: JSON.stringify(snapshot(form)),
    };
    forms.set(form, state);
    if (isHtmx(form)) {
      listenToHtmx(form);
    }
    if (window.PMKSDraftRefused === state.key) {
      window.PMKSDraftRefused = null;
      state.initial = null; // what the page shows is the draft, not the record
      notice(form, text("draft.refused"), "error", false);
      return;
    }
    if (inFlight[state.key]) {
      return; // htmx swapped in the answer: htmx:afterRequest decides
    }
    PMKSStore.get("drafts", state.key).then(function (draft) {
      if (draft) {
        restore(form, state, draft, freshPage);
      }
    }).catch(function () {});
  }

  function attachAll(root, freshPage) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-draft]"), function (form) {
      attach(form, freshPage);
    });
  }

  // --- sending plain forms -------------------------------------------------------------

  function body(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    if ((form.enctype || "").indexOf("multipart") !== -1) {
      return data;
    }
    return new URLSearchParams(data);
  }

  // Show a whole page the server answered with, under its own URL.
  var leaving = false; // the user followed a link meanwhile: let that navigation be
  window.addEventListener("beforeunload", function () { leaving = true; });
  window.addEventListener("pageshow", function () { leaving = false; });

  function showPage(html, url) {
    if (leaving) {
      return;
    }
    window.history.replaceState(null, "", url);
    document.open();
    document.write(html);
    document.close();
  }

  function isLoginPage(url) {
    var login = strings()["draft.loginPath"];
    return Boolean(login) && new URL(url).pathname === login;
  }

  function answered(form, state, response) {
    if (response.status >= 400) {
      var kind = response.status >= 500 ? "draft.serverError" : "draft.rejected";
      notice(form, text(kind, { status: response.status }), "error", false);
      return null;
    }
    if (response.redirected && isLoginPage(response.url)) {
      notice(form, text("draft.sessionEnded"), "error", false);
      return null;
    }
    return response.text().then(function (html) {
      if (response.redirected) {
        return discard(form).catch(function () {}).then(function () { showPage(html, response.url); });
      }
      window.PMKSDraftRefused = state.key;
      showPage(html, response.url);
      return null;
    });
  }

  function send(form, submitter) {
    var state = forms.get(form);
    if (state.sending) {
      return; // never the same form twice at once
    }
    var saved = save(form).catch(function () {});
    if (!navigator.onLine) {
      notice(form, text("draft.offline"), "error", false);
      return;
    }
    state.sending = true;
    form.setAttribute("aria-busy", "true");
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    saved.then(function () {
      return fetch(form.action, {
        method: (form.getAttribute("method") || "post").toUpperCase(),
        body: body(form, submitter),
        credentials: "same-origin",
        headers: { Accept: "text/html" },
        signal: controller.signal,
      });
    }).then(function (response) {
      return answered(form, state, response);
    }).catch(function () {
      notice(form, text("draft.networkError"), "error", false);
    }).then(function () {
      clearTimeout(timer);
      state.sending = false;
      form.removeAttribute("aria-busy");
    });
  }

  function isHtmx(form) {
    return form.hasAttribute("hx-post") || form.hasAttribute("hx-put") || form.hasAttribute("hx-patch");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-draft]") || !forms.has(form) || event.defaultPrevented || isHtmx(form)) {
      return;
    }
    event.preventDefault();
    send(form, event.submitter);
  });

  // --- typing -------------------------------------------------------------------------

  function typed(event) {
    var form = event.target.form;
    if (!form || !form.isConnected || !forms.has(form) || !kept(event.target)) {
      return;
    }
    var state = forms.get(form);
    if (event.isTrusted) {
      delete state.pending[event.target.name];
    }
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      if (form.isConnected) { // not a form an htmx answer replaced
        save(form).catch(function () {});
      }
    }, SAVE_DELAY_MS);
  }

  document.addEventListener("input", typed);
  document.addEventListener("change", typed);
  window.addEventListener("pagehide", function () {
    attachedForms().forEach(function (form) {
      if (forms.get(form).timer) {
        save(form).catch(function () {});
      }
    });
  });

  function attachedForms() {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-draft]"), function (form) {
      return forms.has(form);
    });
  }

  // --- htmx forms ----------------------------------------------------------------------
  // Listened to on the form itself: after the swap the form may be out of the
  // document, and its events no longer reach document.

  function beforeHtmxRequest(form, event) {
    save(form).catch(function () {});
    if (!navigator.onLine) {
      event.preventDefault();
      notice(form, text("draft.offline"), "error", false);
      return;
    }
    inFlight[forms.get(form).key] = true;
  }

  // Refused by the server: an error swapped elsewhere (HX-Retarget) or an alert in
  // the answer (the note's and the status form's errors carry role="alert").
  function refused(xhr) {
    return Boolean(xhr.getResponseHeader("HX-Retarget")) || xhr.responseText.indexOf('role="alert"') !== -1;
  }

  function afterHtmxRequest(form, event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.status) {
      return; // no answer at all: htmx:sendError or htmx:timeout says so
    }
    var key = forms.get(form).key;
    delete inFlight[key];
    if (event.detail.successful && !refused(xhr)) {
      discard(form).catch(function () {});
      return;
    }
    var message = xhr.status >= 500 ? text("draft.serverError", { status: xhr.status }) : text("draft.refused");
    refill(key, message);
  }

  // After a refused htmx answer: the form now on the page (perhaps a new one the
  // answer brought) gets the draft back, with the message.
  function refill(key, message) {
    attachedForms().forEach(function (form) {
      var state = forms.get(form);
      if (state.key !== key) {
        return;
      }
      state.initial = null;
      PMKSStore.get("drafts", key).then(function (draft) {
        if (draft) {
          fill(form, draft.fields, state);
          var details = form.closest("details");
          if (details) {
            details.open = true;
          }
        }
        notice(form, message, "error", false);
      }).catch(function () {});
    });
  }

  function unsent(form) {
    delete inFlight[forms.get(form).key];
    refill(forms.get(form).key, text("draft.networkError"));
  }

  function listenToHtmx(form) {
    form.addEventListener("htmx:beforeRequest", function (event) { beforeHtmxRequest(form, event); });
    form.addEventListener("htmx:afterRequest", function (event) { afterHtmxRequest(form, event); });
    form.addEventListener("htmx:sendError", function () { unsent(form); });
    form.addEventListener("htmx:timeout", function () { unsent(form); });
  }

  // htmx replaced a select of a restored form (the kecamatan list after the
  // kabupaten): choose the draft's value again once it exists.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var form = target && target.form;
    if (target && target.tagName === "SELECT" && form && forms.has(form)) {
      var state = forms.get(form);
      var values = state.pending[target.name];
      if (values && Array.prototype.some.call(target.options, function (o) { return o.value === values[0]; })) {
        delete state.pending[target.name];
        setValue(target, values, 0);
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  var started = false;

  document.addEventListener("htmx:load", function (event) {
    if (started && event.detail.elt && event.detail.elt.querySelectorAll) {
      attachAll(event.detail.elt.parentNode || event.detail.elt, false);
    }
  });

  function start() {
    if (!window.PMKSStore || !PMKSStore.user()) {
      return;
    }
    started = true;
    attachAll(document, !window.PMKSDraftRefused);
    window.PMKSDraftRefused = null;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
