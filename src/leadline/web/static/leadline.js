// Draw every chart of the page (and again after an HTMX filter swap). Pages are complete
// without this script: every chart's figures are also in a table.
var CHART_OPTIONS = { actions: false, renderer: "svg" };
var NARROW = 600; // px: a chart box narrower than this (a phone) gets the narrow layout

function drawn(element) { element.dataset.ready = "1"; } // tests wait for this
function failed(element, error) { element.textContent = "Chart failed: " + error; drawn(element); }

// The narrow layout: the chart as wide as its box (vega-embed follows the box's width),
// legend below, no title (the figure's caption says it; a long title would be cut).
function narrowSpec(spec) {
  var narrow = Object.assign({}, spec, {
    width: "container",
    autosize: { type: "fit-x", contains: "padding" },
    config: Object.assign({}, spec.config, {
      legend: Object.assign({}, (spec.config || {}).legend, { orient: "bottom", direction: "vertical" })
    })
  });
  delete narrow.title;
  return narrow;
}

function draw(element, spec, again) {
  vegaEmbed(element, spec, CHART_OPTIONS)
    .then(function (result) {
      var svg = element.querySelector("svg");
      // still wider than its box (a wide legend on a screen): once more, narrow
      if (!again && svg && svg.getBoundingClientRect().width > element.clientWidth + 1) {
        result.finalize();
        draw(element, narrowSpec(spec), true);
      } else {
        drawn(element);
      }
    })
    .catch(function (error) { failed(element, error); });
}

function leadlineCharts(root) {
  root.querySelectorAll(".chart[data-spec]").forEach(function (element) {
    if (element.dataset.drawn) { return; }
    element.dataset.drawn = "1";
    var spec = JSON.parse(element.dataset.spec);
    var narrow = element.clientWidth < NARROW;
    draw(element, narrow ? narrowSpec(spec) : spec, narrow);
  });
}
document.addEventListener("DOMContentLoaded", function () { leadlineCharts(document); });
document.addEventListener("htmx:afterSettle", function () { leadlineCharts(document); });
