/* Dashboard charts (reports/dashboard.html): draws the numbers of the #dashboard-charts JSON
 * with the vendored ECharts; a click on a township's bar opens its own dashboard (drill-down),
 * a click on a figure's bar opens the records behind it. Also shows only the period inputs of
 * the chosen period kind. */
(function () {
  "use strict";

  function periodInputs() {
    var form = document.getElementById("dashboard-form");
    if (!form) return;
    var select = form.querySelector("select[name=period]");
    function sync() {
      var kind = select.value;
      form.querySelectorAll("label[data-kind]").forEach(function (label) {
        label.hidden = label.dataset.kind !== kind;
      });
    }
    select.addEventListener("change", sync);
    sync();
  }

  function chart(name) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el || !window.echarts) return null;
    var c = window.echarts.init(el);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }

  function bars(seriesList, unit) {
    return seriesList.map(function (s) {
      return {
        name: s.name,
        type: "bar",
        data: s.data,
        label: { show: true, position: "top", formatter: "{c}" + (unit || "") }
      };
    });
  }

  function children(data) {
    var kids = data.children;
    if (!kids || !kids.names.length) return;
    [["children-counts", kids.counts, ""], ["children-rates", kids.rates, "%"]].forEach(function (spec) {
      var c = chart(spec[0]);
      if (!c) return;
      c.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 40, bottom: 50 },
        xAxis: { type: "category", data: kids.names, axisLabel: { interval: 0, rotate: kids.names.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", max: spec[2] === "%" ? 100 : null },
        series: bars(spec[1], spec[2])
      });
      c.on("click", function (params) {
        var link = kids.links[params.dataIndex];
        if (link) window.location.href = link;
      });
    });
  }

  function compare(data) {
    var cmp = data.compare;
    var c = chart("compare");
    if (!c || !cmp) return;
    c.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 80 },
      xAxis: { type: "category", data: cmp.names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [
        { name: cmp.current, type: "bar", data: cmp.values, label: { show: true, position: "top" } },
        { name: cmp.previous, type: "bar", data: cmp.previous_values }
      ]
    });
    c.on("click", function (params) {
      var link = cmp.links[params.dataIndex];
      if (link && params.seriesIndex === 0) window.location.href = link;
    });
  }

  function init() {
    periodInputs();
    var node = document.getElementById("dashboard-charts");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    children(data);
    compare(data);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
