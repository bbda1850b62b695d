// The paper lists' state and selection: what the URL says (?sort=title&tags=a,b...), and
// which papers of the data file (list/papers.js, sitegen/render/listing.py) it shows, in
// which order. No DOM here: view.js draws, main.js wires the controls.
(() => {
  "use strict";

  // The fields of one paper row in list/papers.js; its tags come from list/tags.js.
  const ROW = {
    slug: 0, title: 1, authors: 2, moreAuthors: 3, days: 4, year: 5, venue: 6, status: 7,
    arxiv: 8, doi: 9, url: 10, tags: 11,
  };
  const DEFAULTS = { q: "", sort: "added", dir: "", status: "", tags: [], mode: "all", from: "", to: "" };
  const SORTS = ["added", "year", "title", "author", "relevance"];
  // Dates and years read newest first, names from A.
  const naturalDir = (sort) => (sort === "title" || sort === "author" ? "asc" : "desc");

  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

  const readState = (search) => {
    const params = new URLSearchParams(search);
    const year = (name) => (/^\d{1,4}$/.test(params.get(name) || "") ? params.get(name) : "");
    const sort = SORTS.includes(params.get("sort")) ? params.get("sort") : DEFAULTS.sort;
    const dir = params.get("dir") === "asc" || params.get("dir") === "desc" ? params.get("dir") : "";
    return {
      q: params.get("q") || "",
      sort,
      dir: dir || naturalDir(sort),
      status: params.get("status") || "",
      tags: (params.get("tags") || params.get("tag") || "").split(",").filter(Boolean),
      mode: params.get("mode") === "any" ? "any" : "all",
      from: year("from"),
      to: year("to"),
    };
  };

  // The query string of a state; defaults are left out, so a plain list has a plain URL.
  const writeState = (state) => {
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.sort !== DEFAULTS.sort) params.set("sort", state.sort);
    if (state.dir !== naturalDir(state.sort)) params.set("dir", state.dir);
    if (state.status) params.set("status", state.status);
    if (state.tags.length) params.set("tags", state.tags.join(","));
    if (state.tags.length > 1 && state.mode === "any") params.set("mode", "any");
    if (state.from) params.set("from", state.from);
    if (state.to) params.set("to", state.to);
    const query = params.toString();
    return query ? `?${query}` : "";
  };

  // Precomputed per paper once: folded text to match, sort keys.
  const prepare = (data) => {
    const epochYear = (days) => new Date(days * 86400000).getUTCFullYear();
    data.haystacks = data.papers.map((row) => ({
      title: fold(row[ROW.title]),
      authors: fold(`${row[ROW.authors]} ${row[ROW.moreAuthors]}`),
    }));
    data.years = data.papers.map((row) => row[ROW.year] || epochYear(row[ROW.days]));
    data.firstAuthors = data.papers.map((row) => row[ROW.authors].split(",")[0]);
    data.tagIndex = new Map(data.tags.map(([slug], i) => [slug, i]));
    data.ranks = {};
    const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 200));
    idle(() => titleRanks(data));
    idle(() => authorRanks(data));
    return data;
  };

  const score = (hay, words) => {
    let total = 0;
    for (const word of words) {
      const inTitle = hay.title.indexOf(word);
      const inAuthors = hay.authors.indexOf(word);
      if (inTitle < 0 && inAuthors < 0) return -1;
      if (inTitle === 0 || (inTitle > 0 && hay.title[inTitle - 1] === " ")) total += 3;
      else if (inTitle >= 0) total += 1;
      if (inAuthors >= 0) total += 2;
    }
    return total;
  };

  // Each paper's place in alphabetical order of `key` (collating 10,000 strings takes about
  // 100 ms: done once, when the browser is idle after loading, or else on first use).
  const ranks = (data, name, key) => {
    if (!data.ranks[name]) {
      const order = data.papers.map((_, i) => i);
      const keys = data.papers.map(key);
      order.sort((a, b) => collator.compare(keys[a], keys[b]) || a - b);
      const rank = new Int32Array(order.length);
      order.forEach((i, position) => { rank[i] = position; });
      data.ranks[name] = rank;
    }
    return data.ranks[name];
  };
  const titleRanks = (data) => ranks(data, "title", (row) => row[ROW.title]);
  // Papers without authors come after Z ("\uffff" sorts after every name).
  const authorRanks = (data) => ranks(data, "author", (_, i) => data.firstAuthors[i] || "\uffff");

  const comparers = {
    added: () => (a, b) => a - b,
    year: (data) => (a, b) => data.years[b] - data.years[a] || a - b,
    title: (data) => {
      const rank = titleRanks(data);
      return (a, b) => rank[a] - rank[b];
    },
    author: (data) => {
      const rank = authorRanks(data);
      return (a, b) => rank[a] - rank[b];
    },
  };

  // Indexes of the papers `state` shows among `scope` (indexes), in its order; and, for the
  // counts, how many each status and tag would show with everything else as chosen.
  const select = (data, state, scope) => {
    const words = fold(state.q).split(/\s+/).filter(Boolean);
    const wanted = state.tags.map((slug) => data.tagIndex.get(slug)).filter((i) => i !== undefined);
    const from = state.from ? Number(state.from) : -Infinity;
    const to = state.to ? Number(state.to) : Infinity;
    const scores = new Map();
    const statusCounts = data.statuses.map(() => 0);
    const tagCounts = new Map();
    const shown = [];
    for (const i of scope) {
      const row = data.papers[i];
      if (data.years[i] < from || data.years[i] > to) continue;
      const rowTags = row[ROW.tags];
      if (wanted.length) {
        const hits = wanted.filter((t) => rowTags.includes(t)).length;
        if (state.mode === "any" ? hits === 0 : hits < wanted.length) continue;
      }
      if (words.length) {
        const s = score(data.haystacks[i], words);
        if (s < 0) continue;
        scores.set(i, s);
      }
      statusCounts[row[ROW.status]] += 1;
      if (state.status && data.statuses[row[ROW.status]] !== state.status) continue;
      for (const t of rowTags) tagCounts.set(t, (tagCounts.get(t) || 0) + 1);
      shown.push(i);
    }
    const relevance = (a, b) => scores.get(b) - scores.get(a) || a - b;
    const compare = state.sort === "relevance"
      ? (words.length ? relevance : comparers.added())
      : comparers[state.sort](data);
    shown.sort(compare);
    // Every comparer sorts its natural way; the other direction is the reverse.
    if (state.dir !== naturalDir(state.sort)) shown.reverse();
    return { shown, statusCounts, tagCounts };
  };

  // The data file's rows with the tag file's tags added. Files of two builds (one out of a
  // stale cache) may list other papers or in another order, which `order` tells: their
  // papers then show no tags rather than wrong ones.
  const joined = (data, tagging) => {
    const fits = tagging.order === data.order && tagging.paperTags.length === data.papers.length;
    if (!fits) console.warn("sitegen: list/tags.js is not of this list/papers.js; tags left out");
    data.tags = fits ? tagging.tags : [];
    data.papers.forEach((row, i) => row.push(fits ? tagging.paperTags[i] : []));
    return data;
  };

  const listeners = [];
  let received = null;
  let parts = {}; // the two files' data, until both have arrived
  const arrived = (name, value) => {
    parts[name] = value;
    if (!parts.data || !parts.tagging) return;
    received = prepare(joined(parts.data, parts.tagging));
    parts = {};
    for (const listener of listeners.splice(0)) listener(received);
  };

  window.SitegenList = {
    ROW,
    DEFAULTS,
    naturalDir,
    readState,
    writeState,
    select,
    // Called by list/papers.js and list/tags.js once loaded, in either order.
    receive: (data) => arrived("data", data),
    receiveTags: (tagging) => arrived("tagging", tagging),
    onData(listener) {
      if (received) listener(received);
      else listeners.push(listener);
    },
  };
})();
