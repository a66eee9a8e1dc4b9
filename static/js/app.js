// Behaviour that used to be inline in templates (Content-Security-Policy: script-src 'self').
//   <select data-submit-on-change>        submits its form when changed (language switch)
//   <button data-print>                   prints the page (surat rujukan)
//   <form data-reset-after-post="ID">     after a successful htmx post that was not
//                                         retargeted (an error), empties the form and #ID
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
