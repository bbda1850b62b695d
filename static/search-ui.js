/* sitegen search engine and results UI, loaded on demand by search.js after lunr.js.
 *
 * 1. decodeTerms: one term shard of the compact index (sitegen/search_codec.py) -> lunr's
 *    inverted-index entries and field-vector elements of its terms; asLunr makes that a lunr
 *    serialized index, and mergeShards joins several into what lunr.Index.load takes.
 * 2. Engine: lunr query syntax, plus prefix matching of the last word past its stem. A query
 *    loads the shards its words fall in, adds them to one lunr.Index, then runs there.
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

  function stem(text) {
    return lunr.stemmer(new lunr.Token(text)).toString();
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

  /* What every shard's scores are computed from: the global field lengths and their averages. */
  function scoring(meta) {
    var n = meta.docs, lengths = meta.lengths.map(readVarints);
    return {
      fields: meta.fields, n: n, k1: meta.k1, b: meta.b, boosts: meta.boosts, lengths: lengths,
      averages: lengths.map(function (perDoc) {
        var sum = 0;
        for (var i = 0; i < perDoc.length; i++) sum += perDoc[i];
        return n ? sum / n : 0;
      })
    };
  }

  // Scratch space for one term's postings (field, doc, tf), reused: no garbage per term.
  var scratch = new Int32Array(3 * 1024);

  /* A shard's terms as lunr inverted-index entries, and per field vector slot (doc * fields +
   * field) the elements of those terms: {inverted, slots}. */
  function decodeTerms(sc, shard) {
    var fields = sc.fields, F = fields.length, n = sc.n, k1 = sc.k1, b = sc.b;
    var slots = new Map(); // doc * F + field -> [termIndex, score, ...]
    var inverted = [], terms = frontDecode(shard.terms);
    var postings = terms.length ? shard.postings.split(";") : [];

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
        var len = sc.lengths[g][docRef];
        var score = idf * ((k1 + 1) * freq) / (k1 * (1 - b + b * (len / sc.averages[g])) + freq);
        score *= sc.boosts[g];
        var slot = docRef * F + g, elements = slots.get(slot);
        if (!elements) slots.set(slot, elements = []);
        elements.push(termIndex, round3(score));
      }
      entry._index = termIndex;
      inverted.push([term, entry]);
    }

    for (var t = 0; t < terms.length; t++) decodeTerm(terms[t], shard.first + t, postings[t]);
    return { inverted: inverted, slots: slots };
  }

  /* Mirrors search_codec.decode_shard (Python): decodeTerms' output as a lunr serialized index of
   * the shard's terms, whose field vectors (in document, then field order) hold their elements. */
  function asLunr(meta, decoded) {
    var fields = meta.fields, F = fields.length, slots = decoded.slots;
    var order = Array.from(slots.keys()).sort(function (a, c) { return a - c; });
    return {
      version: meta.lunr, fields: fields,
      fieldVectors: order.map(function (slot) { return [fields[slot % F] + "/" + Math.floor(slot / F), slots.get(slot)]; }),
      invertedIndex: decoded.inverted, pipeline: meta.pipeline
    };
  }

  /* Mirrors search_codec.merge: decoded shards, in shard order, as one lunr serialized index
   * holding every field vector (lunr answers a query of -words alone from all of them). */
  function mergeShards(meta, parts) {
    var fields = meta.fields, elements = Object.create(null), inverted = [], fieldVectors = [];
    parts.forEach(function (part) {
      part.fieldVectors.forEach(function (pair) { elements[pair[0]] = (elements[pair[0]] || []).concat(pair[1]); });
      part.invertedIndex.forEach(function (entry) { inverted.push(entry); });
    });
    for (var doc = 0; doc < meta.docs; doc++) {
      for (var f = 0; f < fields.length; f++) {
        var ref = fields[f] + "/" + doc;
        fieldVectors.push([ref, elements[ref] || []]);
      }
    }
    return { version: meta.lunr, fields: fields, fieldVectors: fieldVectors, invertedIndex: inverted, pipeline: meta.pipeline };
  }

  /* A shard's terms and surface words, sorted, each with the term it stems to: a prefix finds
   * its terms by binary search. */
  function wordTable(shard, terms) {
    var words = terms.map(function (term) { return [term, term]; });
    var surface = frontDecode(shard.words), stems = surface.length ? shard.stems.split(" ") : [];
    for (var i = 0; i < surface.length; i++) {
      var word = surface[i], drop = readVarint(stems[i], 0);
      words.push([word, word.slice(0, word.length - drop[0]) + stems[i].slice(drop[1])]);
    }
    words.sort(function (a, c) { return a[0] < c[0] ? -1 : a[0] > c[0] ? 1 : 0; });
    return words;
  }

  /* The search index: starts with no terms and no field vectors; shards are added as queries
   * need them. meta: the decoded search/index.js. */
  function Engine(meta) {
    var self = this;
    this.payload = meta;
    this.scoring = scoring(meta);
    this.keys = meta.shards; // first key of each shard; keys[0] is ""
    this.parts = [];         // shard -> decodeTerms' output
    this.words = [];         // shard -> its word table
    this.loading = [];       // shard -> promise of it being added
    this.vectors = [];       // slot (doc * fields + field) -> its lunr.Vector, once it has elements
    this.stale = false;      // the token set lacks terms of shards added since it was built
    this.complete = false;   // every field vector exists, in document order
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
    this.index = new lunr.Index({
      invertedIndex: Object.create(null), fieldVectors: Object.create(null),
      tokenSet: new lunr.TokenSet(), fields: meta.fields, pipeline: this.pipeline
    });
  }

  Engine.prototype.vector = function (slot) {
    var F = this.payload.fields.length, vector = this.vectors[slot];
    if (!vector) {
      vector = this.vectors[slot] = new lunr.Vector([]);
      this.index.fieldVectors[this.payload.fields[slot % F] + "/" + Math.floor(slot / F)] = vector;
    }
    return vector;
  };

  /* Gives every document's field vectors, empty or not, in document order, as the whole index
   * has them: lunr answers a query of prohibited words alone from all of them, in that order.
   * Built on the first such query only: at 50,000 papers they are 250,000 objects. */
  Engine.prototype.completeVectors = function () {
    if (this.complete) return;
    var all = Object.create(null), fields = this.payload.fields, F = fields.length;
    for (var slot = 0; slot < this.payload.docs * F; slot++) {
      var vector = this.vectors[slot] || (this.vectors[slot] = new lunr.Vector([]));
      all[fields[slot % F] + "/" + Math.floor(slot / F)] = vector;
    }
    this.index.fieldVectors = all;
    this.complete = true;
  };

  /* Adds shard k: its terms, and its elements copied into the field vectors. Shards hold
   * contiguous ranges of term indexes, so a vector gains one run, kept in index order: appended
   * when shards come in order (loading all of them), spliced in otherwise. */
  Engine.prototype.add = function (k, shard) {
    var self = this, decoded = decodeTerms(this.scoring, shard), inverted = this.index.invertedIndex;
    decoded.inverted.forEach(function (entry) { inverted[entry[0]] = entry[1]; });
    decoded.slots.forEach(function (extra, slot) {
      var vector = self.vector(slot), elements = vector.elements;
      if (!elements.length || elements[elements.length - 2] < extra[0]) {
        for (var i = 0; i < extra.length; i++) elements.push(extra[i]);
      } else {
        elements.splice.apply(elements, [vector.positionForIndex(extra[0]), 0].concat(extra));
      }
      vector._magnitude = 0;
    });
    this.parts[k] = decoded;
    this.words[k] = wordTable(shard, decoded.inverted.map(function (entry) { return entry[0]; }));
    this.stale = true;
  };

  /* Resolves once shards ks are added (each loaded once, by a <script>). */
  Engine.prototype.load = function (ks) {
    var self = this, version = this.payload.shardVersion;
    return Promise.all(ks.map(function (k) {
      if (!self.loading[k]) {
        self.loading[k] = S.shard(k, version).then(function (shard) { if (!self.parts[k]) self.add(k, shard); });
      }
      return self.loading[k];
    }));
  };

  Engine.prototype.all = function () {
    return this.keys.map(function (_, k) { return k; });
  };

  /* The shard whose key range holds text: the last one whose first key is <= text. */
  Engine.prototype.shardOf = function (text) {
    var keys = this.keys, lo = 0, hi = keys.length;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (keys[mid] <= text) lo = mid; else hi = mid;
    }
    return lo;
  };

  /* The shards holding keys that start with prefix: adjacent ones, as keys are sorted. */
  Engine.prototype.range = function (prefix) {
    var out = [], k = this.shardOf(prefix);
    do out.push(k++); while (k < this.keys.length && this.keys[k].lastIndexOf(prefix, 0) === 0);
    return out;
  };

  /* Terms of every indexed word starting with prefix, plus the prefix's own stem if indexed.
   * Reads the shards of range(prefix) and of the stem: load them first. */
  Engine.prototype.expand = function (prefix) {
    var seen = Object.create(null), out = [], shards = this.range(prefix);
    for (var s = 0; s < shards.length; s++) {
      var words = this.words[shards[s]] || [], lo = 0, hi = words.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (words[mid][0] < prefix) lo = mid + 1; else hi = mid;
      }
      for (var i = lo; i < words.length && words[i][0].lastIndexOf(prefix, 0) === 0; i++) {
        if (!seen[words[i][1]]) { seen[words[i][1]] = true; out.push(words[i][1]); }
      }
    }
    var own = stem(prefix);
    if (!seen[own] && this.index.invertedIndex[own]) out.push(own);
    return out;
  };

  /* The shards a query's clauses read, and the prefixes whose words name more terms.
   * A fuzzy term (word~1) or a leading wildcard (*former) may match any term: every shard. */
  Engine.prototype.plan = function (clauses) {
    var self = this, shards = [], prefixes = [];
    clauses.forEach(function (clause) {
      var term = clause.term, star = term.indexOf("*");
      if (clause.editDistance || star === 0) shards = shards.concat(self.all());
      else if (term.charAt(0) === PREFIX_MARK) {
        var prefix = term.slice(1);
        shards = shards.concat(self.range(prefix), [self.shardOf(stem(prefix))]);
        prefixes.push(prefix);
      } else if (star > 0) shards = shards.concat(self.range(term.slice(0, star)));
      else shards.push(self.shardOf(clause.usePipeline ? stem(term) : term));
    });
    return { shards: shards, prefixes: prefixes };
  };

  /* A query typed by a reader as lunr clauses: {clauses} or {error}. The last word, while it is
   * being typed, is marked to match as a prefix. */
  Engine.prototype.parse = function (text) {
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
    return { clauses: clauses };
  };

  /* Runs a query typed by a reader, loading the shards it needs: resolves with {results} or
   * {error}; never rejects. */
  Engine.prototype.search = function (text) {
    var self = this, parsed = this.parse(text);
    if (parsed.error) return Promise.resolve(parsed);
    var plan = this.plan(parsed.clauses);
    return this.load(plan.shards).then(function () {
      var more = [];
      plan.prefixes.forEach(function (prefix) {
        self.expand(prefix).forEach(function (term) { more.push(self.shardOf(term)); });
      });
      return self.load(more);
    }).then(function () {
      if (S.timings.shards === undefined) S.timings.shards = performance.now();
      return self.run(parsed.clauses);
    }, function (error) {
      return { error: "The search index could not be loaded (" + error.message + ").", results: [] };
    });
  };

  /* Runs parsed clauses on the shards loaded so far. */
  Engine.prototype.run = function (clauses) {
    var negated = clauses.every(function (c) { return c.presence === lunr.Query.presence.PROHIBITED; });
    if (negated) this.completeVectors();
    if (this.stale) {
      var builder = new lunr.TokenSet.Builder();
      this.parts.forEach(function (part) { // in shard order: terms in sorted order
        part.inverted.forEach(function (entry) { builder.insert(entry[0]); });
      });
      builder.finish();
      this.index.tokenSet = builder.root;
      this.stale = false;
    }
    try {
      return { results: this.index.query(function (q) { q.clauses = clauses; }) };
    } catch (error) {
      return { error: friendlyError(error), results: [] };
    }
  };

  /* The loaded shards merged, as lunr.Index.load takes them (the whole index once all are). */
  Engine.prototype.serialized = function () {
    var meta = this.payload;
    return mergeShards(meta, this.parts.filter(Boolean).map(function (part) { return asLunr(meta, part); }));
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
    var baseTitle = document.title, lastUrlChange = 0, runs = 0, timer = null;

    // data-query names the query the page shows, once it is fully rendered (tests wait on it).
    function show(message, state, text) {
      status.textContent = message;
      page.setAttribute("data-state", state);
      page.setAttribute("data-query", text);
    }

    // Results replace the list once ready (shards may load first); only the latest run shows.
    function run(text, shown) {
      var mine = ++runs;
      document.title = text.trim() ? "\u201c" + text.trim() + "\u201d \u2013 " + baseTitle : baseTitle;
      function clear() {
        list.textContent = "";
        more.hidden = true;
      }
      if (!text.trim()) {
        clear();
        return show("Type a word from a title, tag, author or abstract to search " + plural(self.payload.docs, "paper") + ".", "empty", text);
      }
      return self.search(text).then(function (outcome) {
        if (mine !== runs) return;
        var results = outcome.results;
        if (outcome.error) { clear(); return show(outcome.error, "error", text); }
        if (!results.length) { clear(); return show("No papers match \u201c" + text.trim() + "\u201d. Try fewer or shorter words.", "none", text); }
        var top = results.slice(0, shown), matched = matchedTerms(results);
        return self.entries(top.map(function (r) { return +r.ref; })).then(function (entries) {
          if (mine !== runs) return;
          clear();
          entries.forEach(function (entry) { list.appendChild(self.renderItem(entry, matched, true)); });
          more.hidden = results.length <= shown;
          more.onclick = function () { run(text, shown + PAGE_SIZE); };
          show(plural(results.length, "paper") + " found for \u201c" + text.trim() + "\u201d" +
            (results.length > shown ? ", showing the first " + shown : "") + ".", "results", text);
          if (S.timings.firstResult === undefined) S.timings.firstResult = performance.now();
        });
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
    var list = el("ol", "search-results"), status = el("p", "site-search-status"), runs = 0;
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
      var text = box.value, mine = ++runs;
      if (!text.trim()) { list.textContent = ""; status.textContent = ""; return close(); }
      panel.hidden = false;
      self.search(text).then(function (outcome) {
        if (mine !== runs) return;
        var results = outcome.results;
        if (outcome.error || !results.length) {
          list.textContent = "";
          status.textContent = outcome.error || "No papers match \u201c" + text.trim() + "\u201d.";
          return;
        }
        var top = results.slice(0, HEADER_SIZE), matched = matchedTerms(results);
        return self.entries(top.map(function (r) { return +r.ref; })).then(function (entries) {
          if (mine !== runs) return;
          list.textContent = "";
          entries.forEach(function (entry) { list.appendChild(self.renderItem(entry, matched, false)); });
          var all = el("a", "site-search-all", "All " + plural(results.length, "result") + " \u2192");
          all.href = S.root + "search.html?q=" + encodeURIComponent(text);
          status.textContent = "";
          status.appendChild(all);
        });
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
    decodeShard: function (meta, shard) { return asLunr(meta, decodeTerms(scoring(meta), shard)); },
    mergeShards: mergeShards,
    start: function (meta) {
      S.engine = new Engine(meta);
      S.timings.ready = performance.now();
      return S.engine;
    }
  };
})();
