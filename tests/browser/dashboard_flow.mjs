// The dashboard's whole flow in headless Debian chromium, driven by playwright-core.
// Run by test_dashboard_browser.py, which starts the stack and reads this script's stdout:
// "SEEN-CREATED" tells it to start the worker, so the page is seen following a model to Completed.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const { BASE_URL, ADMIN_KEY, RECOMMEND_KEY, LIVE_MODEL_ID, FIXTURE_MODEL_ID, TRAINING_MODEL_ID, FAILED_MODEL_ID, CONTAINER,
  CHROMIUM, SCREENSHOT_DIR } = process.env;
const problems = []; // console errors, page errors, CSP violations, unexpected HTTP errors: any one fails the run
// The refused keys at sign-in, "no default model yet" before the first model completes, and the create form's
// refused value.
const EXPECTED_FAILURES = [[401, /\/api\/models(\/default)?$/], [403, /\/api\/models(\/default)?$/], [404, /\/api\/models\/default$/],
  [400, /\/api\/models$/]];

function step(text) {
  console.log(`step: ${text}`);
}

async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const row = (page, id) => page.locator(`#models-table tr[data-model-id="${id}"]`);

async function signIn(page, key) {
  await page.fill("#admin-key", key);
  await page.click("#login-form button[type=submit]");
}

async function checkSignIn(page) {
  step("sign-in refuses a wrong key and a recommend key");
  const response = await page.goto(`${BASE_URL}/dashboard`); // redirected to /dashboard/
  assert.equal(new URL(page.url()).pathname, "/dashboard/");
  assert.match(response.headers()["content-security-policy"], /default-src 'self'/);
  assert.equal(response.headers()["x-frame-options"], "DENY");
  await page.waitForSelector("#login:not([hidden])");
  await screenshot(page, "sign-in");
  await signIn(page, "not-a-key");
  await page.waitForSelector("#login-error:text('not valid')");
  await signIn(page, RECOMMEND_KEY);
  await page.waitForSelector("#login-error:text('recommend key')");
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, "a refused key must not stay in sessionStorage");
  await signIn(page, ADMIN_KEY);
  await page.waitForSelector("#app:not([hidden])");
  await page.waitForSelector("#default-policy:text('AUTO_DEFAULT_MODEL=true')");
  assert.match(await page.textContent("#default-policy"), /first model to complete becomes the default/);
}

async function deleteModel(page, id) {
  await row(page, id).click();
  await page.waitForSelector(`#parameters td:text-is('${id}')`, { state: "attached" });
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.click("#delete-model");
  await page.waitForTimeout(300);
  assert.equal(await row(page, id).count(), 1, "a dismissed confirmation must not delete");
  page.once("dialog", (dialog) => { assert.match(dialog.message(), /Delete model/); dialog.accept(); });
  await page.click("#delete-model");
  await row(page, id).waitFor({ state: "detached" });
  assert.equal(await page.isVisible("#model"), false);
}

async function followTraining(page) {
  step("models in training show their progress; the live model completes while the page refreshes itself");
  await row(page, LIVE_MODEL_ID).locator(".status:text-is('Created')").waitFor();
  assert.match(await page.textContent("#refresh-state"), /refreshing/);
  assert.match(await row(page, LIVE_MODEL_ID).textContent(), /waiting for a worker/);
  assert.equal(await row(page, TRAINING_MODEL_ID).locator("progress").getAttribute("value"), "40");
  assert.match(await row(page, TRAINING_MODEL_ID).textContent(), /Counting co-occurrences \(40%\)/);
  await screenshot(page, "models-training");
  console.log("SEEN-CREATED");
  step("delete asks first, and only a confirmed delete removes the model");
  await deleteModel(page, TRAINING_MODEL_ID);
  await row(page, LIVE_MODEL_ID).locator(".status:text-is('Completed')").waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector("#refresh-state").textContent === "", null, { timeout: 10_000 });
  assert.equal(await row(page, LIVE_MODEL_ID).locator(".badge.default").count(), 1, "the first model to complete is the default");
  await screenshot(page, "models");
}

