// Words for the statistics' field names (design.md), so the page reads "Users" and not numberOfUsers.
const LABELS = {
  numberOfUsers: "Users",
  numberOfUsageItems: "Items with usage",
  numberOfCatalogItems: "Items in the catalog",
  catalogCoverage: "Catalog coverage (items with usage / catalog items)",
  totalDuration: "Total time (s)",
  trainingDuration: "Training time (s)",
  storingDuration: "Storing time (s)",
  usageEventsParsing: "Usage files",
  catalogParsing: "Catalog file",
  evaluationUsageEventsParsing: "Evaluation usage files",
};

// "someNewField" -> "Some new field": a field this page does not know yet still reads as words.
export function statisticLabel(name) {
  if (LABELS[name]) return LABELS[name];
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1) + (/duration$/i.test(name) ? " (s)" : "");
}
