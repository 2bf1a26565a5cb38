// The create-model form: POST /api/models with the main parameters. The API is the only validator (the
// form has no min/max of its own), and each refused value is shown at its field from the error's details.
import * as api from "./api.js";
import { $, el, show } from "./dom.js";

// [parameter, label, input kind (or the choices of a select), default, hint]; defaults are design.md's.
const FIELDS = [
  ["description", "Description", "text", "", "optional, up to 256 characters"],
  ["blobContainerName", "Blob container", "text", "", "required"],
  ["usageRelativePath", "Usage path", "text", "", "required: a blob, or a folder whose blobs are all read"],
  ["catalogFileRelativePath", "Catalog path", "text", "", "optional"],
  ["evaluationUsageRelativePath", "Evaluation usage path", "text", "", "optional: held-out usage to measure the model"],
  ["supportThreshold", "Support threshold", "number", 6, "least co-occurrence count kept, 1..50"],
  ["cooccurrenceUnit", "Co-occurrence unit", ["User", "Timestamp"], "User", "Timestamp: within one basket only"],
  ["similarityFunction", "Similarity", ["Jaccard", "Cooccurrence", "Lift"], "Jaccard", ""],
  ["decayPeriodInDays", "Decay half-life (days)", "number", 30, "an event's weight halves in this time, >= 1"],
  ["enableUserAffinity", "Use timestamps and event weights", "checkbox", true],
  ["enableUserToItemRecommendations", "Keep user histories (recommend by user id)", "checkbox", false],
  ["enableBackfilling", "Pad short lists with popular items", "checkbox", true],
  ["backfillStrategy", "Backfill with", ["Popular", "Trending"], "Popular", "all-time popular, or popular lately"],
  ["trendingHalfLifeInDays", "Trending half-life (days)", "number", 7, "1..365"],
  ["allowSeedItemsInRecommendations", "Let a user's own items come back", "checkbox", false],
  ["enableColdItemPlacement", "Place items without usage (needs a catalog)", "checkbox", false],
  ["enableColdToColdRecommendations", "Recommend items without usage for each other", "checkbox", false],
];

const inputId = (name) => `new-${name}`;
const errorOf = (name) => document.getElementById(`${inputId(name)}-error`);

function fieldElement([name, label, kind, value, hint = ""]) {
  const id = inputId(name);
  const input = Array.isArray(kind)
    ? el("select", { id, name }, kind.map((choice) => el("option", { value: choice }, choice)))
    : el("input", { id, name, type: kind, autocomplete: "off" });
  if (kind === "checkbox") input.checked = value;
  else input.value = value;
  const caption = el("label", { for: id }, label, hint ? el("span", { class: "muted" }, ` (${hint})`) : null);
  const parts = kind === "checkbox" ? [el("label", { class: "check" }, input, ` ${label}`)] : [caption, input];
  return el("div", { class: "field" }, ...parts, el("p", { id: `${id}-error`, class: "error field-error", role: "alert" }));
}

// The request body: empty optional fields are left out, so the API's defaults and messages apply.
function formParameters() {
  const parameters = {};
  for (const [name, , kind] of FIELDS) {
    const input = document.getElementById(inputId(name));
    if (kind === "checkbox") parameters[name] = input.checked;
    else if (kind === "number") { if (input.value !== "") parameters[name] = Number(input.value); }
    else if (input.value.trim() !== "") parameters[name] = input.value.trim();
  }
  return parameters;
}

function showErrors(error) {
  const unplaced = [];
  for (const detail of error.details || []) {
    const place = detail.field && errorOf(detail.field);
    if (place) {
      place.textContent = detail.message;
      document.getElementById(inputId(detail.field)).setAttribute("aria-invalid", "true");
    }
    else unplaced.push(detail.field ? `${detail.field}: ${detail.message}` : detail.message);
  }
  $("#create-error").textContent = [error.message, ...unplaced].join(" — ");
}

function clearErrors() {
  $("#create-error").textContent = "";
  for (const [name] of FIELDS) {
    errorOf(name).textContent = "";
    document.getElementById(inputId(name)).removeAttribute("aria-invalid");
  }
}

// onCreated(model) follows the new model; onError(error) handles a refused key like the rest of the page.
export function setUpCreateForm(onCreated, onError) {
  $("#create-fields").replaceChildren(...FIELDS.map(fieldElement));
  $("#new-model").addEventListener("click", () => { show($("#create"), true); $(`#${inputId("blobContainerName")}`).focus(); });
  $("#create-cancel").addEventListener("click", () => { clearErrors(); show($("#create"), false); });
  $("#create-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    try {
      const model = await api.createModel(formParameters());
      show($("#create"), false);
      await onCreated(model);
    } catch (error) {
      if (error instanceof api.ApiError && error.status !== 401) showErrors(error);
      else onError(error);
    }
  });
}
