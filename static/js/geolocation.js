// The visit form's "Ambil lokasi" button: the phone's location is asked for only
// when the user presses it, and fills the form's two hidden fields. Nothing else
// reads the location. No library; CSP 'self'. The messages come translated in
// the button's data- attributes.
(function () {
  "use strict";
  function setUp(form) {
    var button = form.querySelector("[data-geolocation-take]");
    var status = form.querySelector("[data-geolocation-status]");
    var lat = form.querySelector("input[name$='latitude']");
    var lon = form.querySelector("input[name$='longitude']");
    if (!button || !lat || !lon) return;
    if (!("geolocation" in navigator)) {
      button.disabled = true;
      if (status) status.textContent = button.dataset.unavailable;
      return;
    }
    button.addEventListener("click", function () {
      if (status) status.textContent = button.dataset.taking;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          if (status) status.textContent = button.dataset.taken + " " + lat.value + ", " + lon.value;
        },
        function () {
          lat.value = "";
          lon.value = "";
          if (status) status.textContent = button.dataset.failed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
  document.querySelectorAll("form[data-geolocation]").forEach(setUp);
})();
