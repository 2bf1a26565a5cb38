// Small DOM helpers. Text always goes in through textContent: ids and descriptions are user data.
export const $ = (selector) => document.querySelector(selector);

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function show(element, visible) {
  element.hidden = !visible;
}

// A worker's message may begin with the status itself ("Failed: ..."), which the status badge already shows.
export const withoutStatus = (message, status) => (message || "").replace(new RegExp(`^${status}:\\s*`), "");

// "2024-05-01T12:00:03.123456Z" -> "2024-05-01 12:00:03"
export const formatTime = (iso) => (iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace(/Z$|\+00:00$/, "") : "");

export function formatValue(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US") : String(Number(value.toPrecision(4)));
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// A two-column table of name/value rows.
export function fillPairs(table, pairs) {
  table.replaceChildren(...pairs.map(([name, value]) => el("tr", {}, el("th", {}, name), el("td", {}, formatValue(value)))));
}
