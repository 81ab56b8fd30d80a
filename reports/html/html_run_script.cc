// The run page's chart code (reports/html/html_report.cc), inline in every page.
#include "reports/html/html_page.h"

namespace tracesim::reports::html {

// Draws the run page's charts from the JSON block; runs after Chart.js.
extern const char kRunScript[] = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('tracesim-data').textContent);
  if (typeof Chart === 'undefined') return;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                   '#17becf', '#7f7f7f', '#bcbd22'];
  const tl = data.timeline;
  const end = tl.length ? tl[tl.length - 1].t + data.bucket_s : 1;
  // Shades each fault's window [start, end) behind the lines, labelled with its id.
  const faultWindows = {
    id: 'faultWindows',
    beforeDatasetsDraw(chart) {
      const x = chart.scales.x, a = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      data.faults.forEach((f, i) => {
        const s = Math.max(x.getPixelForValue(f.start_s), a.left);
        const e = Math.min(x.getPixelForValue(f.end_s < 0 ? end : f.end_s), a.right);
        if (!(e > s)) return;
        ctx.fillStyle = 'rgba(214, 39, 40, 0.10)';
        ctx.fillRect(s, a.top, e - s, a.bottom - a.top);
        ctx.fillStyle = 'rgba(150, 20, 20, 0.9)';
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillText(f.id, s + 3, a.top + 12 + 13 * (i % 3));
      });
      ctx.restore();
    }
  };
  function series(label, key, scale, colour) {
    return { label: label, data: tl.map(p => ({ x: p.t, y: p[key] * scale })),
             borderColor: colour, backgroundColor: colour, borderWidth: 1.5, pointRadius: 0 };
  }
  function overTime(id, datasets, yTitle) {
    new Chart(document.getElementById(id), {
      type: 'line', data: { datasets: datasets }, plugins: [faultWindows],
      options: { parsing: false, maintainAspectRatio: false,
                 interaction: { mode: 'index', intersect: false },
                 scales: { x: { type: 'linear', min: 0, max: end,
                                title: { display: true, text: 'simulated time (s)' } },
                           y: { beginAtZero: true, title: { display: true, text: yTitle } } } }
    });
  }
  overTime('chart-traffic', [series('traces started per second', 'rate', 1, colours[0])],
           'traces/s');
  overTime('chart-errors', [series('user-visible errors (% of traces)', 'err', 100, colours[1])],
           '% of traces');
  overTime('chart-latency', [series('p50 entry latency', 'p50', 1, colours[2]),
                             series('p99 entry latency', 'p99', 1, colours[3])], 'ms');
  const pareto = document.getElementById('chart-pareto');
  if (pareto) {
    const pts = data.sampling.map(s => ({ x: s.gb_month, y: 100 * s.error_recall, name: s.name,
                                          pareto: s.pareto }));
    const front = pts.filter(p => p.pareto).sort((a, b) => a.x - b.x);
    new Chart(pareto, {
      type: 'scatter',
      data: { datasets: [
        { label: 'strategies', data: pts, pointRadius: 6, pointHoverRadius: 8,
          backgroundColor: pts.map(p => p.pareto ? colours[1] : colours[0]) },
        { label: 'Pareto front', type: 'line', data: front, borderColor: colours[1],
          borderDash: [4, 4], borderWidth: 1, pointRadius: 0, fill: false } ] },
      options: { maintainAspectRatio: false,
                 plugins: { tooltip: { callbacks: { label: c => c.raw.name ?
                   c.raw.name + ': ' + c.raw.y.toFixed(1) + '% error recall, ' +
                   c.raw.x.toFixed(3) + ' GB/month' : 'Pareto front' } } },
                 scales: { x: { title: { display: true, text: 'stored GB per month (cost)' } },
                           y: { min: 0, max: 100,
                                title: { display: true, text: 'error-trace recall (%)' } } } }
    });
  }
  const byFault = document.getElementById('chart-fault-recall');
  if (byFault) {
    new Chart(byFault, {
      type: 'bar',
      data: { labels: data.fault_ids,
              datasets: data.sampling.map((s, i) => ({
                label: s.name, backgroundColor: colours[i % colours.length],
                data: data.fault_ids.map(id => 100 * (s.by_fault[id] || 0)) })) },
      options: { maintainAspectRatio: false,
                 scales: { y: { min: 0, max: 100,
                                title: { display: true, text: 'error-trace recall (%)' } } } }
    });
  }
  // Latency per service: one bar chart per service on a log count axis (empty bins left blank).
  if (data.hist) {
    document.querySelectorAll('canvas[data-hist]').forEach(c => {
      const s = data.hist.services[+c.getAttribute('data-hist')];
      new Chart(c, {
        type: 'bar',
        data: { labels: data.hist.bins,
                datasets: [{ label: 'requests', data: s.counts.map(n => n || null),
                             backgroundColor: s.dependency ? colours[4] : colours[0] }] },
        options: { maintainAspectRatio: false,
                   plugins: { legend: { display: false },
                              title: { display: true, text: s.name +
                                (s.dependency ? ' (as its callers see it)' : '') + ' · ' +
                                s.requests.toLocaleString('en') + ' requests' } },
                   scales: { x: { title: { display: true, text: 'latency (ms)' } },
                             y: { type: 'logarithmic',
                                  title: { display: true, text: 'requests' } } } }
      });
    });
  }
  if (data.tail_memory.length) {
    overTime('chart-tail-memory', data.tail_memory.map((m, i) => ({
      label: m.name, borderColor: colours[i % colours.length],
      backgroundColor: colours[i % colours.length], borderWidth: 1.5, pointRadius: 0,
      data: m.mib.map((y, j) => ({ x: (j + 1) * data.bucket_s, y: y })) })), 'MiB buffered');
  }
  document.body.setAttribute('data-charts', 'drawn');
})();
)js";

}  // namespace tracesim::reports::html
