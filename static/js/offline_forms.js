// The offline forms of /luring/ (templates/offline/shell.html), issue 15.
// <form data-offline-kind="beneficiary|assessment|service|note|case_edit">: a submit puts the
// form's fields in the outbox (PMKSOffline.queue) instead of posting. The choices
// that depend on the user (my open cases, kecamatan/desa, service types) come from
// the reference data cached in IndexedDB. /luring/?ubah=<uuid> opens a refused
// record in its form with the server's field errors; saving resends it under the
// same UUID.
(function () {
  "use strict";
  var Offline = window.PMKSOffline;
  if (!Offline) {
    return;
  }
  var words = Offline.messages();
  var reference = null;
  var correcting = null;

  function option(value, text) {
    var node = document.createElement("option");
    node.value = String(value);
    node.textContent = text;
    return node;
  }

  function replaceOptions(select, items) {
    var chosen = select.value;
    select.replaceChildren(option("", "—"));
    items.forEach(function (item) { select.appendChild(option(item.value, item.text)); });
    select.value = chosen;
    if (select.value !== chosen) {
      select.value = "";
    }
  }

  // An item's value: its id when the server gives one, else its code.
  function key(item) {
    return item.id !== undefined && item.id !== null ? item.id : item.code;
  }

  function fillCases(data) {
    var cases = (data && data.open_cases) || [];
    document.querySelectorAll("[data-open-cases]").forEach(function (select) {
      replaceOptions(select, cases.map(function (item) {
        return { value: item.id, text: item.number + " · " + item.beneficiary_name };
      }));
      var hint = select.parentNode.querySelector("[data-open-cases-empty]");
      if (hint) {
        hint.hidden = cases.length > 0;
      }
    });
  }

  function fillVillages() {
    var district = document.getElementById("id_b_district");
    var village = document.getElementById("id_b_village");
    if (!district || !village || !reference) {
      return;
    }
    var regions = reference.regions || {};
    var chosen = (regions.kecamatan || []).filter(function (item) { return String(key(item)) === district.value; })[0];
    var desa = chosen ? (regions.desa || []).filter(function (item) {
      return item.kecamatan === chosen.code || String(item.kecamatan) === String(chosen.id);
    }) : [];
    replaceOptions(village, desa.map(function (item) { return { value: key(item), text: item.name }; }));
  }

  function fillRegions(data) {
    var regency = document.getElementById("id_b_regency");
    var own = data && data.regions && data.regions.own_kabupaten;
    if (regency && own && !regency.value) {
      regency.value = String(own);
      regency.setAttribute("data-own", String(own));
    }
    var district = document.getElementById("id_b_district");
    var kecamatan = (data && data.regions && data.regions.kecamatan) || [];
    if (district && kecamatan.length) {
      replaceOptions(district, kecamatan.map(function (item) { return { value: key(item), text: item.name }; }));
      fillVillages();
    }
  }

  function fillServiceTypes(data) {
    var select = document.getElementById("id_s_service_type");
    var types = (data && data.service_types) || [];
    if (select && types.length && types.every(function (item) { return item.id !== undefined; })) {
      replaceOptions(select, types.map(function (item) { return { value: item.id, text: item.name }; }));
    }
  }

  function showAge(row) {
    var node = document.querySelector("[data-refdata-age]");
    if (!node) {
      return;
    }
    node.textContent = row
      ? words.refdataAge + " " + new Date(row.fetchedAt).toLocaleString("id-ID", { timeZone: "Asia/Makassar" })
      : words.refdataMissing;
  }

  function loadReference() {
    return Offline.refdata().then(function (row) {
      reference = row ? row.value : null;
      fillCases(reference);
      fillRegions(reference);
      fillServiceTypes(reference);
      showAge(row);
    });
  }

  // --- reading and writing a form -------------------------------------------------

  function read(form) {
    var data = {};
    var caseId = null;
    new FormData(form).forEach(function (value, name) {
      if (name === "case") {
        caseId = value;
      } else if (form.querySelectorAll('[name="' + name + '"][type=checkbox]').length > 1) {
        (data[name] = data[name] || []).push(value);
      } else {
        data[name] = value;
      }
    });
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      var many = form.querySelectorAll('[name="' + box.name + '"][type=checkbox]').length > 1;
      if (many && !data[box.name]) {
        data[box.name] = [];
      }
    });
    var fields = { data: data, case: caseId ? Number(caseId) || caseId : null };
    if ("base_version" in data) {
      // A case edit: the version the worker saw goes beside the data, for the
      // server's conflict check (offline/sync_records.py accept_case_edit).
      fields.base_version = data.base_version === "" ? null : Number(data.base_version);
      delete data.base_version;
    }
    return fields;
  }

  // A case edit form shows the case as cached: its priority, its category and the
  // version these were read from.
  function fillCaseEdit(select) {
    var form = select.closest("form[data-offline-kind=case_edit]");
    if (!form) {
      return;
    }
    var cases = (reference && reference.open_cases) || [];
    var chosen = cases.filter(function (item) { return String(item.id) === select.value; })[0];
    form.querySelector("[data-base-version]").value = chosen ? String(chosen.version) : "";
    form.querySelector("[name=priority]").value = chosen ? chosen.priority : "";
    form.querySelector("[name=primary_category]").value = chosen ? String(chosen.category_id) : "";
  }

  function write(form, record) {
    var data = Object.assign({}, record.data, { case: record.case });
    if (record.base_version !== undefined && record.base_version !== null) {
      data.base_version = record.base_version;
    }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !(field.name in data)) {
        return;
      }
      var value = data[field.name];
      if (field.type === "checkbox") {
        field.checked = Array.isArray(value) ? value.indexOf(field.value) !== -1 : Boolean(value);
      } else if (field.type === "radio") {
        field.checked = String(value) === field.value;
      } else {
        field.value = value === null || value === undefined ? "" : String(value);
        if (field.id === "id_b_district") {
          fillVillages();
        }
      }
    });
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-field-errors]").forEach(function (list) {
      list.replaceChildren();
      list.hidden = true;
    });
    var top = form.querySelector("[data-form-errors]");
    top.textContent = "";
    top.hidden = true;
  }

  function showErrors(form, errors) {
    clearErrors(form);
    var loose = [];
    Object.keys(errors || {}).forEach(function (name) {
      var target = name === "region" ? "regency" : name;
      var list = form.querySelector('[data-field="' + target + '"] [data-field-errors]');
      var messages = [].concat(errors[name]).map(function (item) { return item.message || String(item); });
      if (!list) {
        loose = loose.concat(messages);
        return;
      }
      messages.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      list.hidden = false;
    });
    var top = form.querySelector("[data-form-errors]");
    top.textContent = loose.length ? loose.join(" ") : words.fixErrors;
    top.hidden = false;
  }

  // Fields the Django form marks required, left empty.
  function missing(form) {
    var errors = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.required || !field.name) {
        return;
      }
      var empty = field.type === "radio"
        ? !form.querySelector('[name="' + field.name + '"]:checked')
        : !String(field.value).trim();
      if (empty) {
        errors[field.name] = [field.name === "case" ? words.noCase : words.required];
      }
    });
    return errors;
  }

  function summary(form, kind, fields) {
    if (kind === "beneficiary") {
      return fields.data.full_name || "";
    }
    var select = form.querySelector("[data-open-cases]");
    return select && select.selectedOptions[0] ? select.selectedOptions[0].textContent.split(" · ")[0] : "";
  }

  function notify(text) {
    var node = document.querySelector("[data-offline-notice]");
    node.textContent = text;
    node.hidden = !text;
  }

  // A case edit sends only the fields that differ from the case as cached, so a
  // change someone else made to another field is neither undone nor a conflict.
  // False when nothing differs. A correction keeps what it had.
  function keepChanged(fields) {
    if (correcting) {
      return true;
    }
    var cases = (reference && reference.open_cases) || [];
    var cached = cases.filter(function (item) { return String(item.id) === String(fields.case); })[0];
    if (!cached) {
      return true;
    }
    var saved = { priority: String(cached.priority), primary_category: String(cached.category_id) };
    Object.keys(saved).forEach(function (name) {
      if (fields.data[name] === saved[name]) {
        delete fields.data[name];
      }
    });
    if (!fields.data.age_mismatch_confirmed) {
      delete fields.data.age_mismatch_confirmed;
    }
    return "priority" in fields.data || "primary_category" in fields.data;
  }

  function save(form) {
    var kind = form.getAttribute("data-offline-kind");
    var fields = read(form);
    var errors = missing(form);
    if (Object.keys(errors).length) {
      showErrors(form, errors);
      return Promise.resolve(null);
    }
    if (kind === "case_edit" && !keepChanged(fields)) {
      showErrors(form, { __all__: [words.nothingChanged] });
      return Promise.resolve(null);
    }
    clearErrors(form);
    fields.kind = kind;
    fields.summary = summary(form, kind, fields);
    var saving = correcting && correcting.kind === kind
      ? Offline.update(Object.assign({}, correcting, fields, { status: "pending", errors: null }))
      : Offline.queue(fields);
    return saving.then(function (record) {
      correcting = null;
      form.reset();
      fillRegions(reference);
      notify(navigator.onLine ? words.queuedOnline : words.queued);
      if (window.history.replaceState && window.location.search) {
        window.history.replaceState(null, "", window.location.pathname);
      }
      return record;
    });
  }

  function openCorrection() {
    var uuid = new URLSearchParams(window.location.search).get("ubah");
    if (!uuid) {
      return;
    }
    window.PMKSStore.get("outbox", uuid).then(function (record) {
      var form = record && document.querySelector('[data-offline-kind="' + record.kind + '"]');
      if (!form || record.status === "sent") {
        return;
      }
      correcting = record;
      write(form, record);
      showErrors(form, record.errors || {});
      notify(words.correcting);
      form.scrollIntoView();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-offline-kind]");
    if (form) {
      event.preventDefault();
      save(form);
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_b_district") {
      fillVillages();
    } else if (event.target.id === "id_e_case") {
      fillCaseEdit(event.target);
    }
  });
  document.addEventListener("pmks:refdata", function () { loadReference(); });
  loadReference().then(openCorrection);
})();
