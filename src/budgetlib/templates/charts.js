// budgetlib: draw every chart on the page with the Vega scripts embedded once above.
// Each <figure class="budgetlib-chart"> holds its Vega-Lite spec (JSON) and a static SVG;
// the SVG stays in view until the interactive chart has drawn, and if it never does.
(function () {
  if (typeof window.vegaEmbed !== "function") {
    return;
  }
  var figures = document.querySelectorAll("figure.budgetlib-chart");
  Array.prototype.forEach.call(figures, function (figure) {
    var target = figure.querySelector(".chart-interactive");
    var source = figure.querySelector("script.chart-spec");
    if (!target || !source) {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (err) {
      return;
    }
    window.vegaEmbed(target, spec, {
      mode: "vega-lite",
      renderer: "svg",
      downloadFileName: figure.id,
      actions: { export: true, source: false, compiled: false, editor: false }
    }).then(function () {
      figure.classList.add("chart-live");
    }).catch(function (err) {
      while (target.firstChild) {
        target.removeChild(target.firstChild);
      }
      if (window.console) {
        window.console.warn("budgetlib: chart " + figure.id + " kept its static image:", err);
      }
    });
  });
})();
