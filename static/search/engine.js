/* sitegen search, 2 of 3: the engine.
 *
 * lunr query syntax, plus prefix matching of the last word past its stem. The lunr.Index starts
 * with no terms and no field vectors; a query loads the term shards its words fall in (decode.js
 * decodes them), adds them to the index, then runs there. Results' titles, slugs, dates and tags
 * come from the store chunks (entries).
 */
(() => {
  "use strict";

  const S = window.SitegenSearch;
  const { scoring, decodeTerms, wordTable } = S.decode;
  const PREFIX_MARK = "\u0000"; // marks the clause whose term is a prefix to expand
  const ALT_MARK = "\u0001"; // marks a clause matching any of engine.alternatives[n]
  const { PROHIBITED, OPTIONAL, REQUIRED } = lunr.Query.presence;
  const PLAIN_WORD = /^[a-z]+$/;

  const stem = (text) => lunr.stemmer(new lunr.Token(text)).toString();

  const friendlyError = (error) => {
    const detail = error && error.message ? error.message : String(error);
    return `That query could not be understood (${detail}). Try plain words, or ` +
      'title:word, author:"Full Name", tag:word, year:2024, "a phrase", +required, -excluded, prefix*.';
  };

  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  /* A test every term lunr may expand a fuzzy or wildcard clause to passes (a few others may):
   * lunr's edit distance counts insertions, deletions, substitutions and swaps of neighbours,
   * as typos.distance does; a wildcard matches any run of characters. */
  const mayMatch = (clause) => {
    if (clause.editDistance) {
      const term = clause.usePipeline ? stem(clause.term) : clause.term, most = clause.editDistance;
      return (t) => S.typos.distance(term, t, most) <= most;
    }
    const pattern = new RegExp(`^${clause.term.split("*").map(escapeRegExp).join("[^]*")}$`);
    return (t) => pattern.test(t);
  };

  /* The search index. meta: the payload of search/index.js. */
  class Engine {
    constructor(meta) {
      this.payload = meta;
      this.scoring = scoring(meta);
      this.keys = meta.shards; // first key of each shard; keys[0] is ""
      this.parts = [];         // shard -> decodeTerms' output
      this.words = [];         // shard -> its word table
      this.loading = [];       // shard -> promise of it being added
      this.vectors = [];       // slot (doc * fields + field) -> its lunr.Vector, once it has elements
      this.stale = false;      // the token set lacks terms of shards added since it was built
      this.complete = false;   // every field vector exists, in document order
      this.alternatives = [];  // n -> terms a clause marked ALT_MARK + n matches, any of them
      this.positions = new Map(); // positions file number (sparse) -> promise of its positions
      this.scorer = new S.Scorer(meta.docs, meta.fields);
      this.closest = new Map(); // typed word -> the vocabulary's closest words
      this.expansions = new Map(); // prefix -> expand(prefix), until shards are added
      // Every clause's term is stemmed as lunr does, except the marked last one, which expands to
      // all terms of the words it begins (pipeline functions may return several tokens).
      const sitegenPrefix = (token) => {
        const text = token.toString();
        if (text.charAt(0) === ALT_MARK) {
          return this.alternatives[+text.slice(1)].map((t) => new lunr.Token(t, token.metadata));
        }
        if (text.charAt(0) !== PREFIX_MARK) return lunr.stemmer(token);
        const terms = this.expand(text.slice(1));
        return terms.length ? terms.map((t) => new lunr.Token(t, token.metadata))
          : lunr.stemmer(new lunr.Token(text.slice(1), token.metadata));
      };
      lunr.Pipeline.registerFunction(sitegenPrefix, "sitegenPrefix");
      this.pipeline = new lunr.Pipeline();
      this.pipeline.add(sitegenPrefix);
      this.index = new lunr.Index({
        invertedIndex: Object.create(null), fieldVectors: Object.create(null),
        tokenSet: new lunr.TokenSet(), fields: meta.fields, pipeline: this.pipeline,
      });
    }

    /* The lunr.Index name of a field vector slot: "field/doc". */
    ref(slot) {
      const fields = this.payload.fields;
      return `${fields[slot % fields.length]}/${Math.floor(slot / fields.length)}`;
    }

    vector(slot) {
      let vector = this.vectors[slot];
      if (!vector) {
        vector = this.vectors[slot] = new lunr.Vector([]);
        this.index.fieldVectors[this.ref(slot)] = vector;
      }
      return vector;
    }

    /* Gives every document's field vectors, empty or not, in document order, as the whole index
     * has them: lunr answers a query of prohibited words alone from all of them, in that order.
     * Built on the first such query only: at 50,000 papers they are 250,000 objects. */
    completeVectors() {
      if (this.complete) return;
      const all = Object.create(null);
      for (let slot = 0; slot < this.payload.docs * this.payload.fields.length; slot++) {
        all[this.ref(slot)] = this.vectors[slot] || (this.vectors[slot] = new lunr.Vector([]));
      }
      this.index.fieldVectors = all;
      this.complete = true;
    }

    /* Adds shard k: its terms, and its elements copied into the field vectors. Shards hold
     * contiguous ranges of term indexes, so a vector gains one run, kept in index order: appended
     * when shards come in order (loading all of them), spliced in otherwise. */
    add(k, shard) {
      const decoded = decodeTerms(this.scoring, shard);
      const inverted = this.index.invertedIndex;
      for (const [term, entry] of decoded.inverted) inverted[term] = entry;
      decoded.slots.forEach((extra, slot) => {
        const vector = this.vector(slot), elements = vector.elements;
        if (!elements.length || elements[elements.length - 2] < extra[0]) {
          for (const element of extra) elements.push(element);
        } else {
          elements.splice(vector.positionForIndex(extra[0]), 0, ...extra);
        }
        vector._magnitude = 0;
      });
      this.parts[k] = Object.assign(decoded, { positionFile: shard.positionFile, positionStarts: shard.positionStarts });
      this.words[k] = wordTable(shard, decoded.inverted.map(([term]) => term));
      this.stale = true;
      this.expansions.clear();
    }

    /* Resolves once shards ks are added (each loaded once, by a <script>). */
    load(ks) {
      const version = this.payload.shardVersion;
      return Promise.all(ks.map((k) => {
        if (!this.loading[k]) {
          this.loading[k] = S.shard(k, version).then((shard) => {
            if (!this.parts[k]) this.add(k, shard);
          });
        }
        return this.loading[k];
      }));
    }

    all() {
      return this.keys.map((_, k) => k);
    }

    /* The shard whose key range holds text: the last one whose first key is <= text. */
    shardOf(text) {
      const keys = this.keys;
      let lo = 0, hi = keys.length;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (keys[mid] <= text) lo = mid; else hi = mid;
      }
      return lo;
    }

    /* The shards holding keys that start with prefix: adjacent ones, as keys are sorted. */
    range(prefix) {
      const out = [];
      let k = this.shardOf(prefix);
      do out.push(k++); while (k < this.keys.length && this.keys[k].startsWith(prefix));
      return out;
    }

    /* Terms of every indexed word starting with prefix, plus the prefix's own stem if indexed.
     * Reads the shards of range(prefix) and of the stem: load them first. */
    expand(prefix) {
      if (!this.expansions.has(prefix)) this.expansions.set(prefix, this.expandNow(prefix));
      return this.expansions.get(prefix);
    }

    expandNow(prefix) {
      const seen = new Set(), out = [];
      for (const s of this.range(prefix)) {
        const words = this.words[s] || [];
        let lo = 0, hi = words.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (words[mid][0] < prefix) lo = mid + 1; else hi = mid;
        }
        for (let i = lo; i < words.length && words[i][0].startsWith(prefix); i++) {
          const term = words[i][1];
          if (!seen.has(term)) {
            seen.add(term);
            out.push(term);
          }
        }
      }
      const own = stem(prefix);
      if (!seen.has(own) && this.index.invertedIndex[own]) out.push(own);
      return out;
    }

    /* The shards a query's clauses read, the prefixes whose words name more terms, and the
     * clauses that may match any term (a fuzzy term, word~1, or a leading wildcard, *former):
     * scan() finds their terms. */
    plan(clauses) {
      let shards = [];
      const prefixes = [], scans = [];
      for (const clause of clauses) {
        const term = clause.term, star = term.indexOf("*");
        if (clause.editDistance || star === 0) scans.push(clause);
        else if (term.charAt(0) === PREFIX_MARK) {
          const prefix = term.slice(1);
          shards = shards.concat(this.range(prefix), [this.shardOf(stem(prefix))]);
          prefixes.push(prefix);
        } else if (star > 0) shards = shards.concat(this.range(term.slice(0, star)));
        else shards.push(this.shardOf(clause.usePipeline ? stem(term) : term));
      }
      return { shards, prefixes, scans };
    }

    /* Resolves with the shards of every term the clauses may match, found in the list of all
     * terms (search/termlist.js): a few shards, where loading them all would be megabytes. */
    scan(clauses) {
      if (!clauses.length) return Promise.resolve([]);
      return S.termList(this.payload.shardVersion).then((text) => {
        this.terms = this.terms || S.decode.frontDecode(text);
        const tests = clauses.map((clause) => mayMatch(clause));
        return [...new Set(this.terms.filter((t) => tests.some((test) => test(t))).map((t) => this.shardOf(t)))];
      });
    }

    /* A query typed by a reader as lunr clauses: {clauses, phrases, own} or {error}. Unless
     * it is in lunr's own syntax (+, -, ~, ^), every word but stop words is required. The last
     * word, while it is being typed, is marked to match as a prefix. */
    parse(text) {
      const read = S.readQuery(text);
      const query = new lunr.Query(this.index.fields);
      try {
        new lunr.QueryParser(read.text, query).parse();
      } catch (error) {
        return { error: friendlyError(error), results: [] };
      }
      const clauses = query.clauses, last = clauses[clauses.length - 1];
      if (!read.own) {
        for (const c of clauses) {
          if (c.presence === OPTIONAL && lunr.stopWordFilter(new lunr.Token(c.term))) c.presence = REQUIRED;
        }
      }
      const typing = !/\s$/.test(text);
      if (last && typing && last.usePipeline && !last.editDistance && last.term.length >= 2) {
        const exact = {
          term: last.term, fields: last.fields, boost: last.boost * 2, usePipeline: true,
          wildcard: lunr.Query.wildcard.NONE, presence: OPTIONAL,
        };
        last.term = PREFIX_MARK + last.term;
        // Exact words outrank completions of the prefix; never for a prohibited word.
        if (last.presence !== PROHIBITED) clauses.push(exact);
      }
      return { clauses, phrases: read.phrases, own: read.own };
    }

    /* Runs a query typed by a reader, loading the shards it needs: resolves with {results,
     * corrections, some, phrases} or {error}; never rejects. corrections: [typed, corrected]
     * pairs; some: no paper has all the words, these have some. Once its shards are loaded, a
     * query no longer wanted (wanted() false: the reader typed on) resolves with no results. */
    search(text, wanted = () => true) {
      const parsed = this.parse(text);
      if (parsed.error) return Promise.resolve(parsed);
      const plan = this.plan(parsed.clauses);
      const pairs = parsed.own ? [] : this.compoundPairs(parsed.clauses);
      return this.scan(plan.scans)
        .then((scanned) => this.load([...plan.shards, ...scanned, ...pairs.map((p) => this.shardOf(p.term))]))
        .then(() => this.load(plan.prefixes.flatMap((prefix) => this.expand(prefix).map((term) => this.shardOf(term)))))
        .then(() => this.joinCompounds(parsed.clauses, pairs))
        .then(() => (parsed.own ? [] : this.correct(parsed.clauses)))
        .then((corrections) => {
          if (!wanted()) return { results: [], corrections, some: false, phrases: 0 };
          let outcome = this.run(parsed.clauses), some = false;
          const required = parsed.clauses.filter((c) => c.presence === REQUIRED);
          if (!outcome.error && !outcome.results.length && required.length > 1) {
            for (const c of required) c.presence = OPTIONAL;
            outcome = this.run(parsed.clauses);
            some = outcome.results.length > 0;
          }
          if (outcome.error || !parsed.phrases.length) return { ...outcome, corrections, some, phrases: 0 };
          return this.rankPhrases(outcome.results, parsed.phrases).then((ranked) => ({ ...ranked, corrections, some }));
        })
        .catch((error) => ({ error: `The search index could not be loaded (${error.message}).`, results: [] }));
    }

    /* Term of a plain clause (no wildcard, fuzziness or mark), else null. */
    plainTerm(clause) {
      const t = clause.term;
      if (!clause.usePipeline || clause.editDistance || clause.wildcard || t.includes("*")) return null;
      if (t.charAt(0) === PREFIX_MARK || t.charAt(0) === ALT_MARK) return null;
      return t;
    }

    /* Adjacent required words that may be one word written solid ("multi task": multitask). */
    compoundPairs(clauses) {
      const out = [];
      for (let i = 0; i + 1 < clauses.length; i++) {
        const a = this.plainTerm(clauses[i]), b = this.plainTerm(clauses[i + 1]);
        if (a && b && clauses[i].presence === REQUIRED && clauses[i + 1].presence === REQUIRED) {
          out.push({ i, term: stem(a + b) });
        }
      }
      return out;
    }

    /* Each word of an indexed solid pair also matches the solid word. */
    joinCompounds(clauses, pairs) {
      for (const { i, term } of pairs) {
        if (!this.index.invertedIndex[term]) continue;
        for (const clause of clauses.slice(i, i + 2)) this.alternate(clause, [term]);
      }
    }

    /* Makes clause match any of its own term (when indexed) and terms. */
    alternate(clause, terms) {
      const own = clause.term.charAt(0) === ALT_MARK ? this.alternatives[+clause.term.slice(1)]
        : [stem(clause.term)].filter((t) => this.index.invertedIndex[t]);
      this.alternatives.push([...new Set([...own, ...terms])]);
      clause.term = ALT_MARK + (this.alternatives.length - 1);
    }

    /* Replaces required words that match no term (and a last word no indexed word begins
     * with) by the closest indexed words: resolves with [typed, corrected] pairs. */
    correct(clauses) {
      const missing = clauses.filter((c) => {
        if (c.presence !== REQUIRED) return false;
        const prefix = c.term.charAt(0) === PREFIX_MARK && !c.wildcard ? c.term.slice(1) : null;
        const t = prefix || this.plainTerm(c);
        if (!t || !PLAIN_WORD.test(t) || !S.typos.allowed(t)) return false;
        return prefix ? !this.expand(prefix).length : !this.index.invertedIndex[stem(t)];
      });
      if (!missing.length) return [];
      const typed = missing.map((c) => c.term.replace(PREFIX_MARK, ""));
      return S.words(this.payload.shardVersion).then((text) => {
        this.vocabulary = this.vocabulary || S.decode.frontDecode(text);
        const found = typed.map((word) => { // a scan of the vocabulary: once per word
          if (!this.closest.has(word)) this.closest.set(word, S.typos.closest(this.vocabulary, word));
          return this.closest.get(word);
        });
        return this.load(found.flat().map((w) => this.shardOf(stem(w)))).then(() => missing.flatMap((c, n) => {
          const terms = found[n].map(stem).filter((t) => this.index.invertedIndex[t]);
          if (!terms.length) return [];
          c.term = typed[n];
          this.alternatives.push([...new Set(terms)]);
          c.term = ALT_MARK + (this.alternatives.length - 1);
          return [[typed[n], found[n][0]]];
        }));
      });
    }

    /* Results holding every phrase first (in their order), then the others. */
    rankPhrases(results, phrases) {
      const fields = this.payload.fields;
      const wanted = phrases.map((p) => ({ terms: S.phrases.phraseTerms(p.words), f: p.field ? [fields.indexOf(p.field)] : fields.map((_, i) => i) }));
      const terms = [...new Set(wanted.flatMap((w) => w.terms.filter(Boolean)))];
      return Promise.all(terms.map((t) => this.positionsOf(t))).then((found) => {
        const at = (term) => found[terms.indexOf(term)];
        const holdsAll = (doc) => wanted.every((w) => w.f.some((f) => S.phrases.holds(w.terms, at, doc, f)));
        const first = results.filter((r) => holdsAll(+r.ref));
        return { results: [...first, ...results.filter((r) => !holdsAll(+r.ref))], phrases: first.length };
      });
    }

    /* Resolves with a term's per-field positions (undefined: no such term), loading only the
     * positions file that holds them: its shard says which (positionFile, positionStarts). */
    positionsOf(term) {
      const k = this.shardOf(term);
      return this.load([k]).then(() => {
        const { inverted, positionFile, positionStarts: starts } = this.parts[k];
        const rank = inverted.findIndex(([t]) => t === term);
        if (rank < 0) return undefined;
        let j = starts.length - 1;
        while (starts[j] > rank) j--;
        const n = positionFile + j;
        if (!this.positions.has(n)) {
          const terms = inverted.slice(starts[j], starts[j + 1] ?? inverted.length).map(([t]) => t);
          this.positions.set(n, S.positions(n, this.payload.shardVersion)
            .then((text) => S.phrases.decodePositions(text, terms)));
        }
        return this.positions.get(n).then((table) => table.get(term));
      });
    }

    /* The token set of every term loaded so far (lunr's expansion of wildcards and edit
     * distances reads it), rebuilt only when read after shards were added. */
    freshTokenSet() {
      if (!this.stale) return;
      const builder = new lunr.TokenSet.Builder();
      for (const part of this.parts) { // in shard order: terms in sorted order
        if (part) for (const [term] of part.inverted) builder.insert(term);
      }
      builder.finish();
      this.index.tokenSet = builder.root;
      this.stale = false;
    }

    /* Runs parsed clauses on the shards loaded so far: lunr's answer, from score.js, or from
     * lunr itself for the queries score.js leaves to it. */
    run(clauses) {
      try {
        if (clauses.some((c) => S.Scorer.widens(c))) this.freshTokenSet();
        const results = this.scorer.query(this.index, clauses);
        if (results) return { results };
        if (clauses.every((c) => c.presence === PROHIBITED)) this.completeVectors();
        this.freshTokenSet();
        return { results: this.index.query((q) => { q.clauses = clauses; }) };
      } catch (error) {
        return { error: friendlyError(error), results: [] };
      }
    }

    /* Store entries for refs, loading their chunks: [{ref, title, slug, date, tags, text}]. */
    entries(refs) {
      const size = this.payload.storeChunk, version = this.payload.storeVersion;
      const chunks = new Map();
      const ks = [...new Set(refs.map((ref) => Math.floor(ref / size)))].sort((a, c) => a - c);
      const loads = ks.map((k) => S.store(k, version).then((data) => { chunks.set(k, data); }));
      return Promise.all(loads).then(() => refs.map((ref) => {
        const data = chunks.get(Math.floor(ref / size)), i = ref % size;
        return { ref, title: data.title[i], slug: data.slug[i], date: data.date[i], tags: data.tags[i], text: data.text[i] };
      }));
    }
  }

  S.Engine = Engine;
})();
