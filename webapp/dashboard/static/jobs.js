// A model's batch jobs (GET /api/models/{id}/batches, the newest 50), read again every 2 s while one is
// Queued or Running, so a job is seen to the end without a click.
import * as api from "./api.js";
import { $, el, formatTime, formatValue, show, withoutStatus } from "./dom.js";

const REFRESH_MS = 2000;
const ACTIVE = new Set(["Queued", "Running"]);
const state = { modelId: null, timer: null };

// The user list's report in words, a line per reason: "UnknownUser on 1 line, first at lists/users.txt line 2".
export function reportLines(report) {
  const entries = [...(report?.errors || []), ...(report?.warnings || [])];
  return entries.map((entry) => {
    const where = entry.sample ? `, first at ${entry.sample.file} line ${entry.sample.line}` : "";
    return `${entry.error || entry.reason} on ${formatValue(entry.count)} line${entry.count === 1 ? "" : "s"}${where}`;
  });
}

function progressCell(job) {
  const percent = Math.round((job.progress || 0) * 100);
  return el("td", { class: "job-progress" }, el("progress", { max: "100", value: String(percent) }), `${percent}%`);
}

function jobRow(job) {
  const request = job.request || {};
  return el("tr", { "data-job-id": job.id },
    el("td", {}, el("span", { class: `status ${job.status}` }, job.status)),
    progressCell(job),
    el("td", { class: "users-scored" }, formatValue(job.usersScored)),
    el("td", { class: "rows-written" }, formatValue(job.rowsWritten)),
    el("td", { class: "parts-written" }, formatValue(job.partsWritten)),
    el("td", { class: "output" }, `${request.outputContainerName}/${request.outputRelativePath}`),
    el("td", {}, formatTime(job.creationTime)),
    el("td", { class: "job-message" }, withoutStatus(job.statusMessage, job.status),
      reportLines(job.errors).map((line) => el("div", { class: "report-line" }, line))));
}

function render(jobs) {
  $("#jobs-table tbody").replaceChildren(...jobs.map(jobRow));
  show($("#jobs-table"), jobs.length > 0);
  show($("#no-jobs"), jobs.length === 0);
}

// Shows the jobs of a model (forgetting another model's at once) and follows them while one is unfinished.
export async function showJobs(modelId, onError) {
  clearTimeout(state.timer);
  if (state.modelId !== modelId) {
    state.modelId = modelId;
    render([]);
    show($("#no-jobs"), false);
  }
  let jobs;
  try {
    jobs = await api.listBatchJobs(modelId);
  } catch (error) {
    onError(error);
    return;
  }
  if (state.modelId !== modelId) return; // another model was selected meanwhile
  $("#jobs-error").textContent = "";
  render(jobs);
  const active = jobs.some((job) => ACTIVE.has(job.status));
  $("#jobs-state").textContent = active ? `refreshing every ${REFRESH_MS / 1000} s while a job runs` : "";
  if (active) state.timer = setTimeout(() => showJobs(modelId, onError), REFRESH_MS);
}

export function stopJobs() {
  clearTimeout(state.timer);
  state.modelId = null;
}
