// The dashboard: sign-in, the model list (refreshed while a model trains), one model's views, try-it.
import * as api from "./api.js";
import { clearCharts, renderEvaluation } from "./charts.js";
import { setUpCreateForm } from "./create.js";
import { $, el, fillPairs, formatTime, formatValue, show, withoutStatus } from "./dom.js";
import { showJobs, stopJobs } from "./jobs.js";
import { statisticLabel } from "./labels.js";
import { startOperations, stopOperations } from "./operations.js";

const REFRESH_MS = 2000;
const ACTIVE = new Set(["Created", "InProgress"]);
const STAGE_PERCENT = /\((\d{1,3})%\)/;

const statusMessage = (model) => withoutStatus(model.modelStatusMessage, model.modelStatus);

const state = { models: [], details: new Map(), defaultId: null, selected: null, tab: "overview", timer: null };

function showLogin(message = "") {
  clearTimeout(state.timer);
  stopOperations();
  stopJobs();
  show($("#app"), false);
  show($("#logout"), false);
  show($("#views"), false);
  show($("#login"), true);
  $("#login-error").textContent = message;
  $("#admin-key").value = "";
  $("#admin-key").focus();
}

function enterApp() {
  show($("#login"), false);
  show($("#app"), true);
  show($("#logout"), true);
  show($("#views"), true);
  showView("models");
  showDefaultPolicy().catch((error) => report(error, "#models-error"));
}

// Models (the list and one model) or operations (the service's own metrics, read only while shown).
function showView(view) {
  const operations = view === "operations";
  show($("#models-view"), !operations);
  show($("#operations"), operations);
  $("#view-models").setAttribute("aria-pressed", String(!operations));
  $("#view-operations").setAttribute("aria-pressed", String(operations));
  if (operations) startOperations((error) => report(error, "#ops-error"));
  else stopOperations();
}

// AUTO_DEFAULT_MODEL is an environment setting of the web app and the worker: shown here, changed there.
async function showDefaultPolicy() {
  const { autoDefaultModel } = await api.getSettings();
  $("#default-policy").textContent = autoDefaultModel
    ? "Default model: the first model to complete becomes the default while none is set (AUTO_DEFAULT_MODEL=true)."
    : "Default model: chosen by you only; no model becomes the default by itself (AUTO_DEFAULT_MODEL=false).";
  $("#default-policy").title = "Set AUTO_DEFAULT_MODEL in the environment of the web app and the worker, then restart them.";
}

// A 401 means the key stopped working (rotated): back to sign-in. Anything else is shown where it happened.
function report(error, where) {
  if (error instanceof api.ApiError && error.status === 401) {
    api.session.signOut();
    showLogin("The key was refused (401 Unauthorized). Sign in again.");
    return;
  }
  $(where).textContent = error.message;
}

async function signIn(event) {
  event.preventDefault();
  api.session.signIn($("#admin-key").value.trim());
  try {
    await refreshModels();
    enterApp();
  } catch (error) {
    api.session.signOut();
    const reason = error.status === 403 ? "This is a recommend key; the dashboard needs an admin key."
      : error.status === 401 ? "This key is not valid." : error.message;
    showLogin(reason);
  }
}

// The list, the default model, and the details of every model still training (for its progress).
async function refreshModels() {
  clearTimeout(state.timer);
  const [models, defaultId] = await Promise.all([api.listModels(), api.getDefaultModelId()]);
  const active = models.filter((model) => ACTIVE.has(model.modelStatus));
  const details = await Promise.all(active.map((model) => api.getModel(model.id).catch(() => model)));
  Object.assign(state, { models, defaultId, details: new Map(details.map((model) => [model.id, model])) });
  renderModels();
  $("#models-error").textContent = "";
  if (state.selected && models.some((model) => model.id === state.selected.id)) {
    const now = models.find((model) => model.id === state.selected.id);
    if (ACTIVE.has(state.selected.modelStatus) || now.modelStatus !== state.selected.modelStatus) await selectModel(now.id);
    else renderModelHeader(state.selected);
  }
  $("#refresh-state").textContent = active.length ? `refreshing every ${REFRESH_MS / 1000} s while a model trains` : "";
  if (active.length) state.timer = setTimeout(() => refreshModels().catch((error) => report(error, "#models-error")), REFRESH_MS);
}

function progressCell(model) {
  const message = statusMessage(state.details.get(model.id) || model);
  if (!ACTIVE.has(model.modelStatus)) return el("td", { class: "muted" }, model.modelStatus === "Failed" ? message : "");
  const percent = STAGE_PERCENT.exec(message);
  return el("td", {}, percent ? el("progress", { max: "100", value: percent[1] }) : null, el("span", { class: "progress-text" }, message));
}

