/* sitegen search: quoted phrases, checked on term positions (search/positions-<n>.js, a few
 * terms each, loaded only for a query with a phrase; sitegen/search/positions.py writes them).
 */
(() => {
  "use strict";

  const S = window.SitegenSearch;
  const { readVarints } = S.decode;

  /* A positions file -> term -> per field -> Map(doc -> positions). terms: the file's. */
  const decodePositions = (text, terms) => {
    const out = new Map(), parts = text ? text.split(";") : [];
    terms.forEach((term, t) => {
      out.set(term, (parts[t] || "").split(",").map((field) => {
        const numbers = readVarints(field), docs = new Map();
        for (let i = 0, doc = -1; i < numbers.length;) {
          doc += numbers[i] + 1;
          const count = numbers[i + 1], positions = [];
          for (let j = 0, at = 0; j < count; j++) positions.push(at += numbers[i + 2 + j]);
          docs.set(doc, positions);
          i += 2 + count;
        }
        return docs;
      }));
    });
    return out;
  };

  /* The lunr term of each word of a phrase, null for stop words (they keep their place). */
  const phraseTerms = (words) => words.map((word) => {
    const token = lunr.stopWordFilter(lunr.trimmer(new lunr.Token(word)));
    return token && token.toString() ? lunr.stemmer(token).toString() : null;
  });

  /* Whether doc holds the phrase's terms one after another in field f. at(term) -> the term's
   * per-field maps, or undefined. */
  const holds = (terms, at, doc, f) => {
    const first = terms.findIndex(Boolean);
    if (first < 0) return false;
    const start = at(terms[first]);
    const positions = start && start[f].get(doc);
    if (!positions) return false;
    return positions.some((p) => terms.every((term, i) => {
      if (!term) return true;
      const fields = at(term), there = fields && fields[f].get(doc);
      return !!there && there.includes(p + i - first);
    }));
  };

  S.phrases = { decodePositions, phraseTerms, holds };
})();
