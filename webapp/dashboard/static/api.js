// The REST API as the dashboard uses it: the admin key from sessionStorage, errors as ApiError.
const KEY_STORAGE = "recsvc.adminKey";
const MAX_LIST_PAGES = 100;

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : []; // [{field, code, message}]: which field broke which rule
  }
}

export const session = {
  key: () => sessionStorage.getItem(KEY_STORAGE),
  signIn: (key) => sessionStorage.setItem(KEY_STORAGE, key),
  signOut: () => sessionStorage.removeItem(KEY_STORAGE),
};

// The API lives at /api next to /dashboard/ (relative, so a path prefix in front of both still works).
const API_ROOT = new URL("../api/", document.baseURI);

async function call(method, path, { params = {}, body } = {}) {
  const url = new URL(path, API_ROOT);
  for (const [name, value] of Object.entries(params)) {
    // A list repeats its parameter (itemId=a&itemId=b), as the API reads lists.
    for (const one of [].concat(value)) {
      if (one !== undefined && one !== null && one !== "") url.searchParams.append(name, one);
    }
  }
  const headers = { "x-api-key": session.key() || "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = parseJson(text);
  if (!response.ok) {
    const error = (data && data.error) || { code: `HTTP${response.status}`, message: response.statusText };
    throw new ApiError(response.status, error.code, error.message, error.details);
  }
  return { data, response };
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null; // e.g. an HTML error page from a proxy: reported by its HTTP status
  }
}

// Every model summary, newest first: page after page while X-Continuation-Token says more follow.
export async function listModels() {
  const models = [];
  let params = {};
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const { data, response } = await call("GET", "models", { params });
    models.push(...data);
    const token = response.headers.get("X-Continuation-Token");
    if (!token) break;
    params = { continuationToken: token };
  }
  return models;
}

export const getModel = async (id) => (await call("GET", `models/${encodeURIComponent(id)}`)).data;

export async function getDefaultModelId() {
  try {
    return (await call("GET", "models/default")).data.id;
  } catch (error) {
    if (error.code === "NoDefaultModel") return null;
    throw error;
  }
}

export const createModel = async (parameters) => (await call("POST", "models", { body: parameters })).data;

// The dashboard's own route (not the REST API): settings an operator changes in the environment.
export async function getSettings() {
  const response = await fetch(new URL("settings", document.baseURI), { headers: { "x-api-key": session.key() || "" } });
  if (!response.ok) throw new ApiError(response.status, `HTTP${response.status}`, response.statusText);
  return response.json();
}

// The dashboard's operations summary: running totals of the service's metrics and the models by status.
export async function getOperations() {
  const response = await fetch(new URL("operations", document.baseURI), { headers: { "x-api-key": session.key() || "" } });
  if (!response.ok) throw new ApiError(response.status, `HTTP${response.status}`, response.statusText);
  return response.json();
}

export const setDefaultModel = async (id) => (await call("PUT", "models/default", { params: { modelId: id } })).data;

// The model's batch jobs, newest first (the API lists the 50 newest).
export const listBatchJobs = async (id) => (await call("GET", `models/${encodeURIComponent(id)}/batches`)).data;

export const deleteModel = (id) => call("DELETE", `models/${encodeURIComponent(id)}`);

export async function recommendItems(id, itemId, count) {
  const params = { itemId, recommendationCount: count };
  return (await call("GET", `models/${encodeURIComponent(id)}/recommend`, { params })).data;
}

// The catalog's name and category of each item id (null when the model has none for it).
export async function describeItems(id, itemIds) {
  const params = { itemId: itemIds };
  return (await call("GET", `models/${encodeURIComponent(id)}/items`, { params })).data;
}

export async function recommendPersonalized(id, userId, events, count) {
  const params = { userId, recommendationCount: count };
  return (await call("POST", `models/${encodeURIComponent(id)}/recommend`, { params, body: events })).data;
}
