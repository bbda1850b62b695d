/* sitegen search, 1 of 3: decoding the compact index (sitegen/search_codec.py).
 *
 * A term shard -> lunr inverted-index entries for its terms and, per field vector, the elements
 * those terms add (decodeTerms); its surface words -> a sorted table for prefix matching
 * (wordTable). Scores are computed here, from the global field lengths in search/index.js
 * (scoring), exactly as lunr computes them when it builds an index.
 */
(() => {
  "use strict";

  const LAST = "0123456789abcdefghijklmnopqrstuv";
  const MORE = "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
  // Char code -> digit value, +32 for the non-final digits of a varint.
  const DIGIT = new Int8Array(128);
  for (let d = 0; d < 32; d++) {
    DIGIT[LAST.charCodeAt(d)] = d;
    DIGIT[MORE.charCodeAt(d)] = d + 32;
  }
  const COMMA = 44; // "," ends a field's postings within a term's
  const NO_METADATA = Object.freeze({}); // lunr copies metadata before changing it; all of ours is empty

  /* Reads the varints of text in order from pos: a base-32 digit per character, the last one
   * of a number from LAST, the others from MORE. */
  class Varints {
    constructor(text, pos = 0) {
      this.text = text;
      this.pos = pos;
    }

    more() {
      return this.pos < this.text.length;
    }

    next() {
      let value = 0;
      for (;;) {
        const digit = DIGIT[this.text.charCodeAt(this.pos++)];
        if (digit < 32) return value * 32 + digit;
        value = value * 32 + digit - 32;
      }
    }
  }

  const readVarints = (text) => {
    const out = [];
    for (const reader = new Varints(text); reader.more();) out.push(reader.next());
    return out;
  };

  /* Front-coded strings, space separated: each is a varint (characters kept from the previous
   * one) and the characters that follow. */
  const frontDecode = (text) => {
    const out = [];
    if (!text) return out;
    let previous = "";
    for (const part of text.split(" ")) {
      const reader = new Varints(part);
      const keep = reader.next();
      previous = previous.slice(0, keep) + part.slice(reader.pos);
      out.push(previous);
    }
    return out;
  };

  /* Python's round(x, 3) for x >= 0: toFixed rounds the exact binary value, ties away from zero;
   * Python rounds ties to even. A tie at 3 decimals means x is an odd multiple of 1/16. */
  const round3 = (x) => {
    const scaled = x * 1000;
    // Away from a tie, x * 1000's own rounding cannot change k, and k / 1000 is the double
    // nearest the decimal, as Python returns. Near one, do it exactly.
    if (Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6) return Math.round(scaled) / 1000;
    const sixteenths = x * 16;
    if (Number.isInteger(sixteenths) && sixteenths % 2 === 1) {
      const k = Math.floor(x * 1000);
      return (k % 2 === 0 ? k : k + 1) / 1000;
    }
    return +x.toFixed(3);
  };

  /* entry[field] is lunr's {ref: metadata} posting, built on first read: a query reads the
   * postings of its few terms only, and building all of them is most of the decoding time.
   * docs: the field's documents, ascending. */
  const lazyPosting = (entry, field, docs) => {
    Object.defineProperty(entry, field, {
      configurable: true,
      enumerable: true,
      get() {
        const posting = {};
        for (const doc of docs) posting[doc] = NO_METADATA;
        Object.defineProperty(entry, field, { value: posting, writable: true, enumerable: true, configurable: true });
        return posting;
      },
    });
  };

  /* What every shard's scores are computed from: the global field lengths and their averages. */
  const scoring = (meta) => {
    const n = meta.docs;
    const lengths = meta.lengths.map(readVarints);
    return {
      fields: meta.fields, n, k1: meta.k1, b: meta.b, boosts: meta.boosts, lengths,
      averages: lengths.map((perDoc) => {
        let sum = 0;
        for (const length of perDoc) sum += length;
        return n ? sum / n : 0;
      }),
    };
  };

  // Scratch space for one term's postings (field, doc, tf), reused: no garbage per term.
  let scratch = new Int32Array(3 * 1024);

  /* A shard's terms as lunr inverted-index entries, and per field vector slot (doc * fields +
   * field) the elements of those terms: {inverted, slots}. */
  const decodeTerms = (sc, shard) => {
    const { fields, n, k1, b } = sc;
    const F = fields.length;
    const slots = new Map(); // doc * F + field -> [termIndex, score, ...]
    const inverted = [];
    const terms = frontDecode(shard.terms);
    const postings = terms.length ? shard.postings.split(";") : [];

    // A term's postings: per field (comma separated), per document, a varint of twice the gap
    // from the previous document, plus one when tf > 1; then a varint of tf - 2.
    const decodeTerm = (term, termIndex, text) => {
      const reader = new Varints(text);
      let count = 0, field = 0, previous = -1;
      while (reader.more()) {
        if (text.charCodeAt(reader.pos) === COMMA) {
          reader.pos++;
          field++;
          previous = -1;
          continue;
        }
        const value = reader.next();
        if (count * 3 + 3 > scratch.length) {
          const bigger = new Int32Array(scratch.length * 2);
          bigger.set(scratch);
          scratch = bigger;
        }
        scratch[count * 3 + 2] = value % 2 ? reader.next() + 2 : 1;
        previous = previous + 1 + Math.floor(value / 2);
        scratch[count * 3] = field;
        scratch[count * 3 + 1] = previous;
        count++;
      }
      const x = (n - count + 0.5) / (count + 0.5), idf = Math.log(1 + Math.abs(x)); // lunr.idf
      const docs = new Int32Array(count), values = new Float64Array(count);
      for (let j = 0; j < count; j++) {
        const g = scratch[j * 3], docRef = scratch[j * 3 + 1], freq = scratch[j * 3 + 2];
        const len = sc.lengths[g][docRef];
        let score = idf * ((k1 + 1) * freq) / (k1 * (1 - b + b * (len / sc.averages[g])) + freq);
        score *= sc.boosts[g];
        const slot = docRef * F + g;
        let elements = slots.get(slot);
        if (!elements) slots.set(slot, elements = []);
        elements.push(termIndex, values[j] = round3(score));
        docs[j] = docRef;
      }
      // Per field, its documents and their field vectors' values for this term (score.js reads
      // them); not enumerable, so the entry stays the lunr posting it was.
      const columns = [], entry = {};
      let start = 0;
      for (let f = 0; f < F; f++) {
        let end = start;
        while (end < count && scratch[end * 3] === f) end++;
        columns.push({ docs: docs.subarray(start, end), values: values.subarray(start, end) });
        if (end === start) entry[fields[f]] = {};
        else lazyPosting(entry, fields[f], columns[f].docs);
        start = end;
      }
      Object.defineProperty(entry, "columns", { value: columns });
      entry._index = termIndex;
      inverted.push([term, entry]);
    };

    terms.forEach((term, t) => decodeTerm(term, shard.first + t, postings[t]));
    return { inverted, slots };
  };

  /* A shard's terms and surface words, sorted, each with the term it stems to: a prefix finds
   * its terms by binary search. terms: the shard's, as decodeTerms gives them. */
  const wordTable = (shard, terms) => {
    const words = terms.map((term) => [term, term]);
    const surface = frontDecode(shard.words);
    const stems = surface.length ? shard.stems.split(" ") : [];
    surface.forEach((word, i) => {
      // A stem is a varint (characters dropped from the word's end) and the characters added.
      const reader = new Varints(stems[i]);
      const drop = reader.next();
      words.push([word, word.slice(0, word.length - drop) + stems[i].slice(reader.pos)]);
    });
    words.sort((a, c) => (a[0] < c[0] ? -1 : a[0] > c[0] ? 1 : 0));
    return words;
  };

  window.SitegenSearch.decode = { scoring, decodeTerms, wordTable, readVarints, frontDecode };
})();
