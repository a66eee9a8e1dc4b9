// Behaviour that used to be inline in templates (Content-Security-Policy: script-src 'self').
//   <select data-submit-on-change>        submits its form when changed (language switch)
//   <button data-print>                   prints the page (surat rujukan)
//   <form data-reset-after-post="ID">     after a successful htmx post that was not
//                                         retargeted (an error), empties the form and #ID
//   <button data-menu-toggle aria-controls="ID" hidden>
//                                         the phone menu: shown once this script runs, it
//                                         opens and closes #ID (aria-expanded; CSS hides
//                                         #ID on narrow screens while it is "false");
//                                         Escape closes it and gives the focus back
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-submit-on-change]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
  function setMenu(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.querySelectorAll("[data-menu-toggle]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      setMenu(button, button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      var inside = menu.contains(event.target) || event.target === button;
      if (event.key === "Escape" && inside && button.getAttribute("aria-expanded") === "true") {
        setMenu(button, false);
        button.focus();
      }
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-reset-after-post]")) {
      return;
    }
    var detail = event.detail;
    if (detail.successful && !detail.xhr.getResponseHeader("HX-Retarget")) {
      form.reset();
      var errors = document.getElementById(form.getAttribute("data-reset-after-post"));
      if (errors) {
        errors.innerHTML = "";
      }
    }
  });
})();
