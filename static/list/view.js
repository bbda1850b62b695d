// Draws the rows a list shows, in the markup of templates/_paper_item.html, a chunk at a
// time: the next chunk is drawn as the reader scrolls near the end, so even 10,000 papers
// never draw (or freeze the page) at once. A paper's row is built once and reused by every
// later sort or filter that shows it. In the cards view, each card's summary is loaded as
// its card is drawn (summaries.js).
(() => {
  "use strict";
  const { ROW } = window.SitegenList;
  const FIRST_CHUNK = 50;
  const CHUNK = 100;
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const link = (className, href, text, title) => {
    const a = el("a", className, text);
    a.href = href;
    if (title) a.title = title;
    if (/^https?:/.test(href)) a.rel = "noopener";
    return a;
  };

  // "6 June 2025", as the pages write dates (sitegen's `longdate`).
  const longDate = (days) => {
    const date = new Date(days * 86400000);
    return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  };

  class View {
    constructor(list, data, root, summaries) {
      this.list = list;
      this.data = data;
      this.root = root;
      this.summaries = summaries; // a SitegenList.Summaries
      this.cards = false;
      this.order = [];
      this.drawn = 0;
      this.rows = new Map(); // paper index -> its row, built on first use
      this.sentinel = el("li", "list-sentinel");
      this.sentinel.setAttribute("aria-hidden", "true");
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) this.more(CHUNK);
      }, { rootMargin: "600px 0px" });
    }

    show(order) {
      this.order = order;
      this.drawn = 0;
      // Rows are reused: a new order starts with no row marked by j/k (keys.js).
      for (const row of this.list.querySelectorAll(".is-current")) row.classList.remove("is-current");
      this.list.replaceChildren();
      this.more(FIRST_CHUNK);
    }

    // Cards show summaries: from now on those of the drawn rows are loaded as needed.
    setCards(cards) {
      this.cards = cards;
      this.wantSummaries(0, this.drawn);
    }

    // Loads the summaries of the rows drawn from `start` to `end` (in the cards view).
    wantSummaries(start, end) {
      if (!this.cards || start >= end) return;
      this.summaries.want(this.order.slice(start, end), (number) => this.fillSummaries(number));
    }

    // Gives the rows built so far of the papers of summary chunk `number` their summaries.
    fillSummaries(number) {
      const { start, end } = this.summaries.chunk(number);
      for (let i = start; i < end; i += 1) {
        const item = this.rows.get(i);
        if (!item || item.querySelector(".summary")) continue;
        const summary = this.summaries.get(i);
        if (summary) item.appendChild(el("p", "summary", summary));
      }
    }

    // Draws `count` more rows (to the end at most); true if any were drawn.
    more(count) {
      const start = this.drawn;
      const end = Math.min(this.order.length, start + count);
      if (end <= start) return false;
      const fragment = document.createDocumentFragment();
      for (let k = start; k < end; k += 1) fragment.appendChild(this.cachedRow(this.order[k]));
      this.sentinel.remove();
      this.list.appendChild(fragment);
      this.drawn = end;
      this.wantSummaries(start, end);
      if (end < this.order.length) {
        this.list.appendChild(this.sentinel);
        this.observer.observe(this.sentinel);
      }
      return true;
    }

    // A page's address from the build's own patterns (sitegen/urls.py), never a copy.
    page(kind, slug) {
      return this.root + this.data.pages[kind].replace("{slug}", slug);
    }

    cachedRow(i) {
      let row = this.rows.get(i);
      if (!row) {
        row = this.row(i);
        this.rows.set(i, row);
      }
      return row;
    }

    row(i) {
      const row = this.data.papers[i];
      const slug = row[ROW.slug];
      const status = this.data.statuses[row[ROW.status]];
      const item = el("li", "paper-item");
      item.dataset.slug = slug;
      item.dataset.status = status;
      const heading = el("h2", "paper-item-title");
      heading.appendChild(link("", this.page("paper", slug), row[ROW.title]));
      item.appendChild(heading);
      item.appendChild(el("span", "row-authors", row[ROW.authors]));
      const when = el("span", "row-when");
      if (row[ROW.year]) when.textContent = String(row[ROW.year]);
      else when.appendChild(el("time", "", longDate(row[ROW.days])));
      item.appendChild(when);
      item.appendChild(el("span", "row-venue", row[ROW.venue] >= 0 ? this.data.venues[row[ROW.venue]] : ""));
      const badge = el("span", "row-status");
      if (status !== this.data.statuses[0]) badge.appendChild(el("span", `status status-${status}`, status.replace("-", " ")));
      item.appendChild(badge);
      if (row[ROW.tags].length) item.appendChild(this.tags(row[ROW.tags]));
      item.appendChild(this.links(row));
      const summary = this.summaries.get(i);
      if (summary) item.appendChild(el("p", "summary", summary));
      return item;
    }

    tags(indexes) {
      const list = el("ul", "tags");
      list.setAttribute("aria-label", "Tags");
      for (const t of indexes) {
        const [slug, name] = this.data.tags[t];
        const li = el("li");
        li.appendChild(link("tag", this.page("tag", slug), name));
        list.appendChild(li);
      }
      return list;
    }

    links(row) {
      const span = el("span", "row-links");
      const arxiv = row[ROW.arxiv];
      const doi = row[ROW.doi];
      if (arxiv) {
        const id = encodeURIComponent(arxiv).replace(/%2F/g, "/"); // as Jinja's urlencode
        span.appendChild(link("link-icon", `https://arxiv.org/abs/${id}`, "arXiv", `arXiv:${arxiv}`));
        span.appendChild(link("link-icon", `https://arxiv.org/pdf/${id}`, "PDF", "PDF from arXiv"));
      }
      if (doi) span.appendChild(link("link-icon", `https://doi.org/${encodeURIComponent(doi).replace(/%2F/g, "/")}`, "DOI", `DOI:${doi}`));
      if (/^https?:\/\//i.test(row[ROW.url]) && !arxiv && !doi) span.appendChild(link("link-icon", row[ROW.url], "Link", row[ROW.url]));
      return span;
    }
  }

  window.SitegenList.View = View;
})();