async function checkOverview(page) {
  step("a model's parameters, statistics and parsing report");
  await row(page, LIVE_MODEL_ID).click();
  await page.waitForSelector("#model:not([hidden])");
  await page.waitForSelector("#statistics th:text-is('Users')");
  assert.equal(await page.textContent("#statistics tr:has(th:text-is('Users')) td"), "12");
  assert.equal(await page.textContent("#statistics tr:has(th:text-is('Items with usage')) td"), "6");
  assert.doesNotMatch(await page.textContent("#statistics"), /numberOf|Duration/, "raw field names are not labels");
  assert.match(await page.textContent("#parameters"), /usageRelativePath\s*usage/);
  assert.match(await page.textContent("#parsing-reports"), /36 of 36 lines parsed/);
  await screenshot(page, "model-overview");
}

const jobCells = (page, id) => page.$eval(`#jobs-table tr[data-job-id="${id}"]`, (tr) => Object.fromEntries(
  ["users-scored", "rows-written", "parts-written", "output", "job-progress", "job-message"].map((name) =>
    [name, tr.querySelector(`.${name}`).textContent])));

async function checkBatchJobs(page) {
  step("batch jobs: none yet; one started by another client is followed to Completed; finished jobs' reports as text");
  await row(page, LIVE_MODEL_ID).click();
  await page.waitForSelector("#no-jobs:not([hidden])");
  assert.equal(await page.isVisible("#jobs-table"), false);
  const response = await fetch(`${BASE_URL}/api/models/${LIVE_MODEL_ID}/batch`, {
    method: "POST", headers: { "x-api-key": ADMIN_KEY, "Content-Type": "application/json" },
    body: JSON.stringify({ outputContainerName: CONTAINER, outputRelativePath: "exports/weekly", recommendationCount: 2 }),
  });
  assert.equal(response.status, 202);
  const job = await response.json();
  await row(page, LIVE_MODEL_ID).click(); // selecting the model reads its jobs again; then they refresh by themselves
  await page.locator(`#jobs-table tr[data-job-id="${job.id}"] .status:text-is('Completed')`).waitFor({ timeout: 60_000 });
  assert.deepEqual(await jobCells(page, job.id), { "users-scored": "12", "rows-written": "24", "parts-written": "1",
    output: `${CONTAINER}/exports/weekly`, "job-progress": "100%", "job-message": "12 users, 1 parts" });
  assert.match(await page.textContent(`#jobs-table tr[data-job-id="${job.id}"]`), new RegExp(job.creationTime.slice(0, 10)));
  await page.waitForFunction(() => document.querySelector("#jobs-state").textContent === "", null, { timeout: 10_000 });

  await row(page, FIXTURE_MODEL_ID).click();
  await page.waitForSelector("#model-title:text('evaluation fixture')");
  await page.waitForFunction(() => document.querySelectorAll("#jobs-table tbody tr").length === 2);
  assert.deepEqual(await page.$$eval("#jobs-table tbody .status", (badges) => badges.map((badge) => badge.textContent)),
    ["Failed", "Completed"], "newest first");
  const [failed, completed] = await page.$$eval("#jobs-table tbody tr", (rows) => rows.map((tr) => tr.dataset.jobId));
  const failedCells = await jobCells(page, failed);
  assert.equal(failedCells["job-message"], "a blob of the job is gone: <em>exports</em> was deleted");
  assert.equal(await page.locator("#jobs-table em").count(), 0, "a message is text, never markup");
  assert.deepEqual([failedCells["job-progress"], failedCells["users-scored"], failedCells.output],
    ["50%", "5", "exports/weekly/2024-01-05"]);
  assert.match(await page.textContent("#jobs-table tbody tr:nth-child(1) td:nth-child(7)"), /^2024-01-05 10:05:00$/);
  assert.equal((await jobCells(page, completed))["job-message"], "9 users, 2 parts" +
    "IllegalCharactersInUserId on 2 lines, first at users.txt line 4UnknownUser on 1 line, first at users.txt line 2");
  await screenshot(page, "batch-jobs");
}

