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
