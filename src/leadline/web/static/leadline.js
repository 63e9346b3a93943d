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

// Sortable tables: a click on a column's header button sorts the rows by the cells' data-sort
// values (numbers as numbers, the rest as text; empty cells last), again to reverse. The
// header says which column sorts and how (aria-sort) for screen readers.
function sortValue(row, index) {
  var cell = row.cells[index];
  return cell ? cell.dataset.sort || "" : "";
}

function compareCells(a, b) {
  if (a === "" || b === "") { return a === b ? 0 : (a === "" ? 1 : -1); }
  var x = Number(a), y = Number(b);
  if (!isNaN(x) && !isNaN(y)) { return x - y; }
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
}

function sortTable(button) {
  var th = button.closest("th");
  var table = th.closest("table");
  var index = Array.prototype.indexOf.call(th.parentNode.children, th);
  var ascending = th.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("thead th[aria-sort]").forEach(function (other) {
    other.removeAttribute("aria-sort");
  });
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (r1, r2) {
    var a = sortValue(r1, index), b = sortValue(r2, index);
    if (a === "" || b === "") { return compareCells(a, b); } // empty last both ways
    return ascending ? compareCells(a, b) : compareCells(b, a);
  });
  rows.forEach(function (row) { body.appendChild(row); });
}

document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("th > button.sort");
  if (button) { sortTable(button); }
});
