// The operations view: the service's own metrics, read from /dashboard/operations every few seconds and
// plotted between consecutive reads as rates, shares and percentiles (what Prometheus's rate() and
// histogram_quantile() compute from the same counters).
import * as api from "./api.js";
import { $, formatValue } from "./dom.js";

const POLL_MS = 2000;
const MAX_POINTS = 90; // three minutes at POLL_MS
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
const STATUSES = ["Created", "InProgress", "Completed", "Failed"];

const state = { reads: [], timer: null, generation: 0, charts: new Map() };

// Between two reads a and b: what each chart plots (null where nothing happened, e.g. no request at all).
export function pointBetween(a, b) {
  const seconds = b.time - a.time;
  const delta = (pick) => Math.max(0, pick(b) - pick(a));
  const requests = delta((s) => s.requests.total);
  const share = (part, whole) => (whole > 0 ? (100 * part) / whole : null);
  const cacheShare = (level) => {
    const hits = delta((s) => s.cache[level].hits);
    return share(hits, hits + delta((s) => s.cache[level].misses));
  };
  const buckets = bucketDeltas(a.latencyBuckets, b.latencyBuckets);
  return {
    time: b.time,
    rate: seconds > 0 ? requests / seconds : null,
    p50: quantileMs(buckets, 0.5),
    p99: quantileMs(buckets, 0.99),
    serverErrors: share(delta((s) => s.requests.serverErrors), requests),
    clientErrors: share(delta((s) => s.requests.clientErrors), requests),
    modelCache: cacheShare("models"),
    answerCache: cacheShare("answers"),
    backfill: share(delta((s) => s.answers.backfilled), delta((s) => s.answers.items)),
    models: b.models || {},
  };
}

// [[upper bound, count in (previous bound, bound]]] from two cumulative bucket lists.
function bucketDeltas(before, after) {
  const earlier = new Map(before.map(([bound, count]) => [String(bound), count]));
  let previous = 0;
  return after.map(([bound, count]) => {
    const cumulative = Math.max(0, count - (earlier.get(String(bound)) || 0));
    const inBucket = Math.max(0, cumulative - previous);
    previous = cumulative;
    return [bound === "+Inf" ? Infinity : bound, inBucket];
  });
}

// The q-quantile in milliseconds, interpolated linearly inside its bucket; the last finite bound for +Inf.
export function quantileMs(buckets, q) {
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (!total) return null;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const [upper, count] of buckets) {
    if (seen + count >= rank && count > 0) {
      if (upper === Infinity) return lower * 1000;
      return (lower + ((upper - lower) * (rank - seen)) / count) * 1000;
    }
    seen += count;
    if (upper !== Infinity) lower = upper;
  }
  return lower * 1000;
}

const CHARTS = [
  ["ops-rate", "requests/s", [["requests/s", (p) => p.rate]]],
  ["ops-latency", "ms", [["p50", (p) => p.p50], ["p99", (p) => p.p99]]],
  ["ops-errors", "% of requests", [["5xx", (p) => p.serverErrors], ["4xx", (p) => p.clientErrors]]],
  ["ops-cache", "% hits", [["loaded models", (p) => p.modelCache], ["item-to-item answers", (p) => p.answerCache]]],
  ["ops-backfill", "% of answer slots", [["backfill", (p) => p.backfill]]],
  ["ops-trainings", "models", STATUSES.map((status) => [status, (p) => p.models[status] ?? null])],
];

function draw(points) {
  const labels = points.map((p) => new Date(p.time * 1000).toISOString().slice(11, 19));
  for (const [id, unit, series] of CHARTS) {
    const datasets = series.map(([label, pick], i) => ({ label, data: points.map(pick), borderColor: COLORS[i],
      backgroundColor: COLORS[i], spanGaps: true, pointRadius: 2 }));
    const chart = state.charts.get(id);
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets.forEach((dataset, i) => { dataset.data = datasets[i].data; });
      chart.update("none");
    } else {
      state.charts.set(id, new window.Chart($(`#${id}`), { type: "line", data: { labels, datasets }, options: {
        animation: false, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: unit } } } } }));
    }
  }
}

function showTotals(latest, points) {
  const last = (pick) => [...points].reverse().map(pick).find((value) => value !== null && value !== undefined);
  const percent = (value) => (value === undefined || value === null ? "–" : `${value.toFixed(1)} %`);
  const ms = (value) => (value === undefined || value === null ? "–" : `${value.toFixed(2)} ms`);
  const tiles = {
    "#ops-total-requests": formatValue(latest.requests.total),
    "#ops-last-p99": ms(last((p) => p.p99)),
    "#ops-last-errors": percent(last((p) => p.serverErrors)),
    "#ops-backfill-share": percent(latest.answers.items ? (100 * latest.answers.backfilled) / latest.answers.items : null),
    "#ops-training": latest.models ? formatValue((latest.models.InProgress || 0) + (latest.models.Created || 0)) : "–",
  };
  for (const [selector, text] of Object.entries(tiles)) $(selector).textContent = text;
}

async function poll(generation, onError) {
  try {
    const summary = await api.getOperations();
    if (generation !== state.generation) return; // the view was left while this read was under way
    state.reads.push(summary);
    state.reads.splice(0, Math.max(0, state.reads.length - MAX_POINTS - 1));
    const points = state.reads.slice(1).map((read, i) => pointBetween(state.reads[i], read));
    draw(points);
    showTotals(summary, points);
    $("#operations").dataset.points = String(points.length);
    $("#ops-error").textContent = "";
  } catch (error) {
    if (generation !== state.generation) return;
    onError(error);
  }
  if (generation === state.generation) state.timer = setTimeout(() => poll(generation, onError), POLL_MS);
}

// Start reading (again) while the view is shown; onError(error) reports a failed read.
export function startOperations(onError) {
  stopOperations();
  poll(state.generation, onError);
}

export function stopOperations() {
  clearTimeout(state.timer);
  state.generation += 1;
}
