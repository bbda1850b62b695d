/* sitegen search, 3 of 3: the results UI, on the search page and in the header box's dropdown.
 * Links are the build's URL patterns (search/index.js's urls) under the page's root.
 */
(() => {
  "use strict";

  const S = window.SitegenSearch;
  const PAGE_SIZE = 20;
  const HEADER_SIZE = 8;
  // A query runs in the task after a keystroke: keystrokes that arrive together (a paste, a
  // busy page) make one query, and none waits for a pause (a query takes a few ms once its
  // shards are loaded; a run overtaken by the next keystroke neither queries nor draws).
  const TYPING_PAUSE = 0;
  const URL_PAUSE = 300; // ms without a keystroke before the address shows the query

  /* A page of the site: pattern (e.g. "papers/{slug}.html") filled in, under the root. */
  const url = (pattern, slug) => S.root + pattern.replace("{slug}", () => slug);

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  };

  const stems = new Map(); // word -> its lunr term: results show the same words again and again
  const stemOf = (word) => {
    let term = stems.get(word);
    if (term === undefined) stems.set(word, term = word ? lunr.stemmer(new lunr.Token(word)).toString() : "");
    return term;
  };

  /* The words of text, with those whose lunr term is in matched wrapped in <mark>. */
  const highlight = (text, matched) => {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(/[^\s-]+/g)) {
      const [, before, core] = /^(\W*)(.*?)(\W*)$/.exec(m[0]);
      const term = stemOf(core.toLowerCase());
      if (!term || !matched[term]) continue;
      const start = m.index + before.length, end = start + core.length;
      fragment.append(text.slice(last, start), el("mark", null, text.slice(start, end)));
      last = end;
    }
    fragment.append(text.slice(last));
    return fragment;
  };

  /* What the engine did to the query, in words: typo corrections, any-word fallback. */
  const notes = ({ corrections = [], some = false }) => {
    const out = [];
    if (corrections.length) {
      out.push(`Showing results for ${corrections.map(([a, b]) => `${a} \u2192 ${b}`).join(", ")}.`);
    }
    if (some) out.push("No paper has all the words; showing papers with some of them.");
    return out.length ? ` ${out.join(" ")}` : "";
  };

  /* The terms the shown results matched: only theirs are read (reading one builds it). */
  const matchedTerms = (results) => {
    const matched = Object.create(null);
    for (const r of results) for (const t of Object.keys(r.matchData.metadata)) matched[t] = true;
    return matched;
  };

  /* "6 June 2025" from "2025-06-06", as the pages and lists write dates (sitegen's `longdate`). */
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const longDate = (iso) => {
    const [year, month, day] = iso.split("-").map(Number);
    return `${day} ${MONTHS[month - 1]} ${year}`;
  };

  /* The tags as the lists draw them (templates/_paper_item.html): a list of pill links. */
  const renderTags = (engine, ids) => {
    const { tags, urls } = engine.payload;
    const list = el("ul", "tags");
    list.setAttribute("aria-label", "Tags");
    for (const id of ids) {
      const [name, slug] = tags[id];
      const tag = el("a", "tag", name);
      tag.href = url(urls.tag, slug);
      list.appendChild(el("li")).append(tag);
    }
    return list;
  };

  const renderItem = (engine, entry, matched, withText) => {
    const item = el("li", "search-result");
    const link = el("a", "search-result-title");
    link.href = url(engine.payload.urls.paper, entry.slug);
    link.append(highlight(entry.title, matched));
    item.append(link);
    const meta = el("div", "search-result-meta");
    const time = el("time", null, longDate(entry.date));
    time.setAttribute("datetime", entry.date);
    meta.append(time);
    if (entry.tags.length) meta.append(renderTags(engine, entry.tags));
    item.append(meta);
    if (withText && entry.text) item.appendChild(el("p", "search-result-text")).append(highlight(entry.text, matched));
    return item;
  };

  /* Store entries of the first count results. */
  const topEntries = (engine, results, count) => engine.entries(results.slice(0, count).map((r) => +r.ref));

  /* Arrow keys move focus between the input and result links; Enter follows the focused link. */
  const keyboard = (input, list) => {
    const move = (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const all = Array.from(list.querySelectorAll("a.search-result-title"));
      const at = all.indexOf(document.activeElement);
      if (!all.length || (at < 0 && event.target !== input)) return;
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) input.focus();
      else all[Math.min(next, all.length - 1)].focus();
    };
    input.addEventListener("keydown", move);
    list.addEventListener("keydown", move);
  };

  /* Search page: results as you type, the query kept in the URL. */
  const attachPage = (engine, page, headerBox) => {
    const input = document.getElementById("search-q"), status = document.getElementById("search-status");
    const list = document.getElementById("search-results"), more = document.getElementById("search-more");
    const baseTitle = document.title;
    let lastUrlChange = 0, runs = 0, timer = null, urlTimer = null;

    // data-query names the query the page shows, once it is fully rendered (tests wait on it).
    const show = (message, state, text) => {
      status.textContent = message;
      page.setAttribute("data-state", state);
      page.setAttribute("data-query", text);
    };

    const clear = () => {
      list.textContent = "";
      more.hidden = true;
    };

    // Results replace the list once ready (shards may load first); only the latest run shows.
    const run = (text, shown) => {
      const mine = ++runs, trimmed = text.trim();
      document.title = trimmed ? `\u201c${trimmed}\u201d \u2013 ${baseTitle}` : baseTitle;
      if (!trimmed) {
        clear();
        return show(`Type a word from a title, tag, author or abstract to search ${plural(engine.payload.docs, "paper")}.`, "empty", text);
      }
      return engine.search(text, () => mine === runs).then((outcome) => {
        const { error, results } = outcome;
        if (mine !== runs) return;
        if (error) {
          clear();
          return show(error, "error", text);
        }
        if (!results.length) {
          clear();
          return show(`No papers match \u201c${trimmed}\u201d. Try fewer or shorter words.`, "none", text);
        }
        const matched = matchedTerms(results.slice(0, shown));
        return topEntries(engine, results, shown).then((entries) => {
          if (mine !== runs) return;
          clear();
          for (const entry of entries) list.append(renderItem(engine, entry, matched, true));
          more.hidden = results.length <= shown;
          more.onclick = () => run(text, shown + PAGE_SIZE);
          const showing = results.length > shown ? `, showing the first ${shown}` : "";
          show(`${plural(results.length, "paper")} found for \u201c${trimmed}\u201d${showing}.${notes(outcome)}`, "results", text);
        });
      });
    };

    // Typing replaces the current history entry; a pause of a second starts a new one,
    // so Back steps through the searches a reader actually looked at.
    const remember = (text) => {
      const address = location.pathname + (text ? `?q=${encodeURIComponent(text)}` : "");
      const now = Date.now(), method = now - lastUrlChange > 1000 ? "pushState" : "replaceState";
      lastUrlChange = now;
      try {
        history[method]({ q: text }, "", address);
      } catch {
        // file:// may refuse; results still work
      }
    };

    // The address follows typing after a pause: history calls take ms a keystroke can spare.
    const onInput = (source) => {
      if (source !== input) input.value = source.value;
      if (headerBox && source !== headerBox) headerBox.value = input.value;
      clearTimeout(timer);
      clearTimeout(urlTimer);
      timer = setTimeout(() => run(input.value, PAGE_SIZE), TYPING_PAUSE);
      urlTimer = setTimeout(() => remember(input.value), URL_PAUSE);
    };

    const fromUrl = () => {
      const q = new URLSearchParams(location.search).get("q") || "";
      input.value = q;
      if (headerBox) headerBox.value = q;
      run(q, PAGE_SIZE);
    };

    input.addEventListener("input", () => onInput(input));
    if (headerBox) headerBox.addEventListener("input", () => onInput(headerBox));
    input.form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      clearTimeout(urlTimer);
      lastUrlChange = 0;
      remember(input.value);
      run(input.value, PAGE_SIZE);
    });
    window.addEventListener("popstate", fromUrl);
    keyboard(input, list);
    page.setAttribute("data-ready", "true");
    fromUrl();
    if (!input.value) input.focus();
  };

  /* Header box on other pages: a short dropdown of results and a link to all of them. */
  const attachHeader = (engine, box) => {
    const form = box.form, panel = el("div", "site-search-panel");
    const list = el("ol", "search-results"), status = el("p", "site-search-status");
    let runs = 0, timer = null;
    panel.id = "site-search-panel";
    panel.hidden = true;
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    panel.append(status, list);
    form.append(panel);
    box.setAttribute("aria-controls", panel.id);

    const close = () => {
      panel.hidden = true;
    };
    const run = () => {
      const text = box.value, mine = ++runs;
      if (!text.trim()) {
        list.textContent = "";
        status.textContent = "";
        return close();
      }
      panel.hidden = false;
      engine.search(text, () => mine === runs).then((outcome) => {
        const { error, results } = outcome;
        if (mine !== runs) return;
        if (error || !results.length) {
          list.textContent = "";
          status.textContent = error || `No papers match \u201c${text.trim()}\u201d.`;
          return;
        }
        const matched = matchedTerms(results.slice(0, HEADER_SIZE));
        return topEntries(engine, results, HEADER_SIZE).then((entries) => {
          if (mine !== runs) return;
          list.textContent = "";
          for (const entry of entries) list.append(renderItem(engine, entry, matched, false));
          const all = el("a", "site-search-all", `All ${plural(results.length, "result")} \u2192`);
          all.href = `${S.root}${engine.payload.urls.search}?q=${encodeURIComponent(text)}`;
          status.textContent = notes(outcome);
          status.prepend(all);
        });
      });
    };
    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, TYPING_PAUSE);
    });
    box.addEventListener("focus", run);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) {
        close();
        box.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!form.contains(event.target)) close();
    });
    keyboard(box, list);
    run();
  };

  S.ui = { attachPage, attachHeader };
})();
