/* sitegen search: typo correction against the vocabulary (search/words.js, every indexed word,
 * loaded only when a word of a query matches nothing).
 */
(() => {
  "use strict";

  const S = window.SitegenSearch;

  /* Optimal string alignment distance (edits and swaps of neighbours), or max + 1 once it
   * must exceed max. */
  const distance = (a, b, max) => {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    let before = null, previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      let best = i;
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
        if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          d = Math.min(d, before[j - 2] + 1);
        }
        row.push(d);
        best = Math.min(best, d);
      }
      if (best > max) return max + 1;
      before = previous;
      previous = row;
    }
    return previous[b.length];
  };

  /* Edits a word of this length may carry: none below 4 letters, 1 up to 7, 2 beyond. */
  const allowed = (word) => (word.length < 4 ? 0 : word.length <= 7 ? 1 : 2);

  /* The vocabulary's words closest to word (at most a few), [] when none is near enough. */
  const closest = (vocabulary, word) => {
    const max = allowed(word);
    let best = max + 1, found = [];
    if (!max) return found;
    for (const candidate of vocabulary) {
      const d = distance(word, candidate, Math.min(max, best));
      if (d < best) {
        best = d;
        found = [candidate];
      } else if (d === best && d <= max) found.push(candidate);
    }
    return found.slice(0, 4);
  };

  S.typos = { distance, closest, allowed };
})();