function renderModels() {
  const rows = state.models.map((model) => el("tr", {
    "data-model-id": model.id,
    class: model.id === state.selected?.id ? "selected" : "",
    onclick: () => selectModel(model.id).catch((error) => report(error, "#models-error")),
  },
  el("td", {}, model.id === state.defaultId ? el("span", { class: "badge default" }, "default") : ""),
  el("td", {}, model.description || el("span", { class: "muted" }, "(no description)")),
  el("td", {}, el("span", { class: `status ${model.modelStatus}` }, model.modelStatus)),
  progressCell(model),
  el("td", {}, formatTime(model.creationTime)),
  el("td", { class: "id" }, model.id)));
  $("#models-table tbody").replaceChildren(...rows);
  show($("#models-table"), rows.length > 0);
  show($("#no-models"), rows.length === 0);
}

async function selectModel(id) {
  const model = await api.getModel(id);
  const changed = state.selected?.id !== id;
  state.selected = model;
  if (changed) {
    $("#recommendations tbody").replaceChildren();
    show($("#recommendations"), false);
    $("#try-error").textContent = "";
  }
  renderModels();
  renderModel(model);
  show($("#model"), true);
  showJobs(model.id, (error) => report(error, "#jobs-error"));
}

// A retrain names its parent and its promotion policy; whether it was promoted is in its status message.
function renderLineage(model) {
  const policy = model.promotionPolicy;
  const parts = [model.parentModelId && `Retrain of ${model.parentModelId}`,
    policy && `promotion policy: ${policy.metric}, tolerance ${policy.tolerance}`].filter(Boolean);
  $("#model-lineage").textContent = parts.join("; ");
  show($("#model-lineage"), parts.length > 0);
}

function renderModelHeader(model) {
  $("#model-title").textContent = model.description || model.id;
  $("#model-status").textContent = model.modelStatus;
  $("#model-status").className = `status ${model.modelStatus}`;
  $("#model-message").textContent = statusMessage(model);
  renderLineage(model);
  const percent = ACTIVE.has(model.modelStatus) && STAGE_PERCENT.exec(model.modelStatusMessage || "");
  show($("#model-progress"), Boolean(percent));
  if (percent) $("#model-progress").value = Number(percent[1]);
  const isDefault = model.id === state.defaultId;
  $("#set-default").disabled = isDefault || model.modelStatus !== "Completed";
  $("#set-default").textContent = isDefault ? "Default model" : "Set as default";
}

function renderModel(model) {
  renderModelHeader(model);
  $("#model-error").textContent = "";
  const statistics = model.statistics || {};
  fillPairs($("#parameters"), [["id", model.id], ["created (UTC)", formatTime(model.creationTime)],
    ...Object.entries(model.parameters || {})]);
  const scalars = Object.entries(statistics).filter(([, value]) => value === null || typeof value !== "object")
    .map(([name, value]) => [statisticLabel(name), value]);
  const failed = model.modelStatus === "Failed";
  fillPairs($("#statistics"), failed ? [] : scalars);
  $("#statistics-note").textContent = failed ? "No statistics (the training failed)." : "None yet.";
  show($("#statistics-note"), failed || !scalars.length);
  renderParsingReports(statistics);
  renderEvaluationTab();
}

function parsingReports(statistics) {
  const reports = Object.entries(statistics).filter(([, value]) => value && typeof value === "object" && "totalLinesCount" in value);
  const evaluationReport = statistics.evaluation?.usageEventsParsing;
  return evaluationReport ? [...reports, ["evaluationUsageEventsParsing", evaluationReport]] : reports;
}

function renderParsingReports(statistics) {
  const blocks = parsingReports(statistics).map(([name, report]) => el("div", { class: "report" },
    el("h4", {}, statisticLabel(name)),
    el("p", {}, `${formatValue(report.successfulLinesCount)} of ${formatValue(report.totalLinesCount)} lines parsed` +
      (report.duration !== undefined ? ` in ${formatValue(report.duration)} s` : "")),
    (report.errors || []).length === 0 ? el("p", { class: "muted" }, "no bad lines") : el("table", { class: "results" },
      el("thead", {}, el("tr", {}, el("th", {}, "reason"), el("th", {}, "lines"), el("th", {}, "first at"))),
      el("tbody", {}, report.errors.map((error) => el("tr", {}, el("td", {}, error.error), el("td", {}, formatValue(error.count)),
        el("td", {}, error.sample ? `${error.sample.file} line ${error.sample.line}` : "")))))));
  $("#parsing-reports").replaceChildren(...(blocks.length ? blocks : [el("p", { class: "muted" }, "none yet")]));
}

