// Progressive enhancement only: every page works without this file.
// Keep the URLs that htmx pushes as short as a person would type them, so they can be shared and
// bookmarked: empty fields and the default sort add nothing to a results URL.
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.verb !== "get") return;
  const data = event.detail.formData;
  for (const key of new Set(data.keys())) {
    const values = data.getAll(key).filter((value) => value !== "");
    data.delete(key);
    for (const value of values) {
      if (!(key === "sort" && value === "recommended")) data.append(key, value);
    }
  }
});

// Paging through results: show the top of the new page and move focus to its count, as a page load would,
// instead of leaving a keyboard or screen-reader user at the footer where the old page ended.
document.addEventListener("htmx:afterSettle", (event) => {
  const trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!trigger || !trigger.closest || !trigger.closest(".pager")) return;
  const count = document.getElementById("results-count");
  if (!count) return;
  count.setAttribute("tabindex", "-1");
  count.focus({ preventScroll: true });
  count.scrollIntoView({ block: "start" });
});

// Back and Forward restore the snapshot htmx kept of the results. The search box and the price boxes live
// outside what the server re-renders (or are preserved across swaps), so give them the words of the URL.
document.addEventListener("htmx:historyRestore", () => {
  const params = new URLSearchParams(window.location.search);
  for (const input of document.querySelectorAll("#filters input[type=search], #filters input:not([type])")) {
    input.value = params.get(input.name) || "";
  }
});
