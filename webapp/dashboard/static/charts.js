// Evaluation charts with Chart.js (vendored in vendor/): statistics.evaluation.metrics of design.md.
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
const charts = new Map(); // canvas id -> Chart, destroyed before a canvas is drawn again

const METRIC_LABELS = [[/ndcg/i, "nDCG@k"], [/^map/i, "MAP@k"], [/precision/i, "precision@k"], [/recall/i, "recall@k"]];
const NOT_A_METRIC = /^(k|users.*|count|.*count)$/i;

function metricLabel(name) {
  const known = METRIC_LABELS.find(([pattern]) => pattern.test(name));
  return known ? known[1] : name;
}

// {ks, series: [{label, values}]} from rankingMetrics in any of the shapes a server may send:
// [{k, precision, recall, ndcg, map}], {precisionAtK: [{k, value}]}, {ndcg: {"1": v}} or {"ndcg@10": v}.
export function rankingSeries(ranking) {
  const byMetric = new Map();
  const put = (name, k, value) => {
    if (typeof value !== "number" || !Number.isFinite(Number(k)) || NOT_A_METRIC.test(name)) return;
    if (!byMetric.has(name)) byMetric.set(name, new Map());
    byMetric.get(name).set(Number(k), value);
  };
  if (Array.isArray(ranking)) {
    for (const row of ranking) for (const [name, value] of Object.entries(row)) put(name, row.k, value);
  } else if (ranking && typeof ranking === "object") {
    for (const [key, value] of Object.entries(ranking)) {
      const at = /^(.*?)(?:@|At|_at_)(\d+)$/.exec(key);
      if (at) put(at[1], at[2], value);
      else if (Array.isArray(value)) for (const row of value) put(key, row.k, row.value ?? row.score);
      else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) put(key, k, v);
    }
  }
  const ks = [...new Set([...byMetric.values()].flatMap((values) => [...values.keys()]))].sort((a, b) => a - b);
  const series = [...byMetric].map(([name, values]) => ({ label: metricLabel(name), values: ks.map((k) => values.get(k) ?? null) }));
  return { ks, series };
}

function draw(canvasId, config) {
  charts.get(canvasId)?.destroy();
  charts.delete(canvasId);
  const figure = document.getElementById(canvasId).closest("figure");
  figure.hidden = !config;
  if (!config) return;
  config.options = { animation: false, maintainAspectRatio: false, ...config.options };
  charts.set(canvasId, new window.Chart(document.getElementById(canvasId), config));
}

// k on a linear axis: k = 1..5 and 10 stand at their values, so the gap from 5 to 10 looks like five steps.
function rankingChart(ranking) {
  const { ks, series } = rankingSeries(ranking);
  if (!series.length) return null;
  return {
    type: "line",
    data: {
      datasets: series.map((s, i) => ({ label: s.label, data: ks.map((k, index) => ({ x: k, y: s.values[index] })),
        borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], spanGaps: true })),
    },
    options: {
      parsing: { xAxisKey: "x", yAxisKey: "y" },
      scales: { x: { type: "linear", min: Math.min(...ks), max: Math.max(...ks), ticks: { stepSize: 1 }, title: { display: true, text: "k" } },
        y: { beginAtZero: true } },
    },
  };
}

function barChart(labels, values, label) {
  if (!labels.length) return null;
  return {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: COLORS[0] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, max: 100 } } },
  };
}

// Draw the three charts; returns the evaluation's single numbers as [name, value] pairs.
export function renderEvaluation(evaluation) {
  const metrics = evaluation.metrics || {};
  const hits = Array.isArray(metrics.precisionMetrics) ? metrics.precisionMetrics : [];
  const diversity = metrics.diversityMetrics || {};
  const buckets = Array.isArray(diversity.percentileBuckets) ? diversity.percentileBuckets : [];
  draw("chart-ranking", rankingChart(metrics.rankingMetrics));
  draw("chart-hit-rate", barChart(hits.map((row) => `k=${row.k}`), hits.map((row) => row.percentage), "% of test users"));
  draw("chart-diversity", barChart(buckets.map((b) => `${b.min}–${b.max}`), buckets.map((b) => b.percentage), "% of recommended items"));
  return [
    ["test users", hits.length ? hits[0].usersInTest : null],
    ["items recommended", diversity.totalItemsRecommended],
    ["unique items recommended", diversity.uniqueItemsRecommended],
    ["unique items in the training set", diversity.uniqueItemsInTrainSet],
    ["evaluation duration (s)", evaluation.duration],
  ].filter(([, value]) => value !== undefined && value !== null);
}

export function clearCharts() {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
}
