// The cards' summaries (each abstract's first sentence). The static rows carry their own;
// every other paper's come from list/summaries-N.js, a chunk of papers at a time, loaded
// only once a card needs one: scripts, not fetch, so that the site works from file:// too.
(() => {
  "use strict";
  const SL = window.SitegenList;
  const loaded = new Map(); // chunk number -> its summaries, in list/papers.js's order
  const waiting = new Map(); // chunk number -> the callbacks for when it arrives

  class Summaries {
    // `known`: slug -> summary, for papers whose summary the page has already.
    constructor(data, root, known) {
      this.data = data;
      this.root = root;
      this.known = known;
      this.size = data.summaries.chunk;
    }

    // Paper `i`'s summary, or undefined while its chunk is not loaded.
    get(i) {
      const chunk = loaded.get(Math.floor(i / this.size));
      return chunk ? chunk[i % this.size] : this.known.get(this.data.papers[i][SL.ROW.slug]);
    }

    // The papers of chunk `number`, by index.
    chunk(number) {
      return { start: number * this.size, end: (number + 1) * this.size };
    }

    // Loads the chunks of the papers `indexes` whose summaries are missing; `ready(number)`
    // is called as each arrives.
    want(indexes, ready) {
      const numbers = new Set();
      for (const i of indexes) if (this.get(i) === undefined) numbers.add(Math.floor(i / this.size));
      for (const number of numbers) {
        if (loaded.has(number)) continue;
        if (!waiting.has(number)) {
          waiting.set(number, new Set());
          const script = document.createElement("script");
          script.src = this.root + this.data.summaries.path.replace("{number}", number);
          script.onerror = () => waiting.delete(number); // asked again by the next draw
          document.head.appendChild(script);
        }
        waiting.get(number).add(ready);
      }
    }
  }

  // Called by each list/summaries-N.js once loaded.
  SL.receiveSummaries = (number, summaries) => {
    loaded.set(number, summaries);
    for (const ready of waiting.get(number) || []) ready(number);
    waiting.delete(number);
  };
  SL.Summaries = Summaries;
})();
