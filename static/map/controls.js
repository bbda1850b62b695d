// The map's form: colour by status or by tag, a highlighted tag, a search (through the site's
// search index: static/search.js) and a time window of years. Each sets the state's colour,
// marked and visible arrays and keeps its choice in the URL (?by=&from=&to=&tag=&colour=).
(() => {
  "use strict";
  const M = window.SitegenMap;

  const byId = (id) => document.getElementById(id);

  const option = (value, text) => {
    const element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  };

  /* Tag indexes by how many papers carry them, most first. */
  const tagsByCount = (data) => {
    const counts = new Array(data.tags.length).fill(0);
    for (const tags of data.paperTags) for (const t of tags) counts[t] += 1;
    return { counts, order: counts.map((_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b) };
  };

  class Controls {
    constructor(data, state, changed) {
      this.data = data;
      this.state = state;
      this.changed = changed;
      this.tags = tagsByCount(data);
      this.found = null; // refs the search found, or null without a search
      this.slugToTag = new Map(data.tags.map((name, i) => [data.tagSlugs[i], i]));
      this.fill();
      this.restore(new URLSearchParams(location.search));
      this.bind();
      this.apply();
    }

    fill() {
      const select = byId("map-tag");
      for (const t of [...this.tags.order].sort((a, b) => this.data.tags[a].localeCompare(this.data.tags[b]))) {
        select.appendChild(option(this.data.tagSlugs[t], `${this.data.tags[t]} (${this.tags.counts[t]})`));
      }
    }

    restore(params) {
      if (params.get("colour") === "tag") byId("map-colour").value = "tag";
      if (this.slugToTag.has(params.get("tag"))) byId("map-tag").value = params.get("tag");
      if (params.get("by") === "published") byId("map-by").value = "published";
      this.years(params.get("from"), params.get("to"));
    }

    /* Sets the sliders' range to the chosen date's years, keeping `from` and `to` if given. */
    years(from, to) {
      // A loop, not Math.min(...years): tens of thousands of arguments overflow the stack.
      let low = Infinity, high = -Infinity;
      for (const year of this.dates()) if (year > 0) { low = Math.min(low, year); high = Math.max(high, year); }
      if (low > high) low = high = 0;
      for (const [id, value] of [["map-from", from || low], ["map-to", to || high]]) {
        const input = byId(id);
        input.min = low;
        input.max = high;
        input.value = Math.min(high, Math.max(low, Number(value)));
      }
    }

    dates() { return byId("map-by").value === "published" ? this.data.year : this.data.added; }

    bind() {
      for (const id of ["map-colour", "map-tag", "map-from", "map-to"]) byId(id).addEventListener("input", () => this.apply());
      byId("map-by").addEventListener("input", () => { this.years(); this.apply(); });
      let timer = 0;
      byId("map-search").addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(() => this.search(byId("map-search").value.trim()), 150);
      });
      byId("map-controls").addEventListener("submit", (event) => event.preventDefault());
    }

    search(text) {
      if (!text || !M.searchIndex) {
        this.found = null;
        this.apply();
        return;
      }
      M.searchIndex().then((engine) => engine.search(text)).then((answer) => {
        if (byId("map-search").value.trim() !== text) return; // a newer query is on its way
        this.found = new Set((answer.results || []).map((result) => Number(result.ref)));
        this.apply();
      });
    }

    apply() {
      const { data, state } = this;
      const byTag = byId("map-colour").value === "tag";
      const top = this.tags.order.slice(0, M.PALETTE_SIZE - 1);
      const tagSlug = byId("map-tag").value;
      const tag = tagSlug ? this.slugToTag.get(tagSlug) : -1;
      const from = Number(byId("map-from").value), to = Number(byId("map-to").value);
      const whole = from <= Number(byId("map-from").min) && to >= Number(byId("map-to").max);
      const dates = this.dates();
      const marking = tag >= 0 || this.found !== null;
      state.marked = marking ? new Uint8Array(state.count) : null;
      for (let i = 0; i < state.count; i += 1) {
        const own = data.paperTags[i];
        state.colour[i] = byTag ? this.tagColour(own, top) : data.status[i];
        state.visible[i] = whole || (dates[i] >= from && dates[i] <= to) ? 1 : 0;
        if (marking) state.marked[i] = (tag < 0 || own.includes(tag)) && (this.found === null || this.found.has(i)) ? 1 : 0;
      }
      state.version += 1;
      byId("map-years").textContent = from === to ? `${from}` : `${from}–${to}`;
      this.legend(byTag ? top.map((t) => data.tags[t]).concat(["other tags"]) : data.statuses);
      this.remember({ colour: byTag ? "tag" : "", tag: tagSlug, by: byId("map-by").value === "published" ? "published" : "", from: whole ? "" : from, to: whole ? "" : to });
      this.changed();
    }

    tagColour(own, top) {
      let best = M.PALETTE_SIZE - 1;
      for (const t of own) {
        const rank = top.indexOf(t);
        if (rank >= 0 && rank < best) best = rank;
      }
      return best;
    }

    legend(names) {
      const list = byId("map-legend");
      list.replaceChildren(...names.map((name, i) => {
        const item = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = `map-swatch map-swatch-${i === names.length - 1 && names.length === M.PALETTE_SIZE ? M.PALETTE_SIZE - 1 : i}`;
        item.append(swatch, name);
        return item;
      }));
    }

    remember(values) {
      const params = new URLSearchParams(location.search);
      for (const [key, value] of Object.entries(values)) {
        if (value !== "") params.set(key, value); else params.delete(key);
      }
      const query = params.toString();
      history.replaceState(null, "", query ? `?${query}` : location.pathname);
    }
  }

  M.Controls = Controls;
})();
