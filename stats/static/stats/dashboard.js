/* PMKS Kaltim dashboards: draw each <canvas data-chart="id"> from the JSON in
   <script id="id" type="application/json"> (Django json_script), again after htmx
   swaps in fresh figures, and redraw at print size. Every chart has its table.
   Chart.js itself is fetched once the page is parsed (data-chart-library). */
(function () {
  "use strict";
  var palette = ["#0b5cad", "#e07a1f", "#1a7f37", "#8250df", "#b42318", "#6e7781", "#bf8700"];
  var charts = [];

  function build(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return null; }
    var spec = JSON.parse(source.textContent);
    var horizontal = spec.type === "hbar";
    return new window.Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, index) {
          var colour = palette[index % palette.length];
          return { label: set.label, data: set.data, backgroundColor: colour,
                   borderColor: colour, borderWidth: spec.type === "line" ? 2 : 0,
                   pointRadius: 2, tension: 0.2, fill: false };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } },
        scales: {
          x: { stacked: !!spec.stacked, beginAtZero: true, ticks: { autoSkip: true, maxRotation: 60 } },
          y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { autoSkip: !horizontal } }
        }
      }
    });
  }

  function render() {
    if (!window.Chart) { return; }
    charts = charts.filter(function (chart) {
      if (document.body.contains(chart.canvas)) { return true; }
      chart.destroy();
      return false;
    });
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (!window.Chart.getChart(canvas)) {
        var chart = build(canvas);
        if (chart) { charts.push(chart); }
      }
    });
  }

  // The library is loaded after the page is usable (issue 15: a first visit at
  // 400 kbps): the tables carry every figure, the charts follow.
  var library = document.currentScript && document.currentScript.getAttribute("data-chart-library");

  function loadLibrary() {
    if (window.Chart || !library || !document.querySelector("canvas[data-chart]")) {
      render();
      return;
    }
    var script = document.createElement("script");
    script.src = library;
    script.onload = render;
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadLibrary);
  } else {
    loadLibrary();
  }
  document.addEventListener("htmx:afterSettle", render);
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
