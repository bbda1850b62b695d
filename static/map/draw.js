// Draws the map on its canvas: points by colour group (one path per colour, so 10,000
// points are a handful of fills), highlighted points on top, region labels, then the ring
// round the paper under the pointer or keyboard focus. Colours come from map.css, per theme.
(() => {
  "use strict";
  const RADIUS = 3;
  const PALETTE_SIZE = 9; // --map-c0 .. --map-c8; the last is "other"

  const colours = (canvas) => {
    const style = getComputedStyle(canvas);
    const read = (name) => style.getPropertyValue(name).trim();
    return {
      palette: Array.from({ length: PALETTE_SIZE }, (_, i) => read(`--map-c${i}`)),
      background: read("--map-bg"),
      text: read("--map-fg"),
      halo: read("--map-halo"),
    };
  };

  // Many points: squares, several times faster to fill than arcs and alike at this size.
  const SQUARES_FROM = 3000;

  // Reading computed styles each frame costs a style pass: only when the theme changes.
  const dark = matchMedia("(prefers-color-scheme: dark)");
  let themed = { key: null, value: null };
  const themeOf = (canvas) => {
    const key = `${document.documentElement.getAttribute("data-theme")} ${dark.matches}`;
    if (themed.key !== key) themed = { key, value: colours(canvas) };
    return themed.value;
  };

  const dots = (ctx, view, state, indexes, radius) => {
    const square = state.count >= SQUARES_FROM;
    const unit = view.unit, dx = view.dx, dy = view.dy, width = view.width, height = view.height;
    ctx.beginPath();
    for (const i of indexes) {
      const sx = state.xs[i] * unit + dx, sy = state.ys[i] * unit + dy;
      if (sx < -radius || sy < -radius || sx > width + radius || sy > height + radius) continue;
      if (square) {
        ctx.rect(sx - radius, sy - radius, 2 * radius, 2 * radius);
      } else {
        ctx.moveTo(sx + radius, sy);
        ctx.arc(sx, sy, radius, 0, 2 * Math.PI);
      }
    }
    ctx.fill();
  };

  // Colour groups change only with the form's choices (state.version), not on pan or zoom.
  let cached = { state: null, version: -1, value: null };
  const groupsOf = (state) => {
    if (cached.state !== state || cached.version !== state.version) {
      cached = { state, version: state.version, value: groups(state) };
    }
    return cached.value;
  };

  const groups = (state) => {
    const found = Array.from({ length: PALETTE_SIZE }, () => ({ plain: [], marked: [] }));
    let shown = 0, marked = 0;
    for (let i = 0; i < state.count; i += 1) {
      if (!state.visible[i]) continue;
      shown += 1;
      const on = state.marked === null || state.marked[i];
      if (state.marked !== null && on) marked += 1;
      found[state.colour[i]][on ? "marked" : "plain"].push(i);
    }
    return { found, shown, marked };
  };

  const labels = (ctx, view, state, theme) => {
    ctx.font = "600 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 4;
    ctx.strokeStyle = theme.halo;
    ctx.fillStyle = theme.text;
    for (const region of state.regions) {
      const [sx, sy] = view.toScreen(region.x, region.y);
      ctx.strokeText(region.label, sx, sy);
      ctx.fillText(region.label, sx, sy);
    }
  };

  const ring = (ctx, view, state, index, theme) => {
    if (index < 0) return;
    const [sx, sy] = view.toScreen(state.xs[index], state.ys[index]);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = theme.text;
    ctx.beginPath();
    ctx.arc(sx, sy, RADIUS + 5, 0, 2 * Math.PI);
    ctx.stroke();
  };

  /* Draws `state` ({count, xs, ys, colour, visible, marked|null, regions, active}) and
   * returns how many points are shown and, of those, highlighted: {shown, marked}. */
  const draw = (canvas, view, state) => {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(view.width * ratio), height = Math.round(view.height * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext("2d");
    const theme = themeOf(canvas);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, view.width, view.height);
    const { found, shown, marked } = groupsOf(state);
    ctx.globalAlpha = state.marked === null ? 0.85 : 0.18;
    found.forEach((group, c) => { ctx.fillStyle = theme.palette[c]; dots(ctx, view, state, group.plain, RADIUS); });
    ctx.globalAlpha = 1;
    const big = state.marked === null ? RADIUS : RADIUS + 1.5;
    found.forEach((group, c) => { ctx.fillStyle = theme.palette[c]; dots(ctx, view, state, group.marked, big); });
    labels(ctx, view, state, theme);
    ring(ctx, view, state, state.active, theme);
    return { shown, marked };
  };

  window.SitegenMap = Object.assign(window.SitegenMap || {}, { draw, PALETTE_SIZE });
})();