async function checkCharts(page) {
  step("evaluation: the live model's tab agrees with its statistics; the fixture model's charts are drawn");
  await page.click(".tabs [data-tab=evaluation]");
  const liveEvaluated = await page.evaluate(async (id) => {
    const response = await fetch(`/api/models/${id}`, { headers: { "x-api-key": sessionStorage.getItem("recsvc.adminKey") } });
    return Boolean((await response.json()).statistics?.evaluation);
  }, LIVE_MODEL_ID);
  assert.equal(await page.isVisible("#no-evaluation"), !liveEvaluated);
  assert.equal(await page.isVisible("#chart-ranking"), liveEvaluated);
  if (liveEvaluated) {
    const series = await page.evaluate(() => window.Chart.getChart("chart-ranking").data.datasets.map((d) => d.label));
    assert.deepEqual(series, ["precision@k", "recall@k", "nDCG@k", "MAP@k"]);
  }

  await row(page, FIXTURE_MODEL_ID).click();
  await page.waitForSelector("#model-title:text('evaluation fixture')");
  await page.waitForSelector("#evaluation:not([hidden])");
  const drawn = await page.evaluate(() => Object.fromEntries(["chart-ranking", "chart-hit-rate", "chart-diversity"].map((id) => {
    const chart = window.Chart.getChart(id);
    return [id, chart && { labels: chart.data.labels, series: chart.data.datasets.map((d) => d.label), points: chart.data.datasets[0].data }];
  })));
  const axis = await page.evaluate(() => {
    const scale = window.Chart.getChart("chart-ranking").scales.x;
    return { type: scale.type, pixels: [1, 2, 5, 10].map((k) => scale.getPixelForValue(k)) };
  });
  assert.equal(axis.type, "linear");
  const [one, two, five, ten] = axis.pixels;
  assert.ok(Math.abs((ten - five) - 5 * (two - one)) < 1, `k is spaced by value: ${axis.pixels}`);
  assert.deepEqual(drawn["chart-ranking"].points.map((point) => point.x), [1, 2, 3, 4, 5, 10]);
  assert.deepEqual(drawn["chart-ranking"].series, ["precision@k", "recall@k", "nDCG@k", "MAP@k"]);
  assert.deepEqual(drawn["chart-hit-rate"].points, [50, 75, 83.3, 91.7, 100]);
  assert.deepEqual(drawn["chart-diversity"].labels, ["0–90", "90–99", "99–100"]);
  assert.match(await page.textContent("#evaluation-numbers"), /unique items recommended\s*6/);
  assert.match(await page.textContent("#parsing-reports"), /MalformedLine\s*2\s*usage\/events\.csv line 7/);
  await screenshot(page, "model-evaluation");
}

async function checkRankingShapes(page) {
  step("the ranking chart reads every shape of rankingMetrics a server may send");
  const series = await page.evaluate(async () => {
    const { rankingSeries } = await import("/dashboard/static/charts.js");
    return [
      rankingSeries([{ k: 1, precision: 0.5, ndcg: 0.4 }, { k: 10, precision: 0.2, ndcg: 0.3 }]),
      rankingSeries({ precisionAtK: [{ k: 1, value: 0.5 }, { k: 10, value: 0.2 }], ndcgAtK: [{ k: 1, value: 0.4 }, { k: 10, value: 0.3 }] }),
      rankingSeries({ precision: { 1: 0.5, 10: 0.2 }, ndcg: { 1: 0.4, 10: 0.3 } }),
      rankingSeries({ "precision@1": 0.5, "precision@10": 0.2, "ndcg@1": 0.4, "ndcg@10": 0.3 }),
    ];
  });
  for (const shape of series) {
    assert.deepEqual(shape, { ks: [1, 10], series: [{ label: "precision@k", values: [0.5, 0.2] }, { label: "nDCG@k", values: [0.4, 0.3] }] });
  }
}