// Charts are drawn only while their tab shows: Chart.js sizes a canvas from its visible container.
function renderEvaluationTab() {
  const evaluation = state.selected?.statistics?.evaluation;
  show($("#no-evaluation"), !evaluation);
  show($("#evaluation"), Boolean(evaluation));
  clearCharts();
  if (evaluation && state.tab === "evaluation") fillPairs($("#evaluation-numbers"), renderEvaluation(evaluation));
}

function showTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll(".tabs [data-tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
  for (const tab of ["overview", "evaluation", "try"]) show($(`#tab-${tab}`), tab === name);
  renderEvaluationTab();
}

async function setDefault() {
  const model = state.selected;
  try {
    await api.setDefaultModel(model.id);
    await refreshModels();
    renderModelHeader(state.selected);
  } catch (error) {
    report(error, "#model-error");
  }
}

async function deleteSelected() {
  const model = state.selected;
  if (!window.confirm(`Delete model "${model.description || model.id}"? Its trained model is removed; this cannot be undone.`)) return;
  try {
    await api.deleteModel(model.id);
    state.selected = null;
    stopJobs();
    show($("#model"), false);
    await refreshModels();
  } catch (error) {
    report(error, "#model-error");
  }
}

// The ids with the catalog's names beside them when the model has names (a Name column only then).
function showRecommendations(recommendations, names) {
  const named = names.size > 0;
  show($("#name-column"), named);
  $("#recommendations tbody").replaceChildren(...recommendations.map((entry, index) => el("tr", {},
    el("td", {}, index + 1), el("td", {}, entry.recommendedItemId),
    ...(named ? [el("td", { class: "item-name" }, names.get(entry.recommendedItemId) || "")] : []),
    el("td", {}, entry.score.toFixed(4)))));
  show($("#recommendations"), true);
  if (!recommendations.length) $("#try-error").textContent = "No recommendations (backfilling is off and nothing scored).";
}

// Item id -> name, for the recommended items that have one. Names help read the answer; without them
// (no catalog, an older service) the ids stand alone.
async function itemNames(modelId, recommendations) {
  if (!recommendations.length) return new Map();
  try {
    const described = await api.describeItems(modelId, recommendations.map((entry) => entry.recommendedItemId));
    return new Map(described.filter((entry) => entry.name !== null).map((entry) => [entry.itemId, entry.name]));
  } catch {
    return new Map();
  }
}

async function tryIt(event, fetchRecommendations) {
  event.preventDefault();
  $("#try-error").textContent = "";
  try {
    const recommendations = await fetchRecommendations();
    showRecommendations(recommendations, await itemNames(state.selected.id, recommendations));
  } catch (error) {
    show($("#recommendations"), false);
    report(error, "#try-error");
  }
}

function start() {
  $("#endpoint").textContent = window.location.host;
  $("#login-form").addEventListener("submit", signIn);
  $("#logout").addEventListener("click", () => { api.session.signOut(); state.selected = null; show($("#model"), false); showLogin(); });
  $("#refresh").addEventListener("click", () => refreshModels().catch((error) => report(error, "#models-error")));
  $("#set-default").addEventListener("click", setDefault);
  $("#view-models").addEventListener("click", () => showView("models"));
  $("#view-operations").addEventListener("click", () => showView("operations"));
  $("#delete-model").addEventListener("click", deleteSelected);
  setUpCreateForm(async (model) => {
    await refreshModels();
    await selectModel(model.id);
  }, (error) => report(error, "#create-error"));
  for (const button of document.querySelectorAll(".tabs [data-tab]")) button.addEventListener("click", () => showTab(button.dataset.tab));
  $("#item-form").addEventListener("submit", (event) => tryIt(event, () =>
    api.recommendItems(state.selected.id, $("#try-item").value.trim(), $("#try-item-count").value)));
  $("#user-form").addEventListener("submit", (event) => tryIt(event, () => {
    const items = $("#try-events").value.split(",").map((item) => item.trim()).filter(Boolean);
    return api.recommendPersonalized(state.selected.id, $("#try-user").value.trim(), items.map((itemId) => ({ itemId })),
      $("#try-user-count").value);
  }));
  if (!api.session.key()) return showLogin();
  refreshModels().then(enterApp, (error) => {
    api.session.signOut();
    showLogin(error.status === 401 || error.status === 403 ? "Sign in again." : error.message);
  });
}

start();
