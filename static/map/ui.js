// Starts the map: reads window.SitegenMapData (map/data.js) and the points' tags,
// window.SitegenMapTags (map/tags.js), shows the canvas and its form,
// and picks papers: hover or arrow keys show a paper's card, a click or Enter opens it.
// Without JavaScript the page is the list of regions below the map (a page each lists its
// papers), which stays for screen readers too. The canvas's data-points and data-marked say
// how many points are drawn and highlighted (tests read them).
(() => {
  "use strict";
  const M = window.SitegenMap;
  // The points with their tags. Tags of another build's points (a file out of a stale
  // cache, which `order` tells) would be wrong: the points then show none.
  const withTags = (points, tagging) => {
    if (!points) return null;
    if (tagging && tagging.order === points.order) return { ...points, ...tagging };
    console.warn("sitegen: map/tags.js is not of this map/data.js; tags left out");
    return { ...points, tags: [], tagSlugs: [], paperTags: points.slug.map(() => []), regions: [] };
  };
  const data = withTags(window.SitegenMapData, window.SitegenMapTags);
  const canvas = document.getElementById("map-canvas");
  if (!canvas) return;
  const status = document.getElementById("map-status");
  if (!data || !M || !M.View || !M.Controls) {
    status.textContent = "The map could not be loaded; the regions below lead to every paper.";
    return;
  }
  const root = document.documentElement.getAttribute("data-root") || "";
  const card = document.getElementById("map-card");
  const PICK = 10; // pixels from a point that still pick it

  const state = {
    count: data.count,
    xs: Float32Array.from({ length: data.count }, (_, i) => data.xy[2 * i] / 10000),
    ys: Float32Array.from({ length: data.count }, (_, i) => data.xy[2 * i + 1] / 10000),
    colour: new Uint8Array(data.count),
    visible: new Uint8Array(data.count).fill(1),
    marked: null,
    version: 0, // goes up whenever colour, marked or visible change
    regions: data.regions,
    active: -1,
  };

  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const drawn = M.draw(canvas, view, state);
      canvas.setAttribute("data-points", String(drawn.shown));
      canvas.setAttribute("data-marked", String(drawn.marked));
      if (!performance.getEntriesByName("sitegen-map-drawn").length) performance.mark("sitegen-map-drawn");
      placeCard();
    });
  };
  for (const id of ["map-controls", "map-frame", "map-legend", "map-help"]) document.getElementById(id).hidden = false;
  const view = new M.View(canvas, redraw);

  M.searchIndex = () => window.SitegenSearch.load();

  const nearest = (sx, sy, accept) => {
    let best = -1, bestDistance = Infinity;
    for (let i = 0; i < state.count; i += 1) {
      if (!state.visible[i] || !accept(i)) continue;
      const [px, py] = view.toScreen(state.xs[i], state.ys[i]);
      const distance = (px - sx) ** 2 + (py - sy) ** 2;
      if (distance < bestDistance) { best = i; bestDistance = distance; }
    }
    return { index: best, distance: Math.sqrt(bestDistance) };
  };

  const href = (i) => root + data.pattern.replace("{slug}", encodeURIComponent(data.slug[i]));

  function placeCard() {
    const i = state.active;
    if (i < 0 || !state.visible[i]) { card.hidden = true; return; }
    const title = document.createElement("strong");
    title.textContent = data.title[i];
    const year = data.year[i] || data.added[i];
    const tags = data.paperTags[i].map((t) => data.tags[t]).join(", ");
    const detail = document.createElement("span");
    detail.textContent = tags ? `${year} · ${tags}` : `${year}`;
    card.replaceChildren(title, detail);
    card.hidden = false;
    const [sx, sy] = view.toScreen(state.xs[i], state.ys[i]);
    const left = Math.min(Math.max(0, sx + 12), Math.max(0, view.width - card.offsetWidth));
    card.style.left = `${left}px`;
    card.style.top = `${sy + 12 + card.offsetHeight > view.height ? Math.max(0, sy - 12 - card.offsetHeight) : sy + 12}px`;
  }

  const activate = (i, announce) => {
    if (i === state.active) return;
    state.active = i;
    if (announce && i >= 0) status.textContent = `${data.title[i]} (${data.year[i] || data.added[i]})`;
    redraw();
  };

  const under = (event) => {
    const [sx, sy] = view.local(event);
    const found = nearest(sx, sy, () => true);
    return found.distance <= PICK ? found.index : -1;
  };

  canvas.addEventListener("pointermove", (event) => { if (!view.pointers.size) activate(under(event), false); });
  canvas.addEventListener("pointerleave", () => activate(-1, false));
  canvas.addEventListener("click", (event) => {
    const i = under(event);
    if (!view.dragged && i >= 0) location.href = href(i);
  });

  /* Arrow keys: the nearest shown paper in that direction (within a 90° cone). */
  const step = (dx, dy) => {
    if (state.active < 0 || !state.visible[state.active]) {
      return nearest(view.width / 2, view.height / 2, () => true).index;
    }
    const [ax, ay] = view.toScreen(state.xs[state.active], state.ys[state.active]);
    return nearest(ax + dx * 1e-3, ay + dy * 1e-3, (i) => {
      const [px, py] = view.toScreen(state.xs[i], state.ys[i]);
      const along = (px - ax) * dx + (py - ay) * dy, across = Math.abs((px - ax) * dy - (py - ay) * dx);
      return i !== state.active && along > 0 && along >= across;
    }).index;
  };
  const directions = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  canvas.addEventListener("keydown", (event) => {
    if (directions[event.key] && !event.shiftKey) {
      event.preventDefault();
      const next = step(...directions[event.key]);
      if (next >= 0) { view.reveal(state.xs[next], state.ys[next]); activate(next, true); }
    } else if (event.key === "Enter" && state.active >= 0) {
      location.href = href(state.active);
    } else if (event.key === "Escape") {
      activate(-1, false);
    }
  });
  canvas.addEventListener("focus", () => { if (state.active < 0) activate(step(0, 0), true); });

  new ResizeObserver(redraw).observe(canvas);
  // The theme toggle or the system's setting recolours the map.
  new MutationObserver(redraw).observe(document.documentElement, { attributeFilter: ["data-theme"] });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
  new M.Controls(data, state, redraw);
  view.fit();
  const wanted = data.slug.indexOf(new URLSearchParams(location.search).get("paper"));
  if (wanted >= 0) {
    view.centreOn(state.xs[wanted], state.ys[wanted], 4);
    activate(wanted, true);
  }

  /* For tests and tools: where a paper's point is on the canvas, in CSS pixels. */
  M.pointOf = (slug) => {
    const i = data.slug.indexOf(slug);
    return i < 0 ? null : view.toScreen(state.xs[i], state.ys[i]);
  };
})();