async function checkCreateForm(page) {
  step("create a model from the form: a refused value shows at its field, then the new model trains on the page");
  await page.click("#new-model");
  await page.waitForSelector("#create:not([hidden])");
  assert.equal(await page.inputValue("#new-supportThreshold"), "6");
  assert.equal(await page.inputValue("#new-similarityFunction"), "Jaccard");
  assert.equal(await page.isChecked("#new-enableBackfilling"), true);
  await page.fill("#new-description", "from the form");
  await page.fill("#new-blobContainerName", CONTAINER);
  await page.fill("#new-usageRelativePath", "usage");
  await page.fill("#new-supportThreshold", "0");
  await page.click("#create-form button[type=submit]");
  await page.waitForSelector("#new-supportThreshold-error:not(:empty)");
  assert.match(await page.textContent("#new-supportThreshold-error"), /1/);
  assert.equal(await page.getAttribute("#new-supportThreshold", "aria-invalid"), "true");
  assert.equal(await page.textContent("#new-usageRelativePath-error"), "", "only the refused field shows an error");
  assert.match(await page.textContent("#create-error"), /InvalidRequest/);
  await screenshot(page, "create-model");
  await page.fill("#new-supportThreshold", "2");
  await page.click("#create-form button[type=submit]");
  await page.waitForSelector("#create", { state: "hidden" });
  await page.waitForSelector("#model-title:text('from the form')");
  const created = await page.evaluate(() => document.querySelector("#models-table tr.selected").dataset.modelId);
  assert.match(await page.textContent("#model-status"), /Created|InProgress|Completed/);
  await screenshot(page, "model-created");
  await page.waitForSelector("#model-status:text-is('Completed')", { timeout: 60_000 }); // polled, no click
  assert.equal(await row(page, created).locator(".status").textContent(), "Completed");
  assert.equal(await row(page, created).locator(".badge.default").count(), 0, "a default was already set");
  assert.equal(await page.textContent("#parameters tr:has(th:text-is('supportThreshold')) td"), "2");
}

async function checkFailedModel(page) {
  step("a failed model says it has no statistics, and its reason once");
  await row(page, FAILED_MODEL_ID).click();
  await page.waitForSelector("#model-title:text('failed fixture')");
  await page.click(".tabs [data-tab=overview]");
  assert.equal(await page.textContent("#statistics-note"), "No statistics (the training failed).");
  assert.equal(await page.locator("#statistics tr").count(), 0);
  assert.equal(await page.textContent("#model-message"), "no valid usage event in usage/bad.csv");
  assert.match(await page.textContent("#parsing-reports"), /MissingFields\s*3\s*usage\/bad\.csv line 1/);
}

async function checkTryIt(page) {
  step("try it: item-to-item and personalized recommendations of the live model");
  await row(page, LIVE_MODEL_ID).click();
  await page.waitForSelector(`#parameters td:text-is('${LIVE_MODEL_ID}')`, { state: "attached" });
  await page.click(".tabs [data-tab=try]");
  await page.fill("#try-item", "b2");
  await page.fill("#try-item-count", "3");
  await page.click("#item-form button[type=submit]");
  await page.waitForSelector("#recommendations:not([hidden])");
  const items = () => page.$$eval("#recommendations tbody tr td:nth-child(2)", (cells) => cells.map((cell) => cell.textContent));
  assert.deepEqual((await items()).slice(0, 2).sort(), ["b1", "b3"]);
  // The catalog's names beside the ids; the catalog does not list b3, so its cell is blank.
  await page.waitForSelector("#name-column:not([hidden])");
  const names = await page.$$eval("#recommendations tbody tr", (rows) => Object.fromEntries(rows.map((tr) =>
    [tr.cells[1].textContent, tr.cells[2].textContent])));
  assert.equal(names.b1, "Banana one");
  assert.equal(names.b3, "");
  await page.fill("#try-events", "a1, a2");
  await page.fill("#try-user-count", "2");
  await page.click("#user-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#recommendations tbody tr td:nth-child(2)")?.textContent === "a3");
  const [scored, backfilled] = await items();
  assert.equal(scored, "a3");
  assert.match(backfilled, /^b[123]$/, "the rest is backfilled from the other cluster");
  assert.equal(await page.textContent("#recommendations tbody tr:first-child td.item-name"), "Apple three");
  await screenshot(page, "try-it");
}

async function checkSwagger(page) {
  step("Swagger UI at /api/docs renders every operation of openapi.yaml");
  const spec = await (await fetch(`${BASE_URL}/api/openapi.yaml`)).text();
  const operations = (spec.match(/^ {6}operationId: /gm) || []).length;
  assert.ok(operations > 20, `the spec lists ${operations} operations`);
  const response = await page.goto(`${BASE_URL}/api/docs`);
  assert.equal(response.status(), 200);
  await page.waitForSelector("#swagger-ui .info .title:has-text('Product Recommendations')");
  await page.waitForFunction((count) => document.querySelectorAll("#swagger-ui .opblock").length === count, operations);
  await page.waitForSelector("#swagger-ui .opblock-summary-path[data-path='/api/models/{modelId}/items']", { state: "attached" });
  await screenshot(page, "swagger");
}

