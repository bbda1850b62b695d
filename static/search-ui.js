/* sitegen search engine and results UI, loaded on demand by search.js after lunr.js.
 *
 * 1. decodeIndex: the compact index (sitegen/search_codec.py) -> the object lunr.Index.load takes.
 * 2. Engine: lunr query syntax, plus prefix matching of the last word past its stem.
 * 3. Renderers for the search page and the header box's dropdown.
 */
(function () {
  "use strict";

  var S = window.SitegenSearch;
  var LAST = "0123456789abcdefghijklmnopqrstuv";
  var MORE = "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
  // Char code -> digit value, +32 for the non-final digits of a varint.
  var DIGIT = new Int8Array(128);
  for (var d = 0; d < 32; d++) { DIGIT[LAST.charCodeAt(d)] = d; DIGIT[MORE.charCodeAt(d)] = d + 32; }
  var NO_METADATA = Object.freeze({}); // lunr copies metadata before changing it; all of ours is empty
  var PREFIX_MARK = "\u0000"; // marks the clause whose term is a prefix to expand
  var PAGE_SIZE = 20;
  var HEADER_SIZE = 8;

  function readVarints(text) {
    var out = [], value = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT[text.charCodeAt(i)];
      if (digit < 32) { out.push(value * 32 + digit); value = 0; } else value = value * 32 + digit - 32;
    }
    return out;
  }

  /* Reads one varint at text[pos]; returns [value, next position]. */
  function readVarint(text, pos) {
    var value = 0;
    for (;;) {
      var digit = DIGIT[text.charCodeAt(pos++)];
      if (digit < 32) return [value * 32 + digit, pos];
      value = value * 32 + digit - 32;
    }
  }

  function frontDecode(text) {
    var terms = [], previous = "";
    if (!text) return terms;
    var parts = text.split(" ");
    for (var i = 0; i < parts.length; i++) {
      var read = readVarint(parts[i], 0);
      previous = previous.slice(0, read[0]) + parts[i].slice(read[1]);
      terms.push(previous);
    }
    return terms;
  }

  /* Python's round(x, 3) for x >= 0: toFixed rounds the exact binary value, ties away from zero;
   * Python rounds ties to even. A tie at 3 decimals means x is an odd multiple of 1/16. */
  function round3(x) {
    var scaled = x * 1000, k = Math.round(scaled);
    // Away from a tie, x * 1000's own rounding cannot change k, and k / 1000 is the double
    // nearest the decimal, as Python returns. Near one, do it exactly.
    if (Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6) return k / 1000;
    var sixteenths = x * 16;
    if (Number.isInteger(sixteenths) && sixteenths % 2 === 1) {
      var k = Math.floor(x * 1000);
      return (k % 2 === 0 ? k : k + 1) / 1000;
    }
    return +x.toFixed(3);
  }

  // A message task, not setTimeout: nested timeouts are clamped to 4 ms each.
  function yieldToPage() {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { resolve(); };
      channel.port2.postMessage(null);
    });
  }

  /* entry[field] is lunr's {ref: metadata} posting, built on first read: a query reads the
   * postings of its few terms only, and building all of them is most of the decoding time. */
  function lazyPosting(entry, field, scratch, start, end) {
    var docs = new Int32Array(end - start);
    for (var i = start; i < end; i++) docs[i - start] = scratch[i * 3 + 1];
    Object.defineProperty(entry, field, {
      configurable: true, enumerable: true,
      get: function () {
        var posting = {};
        for (var k = 0; k < docs.length; k++) posting[docs[k]] = NO_METADATA;
        Object.defineProperty(entry, field, { value: posting, writable: true, enumerable: true, configurable: true });
        return posting;
      }
    });
  }

  /* Mirrors search_codec.decode (Python), in time slices so a large index never freezes the page. */
  function decodeIndex(payload) {
    var fields = payload.fields, n = payload.docs, k1 = payload.k1, b = payload.b, F = fields.length;
    var boosts = payload.boosts;
    var lengths = payload.lengths.map(readVarints);
    var averages = lengths.map(function (perDoc) {
      var sum = 0;
      for (var i = 0; i < perDoc.length; i++) sum += perDoc[i];
      return sum / n;
    });
    var vectors = new Array(n * F);
    for (var v = 0; v < vectors.length; v++) vectors[v] = [];
    var inverted = [];
    var shards = payload.shards.slice();

    // Scratch space for one term's postings (field, doc, tf), reused: no garbage per term.
    var scratch = new Int32Array(3 * 1024);

    function decodeTerm(term, termIndex, text) {
      var count = 0, field = 0, previous = -1, value = 0;
      for (var i = 0; i < text.length; i++) {
        var code = text.charCodeAt(i);
        if (code === 44) { field++; previous = -1; continue; } // ","
        var digit = DIGIT[code];
        if (digit >= 32) { value = value * 32 + digit - 32; continue; }
        value = value * 32 + digit;
        if (count * 3 + 3 > scratch.length) {
          var bigger = new Int32Array(scratch.length * 2);
          bigger.set(scratch);
          scratch = bigger;
        }
        if (value % 2) { // tf > 1: the next varint is tf - 2
          var tf = 0;
          for (;;) {
            var next = DIGIT[text.charCodeAt(++i)];
            if (next < 32) { tf = tf * 32 + next; break; }
            tf = tf * 32 + next - 32;
          }
          scratch[count * 3 + 2] = tf + 2;
        } else {
          scratch[count * 3 + 2] = 1;
        }
        previous = previous + 1 + Math.floor(value / 2);
        scratch[count * 3] = field;
        scratch[count * 3 + 1] = previous;
        count++;
        value = 0;
      }
      var x = (n - count + 0.5) / (count + 0.5), idf = Math.log(1 + Math.abs(x)); // lunr.idf
      var entry = {}, start = 0;
      for (var f = 0; f < F; f++) {
        var end = start;
        while (end < count && scratch[end * 3] === f) end++;
        if (end === start) entry[fields[f]] = {};
        else lazyPosting(entry, fields[f], scratch, start, end);
        start = end;
      }
      for (var j = 0; j < count; j++) {
        var g = scratch[j * 3], docRef = scratch[j * 3 + 1], freq = scratch[j * 3 + 2];
        var len = lengths[g][docRef];
        var score = idf * ((k1 + 1) * freq) / (k1 * (1 - b + b * (len / averages[g])) + freq);
        score *= boosts[g];
        vectors[docRef * F + g].push(termIndex, round3(score));
      }
      entry._index = termIndex;
      inverted.push([term, entry]);
    }

    function finish() {
      var fieldVectors = new Array(n * F);
      for (var doc = 0; doc < n; doc++) {
        for (var f = 0; f < F; f++) fieldVectors[doc * F + f] = [fields[f] + "/" + doc, vectors[doc * F + f]];
      }
      return {
        version: payload.lunr, fields: fields, fieldVectors: fieldVectors,
        invertedIndex: inverted, pipeline: payload.pipeline
      };
    }

    function nextShard() {
      if (!shards.length) return Promise.resolve(finish());
      var shard = shards.shift(), terms = frontDecode(shard.terms);
      var postings = terms.length ? shard.postings.split(";") : [];
      var t = 0;
      function slice() {
        var deadline = performance.now() + 12;
        while (t < terms.length) {
          decodeTerm(terms[t], shard.first + t, postings[t]);
          t++;
          if (t % 64 === 0 && performance.now() > deadline) return yieldToPage().then(slice);
        }
        return nextShard();
      }
      return slice();
    }
    return nextShard();
  }

  /* Every indexed word, sorted, with the term it stems to: a prefix finds its terms by binary search. */
  function wordTable(terms, encoded) {
    var words = terms.map(function (term) { return [term, term]; });
    var entries = encoded ? encoded.split(" ") : [], rank = 0;
    for (var i = 0; i < entries.length; i++) {
      var gap = readVarint(entries[i], 0), drop = readVarint(entries[i], gap[1]);
      rank += gap[0];
      var term = terms[rank];
      words.push([term.slice(0, term.length - drop[0]) + entries[i].slice(drop[1]), term]);
    }
    words.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    return words;
  }

  function Engine(index, payload, words) {
    this.index = index;
    this.payload = payload;
    this.words = words;
    var self = this;
    // Every clause's term is stemmed as lunr does, except the marked last one, which expands to
    // all terms of the words it begins (pipeline functions may return several tokens).
    function sitegenPrefix(token) {
      var text = token.toString();
      if (text.charAt(0) !== PREFIX_MARK) return lunr.stemmer(token);
      var terms = self.expand(text.slice(1));
      return terms.length ? terms.map(function (t) { return new lunr.Token(t, token.metadata); })
        : lunr.stemmer(new lunr.Token(text.slice(1), token.metadata));
    }
    lunr.Pipeline.registerFunction(sitegenPrefix, "sitegenPrefix");
    this.pipeline = new lunr.Pipeline();
    this.pipeline.add(sitegenPrefix);
    index.pipeline = this.pipeline;
  }

  /* Terms of every indexed word starting with prefix, plus the prefix's own stem if indexed. */
  Engine.prototype.expand = function (prefix) {
    var words = this.words, lo = 0, hi = words.length, seen = Object.create(null), out = [];
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (words[mid][0] < prefix) lo = mid + 1; else hi = mid;
    }
    for (var i = lo; i < words.length && words[i][0].lastIndexOf(prefix, 0) === 0; i++) {
      if (!seen[words[i][1]]) { seen[words[i][1]] = true; out.push(words[i][1]); }
    }
    var stem = lunr.stemmer(new lunr.Token(prefix)).toString();
    if (!seen[stem] && this.index.invertedIndex[stem]) out.push(stem);
    return out;
  };

  /* Runs a query typed by a reader: {results, terms} or {error}. Never throws. */
  Engine.prototype.search = function (text) {
    var query = new lunr.Query(this.index.fields);
    try {
      new lunr.QueryParser(text, query).parse();
    } catch (error) {
      return { error: friendlyError(error), results: [] };
    }
    var clauses = query.clauses, last = clauses[clauses.length - 1];
    var typing = !/\s$/.test(text);
    if (last && typing && last.usePipeline && !last.editDistance && last.term.length >= 2) {
      var exact = {
        term: last.term, fields: last.fields, boost: last.boost * 2, usePipeline: true,
        wildcard: lunr.Query.wildcard.NONE, presence: lunr.Query.presence.OPTIONAL
      };
      last.term = PREFIX_MARK + last.term;
      // Exact words outrank completions of the prefix; never for a prohibited word.
      if (last.presence !== lunr.Query.presence.PROHIBITED) clauses.push(exact);
    }
    try {
      var results = this.index.query(function (q) { q.clauses = clauses; });
      return { results: results };
    } catch (error) {
      return { error: friendlyError(error), results: [] };
    }
  };

  function friendlyError(error) {
    var detail = error && error.message ? error.message : String(error);
    return "That query could not be understood (" + detail + "). Try plain words, or " +
      "title:word, author:name, tag:word, year:2024, +required, -excluded, prefix*.";
  }

  /* The words of text, with those whose lunr term is in matched wrapped in <mark>. */
  function highlight(text, matched) {
    var fragment = document.createDocumentFragment(), re = /[^\s\-]+/g, last = 0, m;
    while ((m = re.exec(text)) !== null) {
      var core = /^(\W*)(.*?)(\W*)$/.exec(m[0]);
      var word = core[2].toLowerCase();
      var term = word ? lunr.stemmer(new lunr.Token(word)).toString() : "";
      if (!term || !matched[term]) continue;
      var start = m.index + core[1].length, end = start + core[2].length;
      fragment.appendChild(document.createTextNode(text.slice(last, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      fragment.appendChild(mark);
      last = end;
    }
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* Store entries for refs, loading their chunks: [{ref, title, slug, date, tags, text}]. */
  Engine.prototype.entries = function (refs) {
    var size = this.payload.storeChunk, version = this.payload.storeVersion, chunks = {};
    refs.forEach(function (ref) { chunks[Math.floor(ref / size)] = true; });
    var loads = Object.keys(chunks).map(function (k) {
      return S.store(k, version).then(function (data) { chunks[k] = data; });
    });
    return Promise.all(loads).then(function () {
      return refs.map(function (ref) {
        var data = chunks[Math.floor(ref / size)], i = ref % size;
        return { ref: ref, title: data.title[i], slug: data.slug[i], date: data.date[i], tags: data.tags[i], text: data.text[i] };
      });
    });
  };

  Engine.prototype.renderItem = function (entry, matched, withText) {
    var tags = this.payload.tags, item = el("li", "search-result");
    var link = el("a", "search-result-title");
    link.href = S.root + "papers/" + entry.slug + ".html";
    link.appendChild(highlight(entry.title, matched));
    item.appendChild(link);
    var meta = el("p", "search-result-meta");
    var time = el("time", null, entry.date);
    time.setAttribute("datetime", entry.date);
    meta.appendChild(time);
    entry.tags.forEach(function (id) {
      var tag = el("a", "search-result-tag", tags[id][0]);
      tag.href = S.root + "tags/" + tags[id][1] + ".html";
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(tag);
    });
    item.appendChild(meta);
    if (withText && entry.text) item.appendChild(el("p", "search-result-text")).appendChild(highlight(entry.text, matched));
    return item;
  };

  function matchedTerms(results) {
    var matched = Object.create(null);
    results.forEach(function (r) { Object.keys(r.matchData.metadata).forEach(function (t) { matched[t] = true; }); });
    return matched;
  }

  /* Arrow keys move focus between the input and result links; Enter follows the focused link. */
  function keyboard(input, list) {
    function links() { return Array.prototype.slice.call(list.querySelectorAll("a.search-result-title")); }
    function move(event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var all = links(), at = all.indexOf(document.activeElement);
      if (!all.length || (at < 0 && event.target !== input)) return;
      event.preventDefault();
      var next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) input.focus();
      else all[Math.min(next, all.length - 1)].focus();
    }
    input.addEventListener("keydown", move);
    list.addEventListener("keydown", move);
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  /* Search page: results as you type, the query kept in the URL. */
  Engine.prototype.attachPage = function (page, headerBox) {
    var self = this, input = document.getElementById("search-q"), status = document.getElementById("search-status");
    var list = document.getElementById("search-results"), more = document.getElementById("search-more");
    var baseTitle = document.title, lastUrlChange = 0, current = null, timer = null;

    // data-query names the query the page shows, once it is fully rendered (tests wait on it).
    function show(message, state, text) {
      status.textContent = message;
      page.setAttribute("data-state", state);
      page.setAttribute("data-query", text);
    }

    function run(text, shown) {
      current = text;
      document.title = text.trim() ? "\u201c" + text.trim() + "\u201d \u2013 " + baseTitle : baseTitle;
      list.textContent = "";
      more.hidden = true;
      if (!text.trim()) return show("Type a word from a title, tag, author or abstract to search " + plural(self.payload.docs, "paper") + ".", "empty", text);
      var outcome = self.search(text);
      if (outcome.error) return show(outcome.error, "error", text);
      var results = outcome.results;
      if (!results.length) return show("No papers match \u201c" + text.trim() + "\u201d. Try fewer or shorter words.", "none", text);
      var top = results.slice(0, shown), matched = matchedTerms(results);
      return self.entries(top.map(function (r) { return +r.ref; })).then(function (entries) {
        if (current !== text) return;
        entries.forEach(function (entry) { list.appendChild(self.renderItem(entry, matched, true)); });
        more.hidden = results.length <= shown;
        more.onclick = function () { run(text, shown + PAGE_SIZE); };
        show(plural(results.length, "paper") + " found for \u201c" + text.trim() + "\u201d" +
          (results.length > shown ? ", showing the first " + shown : "") + ".", "results", text);
        if (S.timings.firstResult === undefined) S.timings.firstResult = performance.now();
      });
    }

    // Typing replaces the current history entry; a pause of a second starts a new one,
    // so Back steps through the searches a reader actually looked at.
    function remember(text) {
      var url = location.pathname + (text ? "?q=" + encodeURIComponent(text) : "");
      var now = Date.now(), method = now - lastUrlChange > 1000 ? "pushState" : "replaceState";
      lastUrlChange = now;
      try { history[method]({ q: text }, "", url); } catch (error) { /* file:// may refuse; results still work */ }
    }

    function onInput(source) {
      if (source !== input) input.value = source.value;
      if (headerBox && source !== headerBox) headerBox.value = input.value;
      clearTimeout(timer);
      timer = setTimeout(function () { remember(input.value); run(input.value, PAGE_SIZE); }, 60);
    }

    function fromUrl() {
      var q = new URLSearchParams(location.search).get("q") || "";
      input.value = q;
      if (headerBox) headerBox.value = q;
      run(q, PAGE_SIZE);
    }

    input.addEventListener("input", function () { onInput(input); });
    if (headerBox) headerBox.addEventListener("input", function () { onInput(headerBox); });
    input.form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
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
  Engine.prototype.attachHeader = function (box) {
    var self = this, form = box.form, panel = el("div", "site-search-panel"), timer = null;
    var list = el("ol", "search-results"), status = el("p", "site-search-status"), current = null;
    panel.id = "site-search-panel";
    panel.hidden = true;
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    panel.appendChild(status);
    panel.appendChild(list);
    form.appendChild(panel);
    box.setAttribute("aria-controls", panel.id);

    function close() { panel.hidden = true; }
    function run() {
      var text = box.value;
      current = text;
      list.textContent = "";
      if (!text.trim()) { status.textContent = ""; return close(); }
      panel.hidden = false;
      var outcome = self.search(text);
      if (outcome.error) { status.textContent = outcome.error; return; }
      if (!outcome.results.length) { status.textContent = "No papers match \u201c" + text.trim() + "\u201d."; return; }
      var top = outcome.results.slice(0, HEADER_SIZE), matched = matchedTerms(outcome.results);
      self.entries(top.map(function (r) { return +r.ref; })).then(function (entries) {
        if (current !== text) return;
        entries.forEach(function (entry) { list.appendChild(self.renderItem(entry, matched, false)); });
        var all = el("a", "site-search-all", "All " + plural(outcome.results.length, "result") + " \u2192");
        all.href = S.root + "search.html?q=" + encodeURIComponent(text);
        status.textContent = "";
        status.appendChild(all);
      });
    }
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 60); });
    box.addEventListener("focus", run);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) { close(); box.focus(); }
    });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) close(); });
    keyboard(box, list);
    run();
  };

  S.ui = {
    decodeIndex: decodeIndex,
    start: function (payload) {
      return decodeIndex(payload).then(function (serialized) {
        S.timings.decoded = performance.now();
        var index = lunr.Index.load(serialized);
        S.timings.loaded = performance.now();
        var words = wordTable(serialized.invertedIndex.map(function (entry) { return entry[0]; }), payload.words);
        S.engine = new Engine(index, payload, words);
        S.timings.ready = performance.now();
        return S.engine;
      });
    }
  };
})();
