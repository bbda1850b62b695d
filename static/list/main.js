// Starts a list (templates/_list.html): once list/papers.js has arrived, the whole list (or
// this page's papers) is sorted and filtered here, its state kept in the URL. Discrete
// changes add a history entry (Back undoes them); typing replaces it.
(() => {
  "use strict";
  const SL = window.SitegenList;
  const form = document.querySelector(".list-controls");
  if (!form) return;
  const list = form.closest(".listing").querySelector(".paper-list");
  const root = document.documentElement.getAttribute("data-root") || "";
  const staticRows = Array.from(list.querySelectorAll(".paper-item"));
  let view = null;
  const cards = SL.cardsToggle(form.querySelector(".view-toggle"), list, (on) => view && view.setCards(on));

  // The indexes of the papers this list shows: all of them, or this page's (data-members
  // when the page's list has several pages).
  const scopeOf = (data) => {
    if (form.dataset.scope !== "page") return data.papers.map((_, i) => i);
    const members = new Set(form.dataset.members ? form.dataset.members.split(" ") : staticRows.map((row) => row.dataset.slug));
    const scope = [];
    data.papers.forEach((row, i) => {
      if (members.has(row[SL.ROW.slug])) scope.push(i);
    });
    return scope;
  };

  // The summaries the static rows carry, by slug: those need no loading.
  const staticSummaries = () => {
    const known = new Map();
    for (const row of staticRows) {
      const summary = row.querySelector(".summary");
      if (summary) known.set(row.dataset.slug, summary.textContent);
    }
    return known;
  };

  // The state the fields ask for after an event on `target`, given the current one.
  const next = (controls, state, target) => {
    const wanted = controls.read(state);
    if (target === controls.field("q")) {
      // Typing a filter sorts by relevance; clearing it goes back to the list's order.
      if (wanted.q && !state.q && wanted.sort === SL.DEFAULTS.sort) wanted.sort = "relevance";
      if (!wanted.q && wanted.sort === "relevance") wanted.sort = SL.DEFAULTS.sort;
      wanted.dir = wanted.sort === state.sort ? wanted.dir : SL.naturalDir(wanted.sort);
    } else if (target === controls.tagSelect && controls.tagSelect.value) {
      wanted.tags = [...state.tags, controls.tagSelect.value];
      controls.tagSelect.value = "";
    } else if (target === controls.field("sort")) {
      wanted.dir = SL.naturalDir(wanted.sort);
    }
    return wanted;
  };

  // Sends the form's events to `change(state, replace)`: typing replaces the history entry
  // its first keystroke added.
  const listen = (controls, current, change) => {
    let typing = false;
    form.addEventListener("input", (event) => {
      if (event.target !== controls.field("q")) return;
      change(next(controls, current(), event.target), typing);
      typing = true;
    });
    form.addEventListener("change", (event) => {
      if (event.target === controls.field("q")) return;
      typing = false;
      change(next(controls, current(), event.target), false);
    });
    controls.chips.addEventListener("click", (event) => {
      const chip = event.target.closest(".chip");
      if (!chip) return;
      typing = false;
      const tags = current().tags.filter((slug) => slug !== chip.dataset.slug);
      change({ ...current(), tags }, false);
      (controls.chips.querySelector(".chip") || controls.tagSelect).focus();
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    window.addEventListener("popstate", () => {
      typing = false;
    });
  };

  // Shows the controls instead of the static list's page navigation; on a phone the
  // filters fold away unless some are in use.
  const reveal = (state) => {
    const filtered = state.status || state.tags.length || state.from || state.to;
    if (!filtered && window.matchMedia("(max-width: 40rem)").matches) form.querySelector(".controls-more").open = false;
    for (const node of document.querySelectorAll(".pagination, .page-range")) node.hidden = true;
    form.hidden = false;
  };

  const start = (data) => {
    const scope = scopeOf(data);
    view = new SL.View(list, data, root, new SL.Summaries(data, root, staticSummaries()));
    SL.more = () => view.more(100);
    const controls = new SL.Controls(form, data, scope);
    let state = SL.readState(location.search);
    const show = () => {
      controls.fill(state);
      const result = SL.select(data, state, scope);
      view.show(result.shown);
      controls.counts(result, state);
    };
    listen(controls, () => state, (wanted, replace) => {
      state = wanted;
      const url = location.pathname + SL.writeState(state) + location.hash;
      if (url !== location.pathname + location.search + location.hash) {
        history[replace ? "replaceState" : "pushState"](null, "", url);
      }
      show();
    });
    window.addEventListener("popstate", () => {
      state = SL.readState(location.search);
      show();
    });
    reveal(state);
    view.setCards(cards.cards());
    show();
  };

  SL.onData(start);
})();
