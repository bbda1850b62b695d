// The map's viewport: where the map's [0, 1] square sits on the canvas, moved by mouse, touch
// (Pointer Events, one finger pans, two pinch) and keys (Shift+arrows pan, + and - zoom, 0 fits).
(() => {
  "use strict";
  const MIN_ZOOM = 0.5;
  const MAX_ZOOM = 400;
  const CLICK_SLOP = 4; // pixels a press may move and still count as a click

  class View {
    constructor(canvas, changed) {
      this.canvas = canvas;
      this.changed = changed;
      this.zoom = 1;
      this.dx = 0;
      this.dy = 0;
      this.pointers = new Map();
      this.dragged = false;
      this.bind();
    }

    get width() { return this.canvas.clientWidth; }

    get height() { return this.canvas.clientHeight; }

    /* Map units to canvas pixels at zoom 1: the square fills the canvas's shorter side. */
    get unit() { return Math.min(this.width, this.height) * this.zoom; }

    fit() {
      this.zoom = 1;
      this.dx = (this.width - this.unit) / 2;
      this.dy = (this.height - this.unit) / 2;
      this.changed();
    }

    toScreen(x, y) { return [x * this.unit + this.dx, y * this.unit + this.dy]; }

    toMap(sx, sy) { return [(sx - this.dx) / this.unit, (sy - this.dy) / this.unit]; }

    zoomAt(sx, sy, factor) { this.pinch(sx, sy, sx, sy, factor); }

    /* Zooms by `factor`, moving the map point at (fromX, fromY) to (toX, toY). */
    pinch(fromX, fromY, toX, toY, factor) {
      const [x, y] = this.toMap(fromX, fromY);
      this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
      this.dx = toX - x * this.unit;
      this.dy = toY - y * this.unit;
      this.changed();
    }

    panBy(px, py) {
      this.dx += px;
      this.dy += py;
      this.changed();
    }

    /* Moves the view so that map point (x, y) is in the middle, at `zoom` if given. */
    centreOn(x, y, zoom) {
      if (zoom) this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
      this.dx = this.width / 2 - x * this.unit;
      this.dy = this.height / 2 - y * this.unit;
      this.changed();
    }

    /* Keeps (x, y) inside the canvas, panning as little as needed. */
    reveal(x, y) {
      const [sx, sy] = this.toScreen(x, y);
      const margin = 24;
      const px = sx < margin ? margin - sx : sx > this.width - margin ? this.width - margin - sx : 0;
      const py = sy < margin ? margin - sy : sy > this.height - margin ? this.height - margin - sy : 0;
      if (px || py) this.panBy(px, py);
    }

    local(event) {
      const box = this.canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    }

    bind() {
      const canvas = this.canvas;
      canvas.addEventListener("wheel", (event) => {
        event.preventDefault();
        const [sx, sy] = this.local(event);
        this.zoomAt(sx, sy, Math.exp(-event.deltaY * (event.deltaMode ? 0.05 : 0.002)));
      }, { passive: false });
      canvas.addEventListener("pointerdown", (event) => {
        canvas.setPointerCapture(event.pointerId);
        this.pointers.set(event.pointerId, { at: this.local(event), start: this.local(event) });
        this.dragged = false;
      });
      canvas.addEventListener("pointermove", (event) => this.move(event));
      const lift = (event) => { this.pointers.delete(event.pointerId); };
      canvas.addEventListener("pointerup", lift);
      canvas.addEventListener("pointercancel", lift);
      canvas.addEventListener("keydown", (event) => this.key(event));
    }

    move(event) {
      const entry = this.pointers.get(event.pointerId);
      if (!entry) return;
      const now = this.local(event);
      if (Math.hypot(now[0] - entry.start[0], now[1] - entry.start[1]) > CLICK_SLOP) this.dragged = true;
      if (this.pointers.size === 2) {
        const other = [...this.pointers.values()].find((p) => p !== entry).at;
        const before = Math.hypot(entry.at[0] - other[0], entry.at[1] - other[1]);
        const after = Math.hypot(now[0] - other[0], now[1] - other[1]);
        // One finger moves at a time: what was between the fingers stays between them.
        const from = [(entry.at[0] + other[0]) / 2, (entry.at[1] + other[1]) / 2];
        if (before > 0) this.pinch(...from, (now[0] + other[0]) / 2, (now[1] + other[1]) / 2, after / before);
      } else if (this.dragged) {
        this.panBy(now[0] - entry.at[0], now[1] - entry.at[1]);
      }
      entry.at = now;
    }

    key(event) {
      const step = 60;
      const pans = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (event.shiftKey && pans[event.key]) this.panBy(...pans[event.key]);
      else if (event.key === "+" || event.key === "=") this.zoomAt(this.width / 2, this.height / 2, 1.5);
      else if (event.key === "-" || event.key === "_") this.zoomAt(this.width / 2, this.height / 2, 1 / 1.5);
      else if (event.key === "0") this.fit();
      else return;
      event.preventDefault();
    }
  }

  window.SitegenMap = Object.assign(window.SitegenMap || {}, { View });
})();
