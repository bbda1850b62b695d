// Wires a list's controls (templates/_list.html) to its state, the URL and the view: once
// list/papers.js has arrived, the whole list (or this page's papers) is sorted and filtered
// here. Discrete changes add a history entry (Back undoes them); typing replaces it.
(() => {
  "use strict";
  const SL = window.SitegenList;
  const form = document.querySelector(".list-controls");
  if (!form) return;
  const listing = form.closest(".listing");
  const list = listing.querySelector(".paper-list");
  const root = document.documentElement.getAttribute("data-root") || "";
  const VIEW_KEY = "sitegen-list-view";
  const field = (name) => form.elements[name];

  // Cards or compact rows: remembered across pages and visits.
  const viewButton = form.querySelector(".view-toggle");
  const setCards = (cards) => {
    list.classList.toggle("cards", cards);
    viewButton.setAttribute("aria-pressed", String(cards));
  };
  try {
    setCards(localStorage.getItem(VIEW_KEY) === "cards");
  } catch {
    // storage blocked: compact rows
  }
  viewButton.addEventListener("click", () => {
    const cards = !list.classList.contains("cards");
    setCards(cards);
    try {
      localStorage.setItem(VIEW_KEY, cards ? "cards" : "compact");
    } catch {
      // private mode: not remembered
    }
  });

  const staticRows = Array.from(list.querySelectorAll(".paper-item"));
  const summaries = new Map();
  for (const row of staticRows) {
    const summary = row.querySelector(".summary");
    if (summary) summaries.set(row.dataset.slug, summary.textContent);
  }
  // A page's own papers: all of its list's (data-members) when the list has several pages.
  const members = form.dataset.members ? form.dataset.members.split(" ") : staticRows.map((row) => row.dataset.slug);
  const pageSlugs = form.dataset.scope === "page" ? new Set(members) : null;

  const statusLabels = new Map();
  for (const radio of form.querySelectorAll("input[name=status]")) {
    const count = document.createElement("span");
    count.className = "count";
    radio.parentElement.appendChild(count);
    statusLabels.set(radio.value, count);
  }

  const start = (data) => {
    const scope = [];
    data.papers.forEach((row, i) => {
      if (!pageSlugs || pageSlugs.has(row[SL.ROW.slug])) scope.push(i);
    });
    const view = new SL.View(list, data, root, summaries);
    SL.more = () => view.more(100);
    const tagSelect = field("tag");
    const inScope = new Set(scope.flatMap((i) => data.papers[i][SL.ROW.tags]));
    const tagOptions = new Map();
    data.tags.forEach(([slug, name], t) => {
      if (!inScope.has(t)) return;
      const option = new Option(name, slug);
      tagOptions.set(t, [option, name]);
      tagSelect.appendChild(option);
    });
    let state = SL.readState(location.search);
    let typing = false;

    const chips = form.querySelector(".chosen-tags");
    const drawChips = () => {
      chips.replaceChildren();
      for (const slug of state.tags) {
        const t = data.tagIndex.get(slug);
        const button = document.createElement("button");
        button.type = "button";
        button.className = "tag chip";
        button.dataset.slug = slug;
        button.textContent = `${t === undefined ? slug : data.tags[t][1]} ×`;
        button.setAttribute("aria-label", `Remove the tag ${button.textContent.slice(0, -2)}`);
        chips.appendChild(button);
      }
      form.querySelector(".control-mode").hidden = state.tags.length < 2;
    };

    const fill = () => {
      field("q").value = state.q;
      field("sort").value = state.sort;
      field("dir").value = state.dir;
      field("mode").value = state.mode;
      field("from").value = state.from;
      field("to").value = state.to;
      const radio = form.querySelector(`input[name=status][value="${CSS.escape(state.status)}"]`);
      if (radio) radio.checked = true;
      form.querySelector("option[value=relevance]").disabled = !state.q;
      drawChips();
    };

    const counts = (result) => {
      const all = result.statusCounts.reduce((a, b) => a + b, 0);
      statusLabels.get("").textContent = ` ${all}`;
      data.statuses.forEach((status, s) => {
        if (statusLabels.has(status)) statusLabels.get(status).textContent = ` ${result.statusCounts[s]}`;
      });
      for (const [t, [option, name]] of tagOptions) {
        option.textContent = `${name} (${result.tagCounts.get(t) || 0})`;
        option.disabled = state.tags.includes(data.tags[t][0]);
      }
      const shown = result.shown.length;
      form.querySelector(".list-count").textContent =
        shown === scope.length ? `${shown} papers` : `${shown} of ${scope.length} papers`;
    };

    const render = () => {
      const result = SL.select(data, state, scope);
      view.show(result.shown);
      counts(result);
    };

    const commit = (replace) => {
      const url = location.pathname + SL.writeState(state) + location.hash;
      if (url !== location.pathname + location.search + location.hash) {
        history[replace ? "replaceState" : "pushState"](null, "", url);
      }
      fill();
      render();
    };

    const read = () => ({
      ...state,
      q: field("q").value,
      sort: field("sort").value,
      dir: field("dir").value,
      status: (form.querySelector("input[name=status]:checked") || { value: "" }).value,
      mode: field("mode").value,
      from: /^\d{1,4}$/.test(field("from").value) ? field("from").value : "",
      to: /^\d{1,4}$/.test(field("to").value) ? field("to").value : "",
    });

    form.addEventListener("input", (event) => {
      if (event.target !== field("q")) return;
      const next = read();
      // Typing a filter sorts by relevance; clearing it goes back to the list's order.
      if (next.q && !state.q && next.sort === SL.DEFAULTS.sort) next.sort = "relevance";
      if (!next.q && next.sort === "relevance") next.sort = SL.DEFAULTS.sort;
      next.dir = next.sort === state.sort ? next.dir : SL.naturalDir(next.sort);
      state = next;
      commit(typing);
      typing = true;
    });
    form.addEventListener("change", (event) => {
      if (event.target === field("q")) return;
      typing = false;
      const next = read();
      if (event.target === tagSelect && tagSelect.value) {
        next.tags = [...state.tags, tagSelect.value];
        tagSelect.value = "";
      }
      if (event.target === field("sort")) next.dir = SL.naturalDir(next.sort);
      state = next;
      commit(false);
    });
    chips.addEventListener("click", (event) => {
      const chip = event.target.closest(".chip");
      if (!chip) return;
      typing = false;
      state = { ...state, tags: state.tags.filter((slug) => slug !== chip.dataset.slug) };
      commit(false);
      (chips.querySelector(".chip") || tagSelect).focus();
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    window.addEventListener("popstate", () => {
      state = SL.readState(location.search);
      typing = false;
      fill();
      render();
    });

    // On a phone the filters fold away unless some are in use.
    const filtered = state.status || state.tags.length || state.from || state.to;
    if (!filtered && window.matchMedia("(max-width: 40rem)").matches) form.querySelector(".controls-more").open = false;
    for (const node of document.querySelectorAll(".pagination, .page-range")) node.hidden = true;
    form.hidden = false;
    fill();
    render();
  };

  SL.onData(start);
})();
