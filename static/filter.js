// Filters the home page's list by status and tag without a reload. Without JavaScript
// the form stays hidden and the whole list shows. The choice lives in the URL
// (?status=read&tag=vision), so a filtered list can be shared and survives a reload.
(() => {
  "use strict";
  const form = document.getElementById("filters");
  if (!form) return;
  const items = Array.from(document.querySelectorAll(".paper-list .paper-item"));
  const count = form.querySelector(".filter-count");
  const tagSelect = form.elements.tag;

  const chosenStatus = () => {
    const checked = form.querySelector("input[name=status]:checked");
    return checked ? checked.value : "";
  };

  const apply = () => {
    const status = chosenStatus();
    const tag = tagSelect.value;
    let shown = 0;
    for (const item of items) {
      const ok = (!status || item.getAttribute("data-status") === status) &&
        (!tag || ` ${item.getAttribute("data-tags")} `.includes(` ${tag} `));
      item.hidden = !ok;
      if (ok) shown += 1;
    }
    count.textContent = status || tag ? `${shown} of ${items.length} papers shown` : "";
    const params = new URLSearchParams(location.search);
    if (status) params.set("status", status); else params.delete("status");
    if (tag) params.set("tag", tag); else params.delete("tag");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + location.hash);
  };

  const restore = () => {
    const params = new URLSearchParams(location.search);
    const status = params.get("status") || "";
    const radio = form.querySelector(`input[name=status][value="${CSS.escape(status)}"]`);
    if (radio) radio.checked = true;
    const tag = params.get("tag") || "";
    if (tagSelect.querySelector(`option[value="${CSS.escape(tag)}"]`)) tagSelect.value = tag;
  };

  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  restore();
  apply();
})();
