/* sitegen search: lunr.Index#query's answer, computed on the decoded postings.
 *
 * Same clauses in, same results out (refs, float scores, order, matchData), as stock lunr.js
 * 2.3.9 would give on the engine's lunr.Index, but over typed arrays indexed by document: lunr
 * builds a Set and a MatchData per posting, which made a common query take 100 ms and more at
 * 10,000 papers. Each step below names the lunr step it stands for. Queries of prohibited
 * words only, and clauses whose pipeline gives no term, are left to lunr (score returns null).
 */
(() => {
  "use strict";

  const { PROHIBITED, REQUIRED } = lunr.Query.presence;
  const sum = (a, b) => a + b;
  const NO_METADATA = Object.freeze({}); // every posting's: sitegen keeps no lunr metadata

  /* Whether a clause's terms match other terms (a wildcard or an edit distance). */
  const widens = (clause, term = clause.term) => !!clause.editDistance || term.includes("*");

  /* A clause's term's matching index terms, in lunr's order (TokenSet#intersect), or [term]
   * itself when it is a plain word. */
  const expandTerm = (index, clause, term) => {
    if (!widens(clause, term)) return index.invertedIndex[term] ? [term] : [];
    return index.tokenSet.intersect(lunr.TokenSet.fromClause({ ...clause, term })).toArray();
  };

  /* Whether sorted docs holds doc. */
  const has = (docs, doc) => {
    let lo = 0, hi = docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (docs[mid] < doc) lo = mid + 1; else hi = mid;
    }
    return lo < docs.length && docs[lo] === doc;
  };

  /* lunr's query over an index of docs documents and these fields; its work arrays, by
   * document or by field vector slot (doc * fields + field), are reused from query to query. */
  class Scorer {
    constructor(docs, fields) {
      this.fields = fields;
      this.dot = new Float64Array(docs * fields.length); // slot -> dot(query vector, field vector)
      this.order = new Int32Array(docs * fields.length); // slot -> 1 + when lunr first matched it
      this.touched = new Int32Array(docs * fields.length); // the matched slots, in that order
      this.hits = new Int32Array(docs); // doc -> how many required clauses it has matched
      this.prohibited = new Uint8Array(docs); // doc -> 1 if a prohibited clause matches it
      this.at = new Int32Array(docs); // doc -> its result's place + 1
    }

    /* lunr's Index#query(q => { q.clauses = clauses }) on index, or null where lunr must. */
    query(index, clauses) {
      if (clauses.every((c) => c.presence === PROHIBITED)) return null;
      const run = {
        index, F: this.fields.length, touched: 0, pairs: [], seen: new Set(), entries: new Map(),
        vectors: this.fields.map(() => new lunr.Vector()), required: 0, noneRequired: false,
        hits: this.hits.fill(0), prohibited: this.prohibited.fill(0),
      };
      try {
        for (const clause of clauses) {
          const terms = clause.usePipeline ? index.pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
          if (!terms.length) return null;
          this.clause(run, clause, terms);
        }
        return this.results(run);
      } finally {
        for (let i = 0; i < run.touched; i++) this.order[this.touched[i]] = this.dot[this.touched[i]] = 0;
      }
    }

    /* One clause: the documents it requires or prohibits, the query vector's terms and the
     * field vectors it matches (lunr's matchingFields, in lunr's order). */
    clause(run, clause, terms) {
      const fieldOf = clause.fields.map((name) => this.fields.indexOf(name));
      const required = clause.presence === REQUIRED, prohibited = clause.presence === PROHIBITED;
      const before = run.required;
      for (const term of terms) {
        const expanded = expandTerm(run.index, clause, term);
        if (!expanded.length && required) {
          run.noneRequired = true; // lunr: requiredMatches[field] = Set.empty
          break;
        }
        for (const name of expanded) {
          const entry = run.index.invertedIndex[name];
          run.entries.set(entry._index, entry);
          fieldOf.forEach((f, k) => {
            const docs = entry.columns[f].docs;
            if (required) for (const doc of docs) if (run.hits[doc] === before) run.hits[doc] = before + 1;
            if (prohibited) {
              for (const doc of docs) run.prohibited[doc] = 1;
              return;
            }
            run.vectors[f].upsert(entry._index, clause.boost, sum);
            if (run.seen.has(`${name}/${f}`)) return; // lunr's termFieldCache
            run.seen.add(`${name}/${f}`);
            run.pairs.push([name, f, entry, clause.fields[k]]);
            for (const doc of docs) {
              const slot = doc * run.F + f;
              if (!this.order[slot]) {
                this.touched[run.touched] = slot;
                this.order[slot] = ++run.touched;
              }
            }
          });
        }
      }
      if (required) run.required++;
    }

    /* lunr's scoring loop: per matched field vector in order, its similarity to the query
     * vector added to its document's score; then sorted by score (a stable sort). */
    results(run) {
      if (run.noneRequired) return [];
      const { F, vectors } = run;
      vectors.forEach((vector, f) => { // dot products, each summed in term index order as lunr's
        for (let i = 0; i < vector.elements.length; i += 2) {
          const { docs, values } = run.entries.get(vector.elements[i]).columns[f], boost = vector.elements[i + 1];
          for (let j = 0; j < docs.length; j++) this.dot[docs[j] * F + f] += boost * values[j];
        }
      });
      const results = [], at = this.at.fill(0);
      for (let i = 0; i < run.touched; i++) {
        const slot = this.touched[i], doc = (slot / F) | 0, f = slot % F;
        if (run.hits[doc] !== run.required || run.prohibited[doc]) continue;
        const score = this.dot[slot] / vectors[f].magnitude() || 0;
        if (at[doc] > 0) results[at[doc] - 1].add(slot, score);
        else at[doc] = results.push(new Result(run, doc, score, slot));
      }
      return results.sort((a, b) => b.score - a.score);
    }
  }

  /* A result as lunr gives it: {ref, score, matchData}, its matchData built when read (most
   * results are never shown). */
  class Result {
    #run;
    #slots;

    constructor(run, doc, score, slot) {
      this.ref = String(doc);
      this.score = score;
      this.#run = run;
      this.#slots = slot; // an array once it has several: most results match in one field
    }

    /* Adds the score of another of its field vectors. */
    add(slot, score) {
      this.score += score;
      if (typeof this.#slots === "number") this.#slots = [this.#slots, slot];
      else this.#slots.push(slot);
    }

    get matchData() {
      const run = this.#run, slots = [this.#slots].flat(), doc = +this.ref;
      const fieldMatch = (slot) => { // lunr: matchingFields[fieldRef]
        let data = null;
        for (const [term, f, entry, name] of run.pairs) {
          if (f !== slot % run.F || !has(entry.columns[f].docs, doc)) continue;
          if (data) data.add(term, name, NO_METADATA); else data = new lunr.MatchData(term, name, NO_METADATA);
        }
        return data;
      };
      const matchData = fieldMatch(slots[0]);
      for (const slot of slots.slice(1)) matchData.combine(fieldMatch(slot));
      Object.defineProperty(this, "matchData", { value: matchData, enumerable: true });
      return matchData;
    }
  }

  window.SitegenSearch.Scorer = Scorer;
  window.SitegenSearch.Scorer.widens = widens;
})();