// Traffic from another client while the operations view reads the metrics: item-to-item answers of five items,
// two scored (the item's cluster) and three backfilled from the other cluster.
async function sendRecommendRequests(count) {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${BASE_URL}/api/models/${LIVE_MODEL_ID}/recommend?itemId=b2&recommendationCount=5`,
      { headers: { "x-api-key": RECOMMEND_KEY } });
    assert.equal(response.status, 200);
  }
}

async function checkOperations(page) {
  step("operations: live plots of the service's own metrics");
  await page.click("#view-operations");
  await page.waitForSelector("#operations:not([hidden])");
  assert.equal(await page.isVisible("#models-table"), false, "the models view is hidden meanwhile");
  await page.waitForFunction(() => Number(document.querySelector("#operations").dataset.points || 0) >= 1);
  await sendRecommendRequests(20);
  await page.waitForFunction(() => Number(document.querySelector("#operations").dataset.points || 0) >= 3);
  await sendRecommendRequests(10);
  await page.waitForFunction(() => Number(document.querySelector("#operations").dataset.points || 0) >= 4);
  const requests = Number((await page.textContent("#ops-total-requests")).replace(/,/g, ""));
  assert.ok(requests >= 30, `requests answered: ${requests}`);
  assert.match(await page.textContent("#ops-last-p99"), /^\d+\.\d\d ms$/);
  // Each answer had 3 of its 5 slots backfilled; the Try-it answers before them move the share a little.
  const backfill = parseFloat(await page.textContent("#ops-backfill-share"));
  assert.ok(backfill > 40 && backfill < 70, `backfill share: ${backfill}`);
  const plotted = await page.evaluate(() => window.Chart.getChart("ops-rate").data.datasets[0].data.filter((v) => v > 0).length);
  assert.ok(plotted >= 1, "the request rate was plotted");
  await screenshot(page, "operations");
  await page.click("#view-models");
  await page.waitForSelector("#models-table", { state: "visible" });
}

async function checkDefaultAndDelete(page) {
  step("set the default model, then delete the live model");
  await row(page, FIXTURE_MODEL_ID).click();
  await page.waitForSelector("#model-title:text('evaluation fixture')");
  await page.click("#set-default");
  await row(page, FIXTURE_MODEL_ID).locator(".badge.default").waitFor();
  assert.equal(await page.textContent("#set-default"), "Default model");

  await deleteModel(page, LIVE_MODEL_ID);
}

async function checkPaging(page) {
  step("the model list reads every page, following X-Continuation-Token (pages served by a route stub)");
  const asked = [];
  await page.route(/\/api\/models(\?.*)?$/, (route) => {
    const token = new URL(route.request().url()).searchParams.get("continuationToken");
    asked.push(token);
    const [body, headers] = token === "t1" ? [[{ id: "older" }], {}] : [[{ id: "newer" }], { "X-Continuation-Token": "t1" }];
    return route.fulfill({ status: 200, contentType: "application/json", headers, body: JSON.stringify(body) });
  });
  const ids = await page.evaluate(async () => (await (await import("/dashboard/static/api.js")).listModels()).map((m) => m.id));
  await page.unrouteAll();
  assert.deepEqual(ids, ["newer", "older"]);
  assert.deepEqual(asked, [null, "t1"]);
}

async function checkSignOut(page) {
  step("sign out forgets the key");
  await page.click("#logout");
  await page.waitForSelector("#login:not([hidden])");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("recsvc.adminKey")), null);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(20_000);
  page.on("console", (message) => {
    // Failed HTTP answers are judged below, by URL; every other console error is a problem.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && !EXPECTED_FAILURES.some(([status, path]) => response.status() === status && path.test(response.url()))) {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await checkSignIn(page);
  await followTraining(page);
  await checkOverview(page);
  await checkBatchJobs(page);
  await checkCharts(page);
  await checkRankingShapes(page);
  await checkTryIt(page);
  await checkOperations(page);
  await checkCreateForm(page);
  await checkFailedModel(page);
  await checkDefaultAndDelete(page);
  await checkPaging(page);
  await checkSignOut(page);
  await checkSwagger(page);
  assert.deepEqual(problems, [], "the page logged errors or got unexpected HTTP errors");
  console.log("DASHBOARD-FLOW-OK");
} finally {
  await browser.close();
}
