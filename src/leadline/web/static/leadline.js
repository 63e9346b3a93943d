// Draw every chart of the page (and again after an HTMX filter swap). Pages are complete
// without this script: every chart's figures are also in a table.
function leadlineCharts(root) {
  root.querySelectorAll(".chart[data-spec]").forEach(function (element) {
    if (element.dataset.drawn) { return; }
    element.dataset.drawn = "1";
    vegaEmbed(element, JSON.parse(element.dataset.spec), { actions: false, renderer: "svg" })
      .catch(function (error) { element.textContent = "Chart failed: " + error; });
  });
}
document.addEventListener("DOMContentLoaded", function () { leadlineCharts(document); });
document.addEventListener("htmx:afterSettle", function () { leadlineCharts(document); });
