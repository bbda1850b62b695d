/* sitegen search: what a reader typed -> a lunr query string and the phrases it holds.
 *
 * lunr's own syntax (+word, -word, field:word, word*, word~1, word^2) passes through. On top:
 * "quoted phrases" (optionally field:"..."), field values with hyphens (tag:contrastive-learning,
 * a phrase in that field), status:to-read (indexed as "toread"), and hyphenated words, which
 * become their joined form (the index holds "multitask" beside "multi" and "task").
 */
(() => {
  "use strict";

  const S = window.SitegenSearch;
  const PHRASE = /(?:([A-Za-z]+):)?"([^"]*)("|$)/g;
  const FIELD_COMPOUND = /(^|\s)([A-Za-z]+):([^\s"+]*[^\s"+-]-[^\s"]*)/g;
  const COMPOUND = /(^|\s)([^\s"+:~^-][^\s":~^]*-[^\s":~^]*)/g;
  // An explicit presence, edit distance or boost: the reader wrote lunr's own syntax.
  const LUNR_OWN = /(^|\s)[+-]\S|[~^]/;

  const words = (text) => text.split(/[\s-]+/).filter(Boolean);

  /* text -> {text: lunr query string, phrases: [{field, words}], own: lunr's own syntax} */
  const readQuery = (raw) => {
    const phrases = [];
    const phrase = (field, body) => {
      const parts = words(body.toLowerCase());
      if (parts.length > 1) phrases.push({ field: field || null, words: parts });
      return ` ${parts.map((w) => (field ? `${field}:${w}` : w)).join(" ")} `;
    };
    // "PASTA: Pretrained ...", a pasted title: a colon before a space names no field.
    let text = S.fold(raw).replace(/:(\s|$)/g, " $1").replace(PHRASE, (_, field, body) => phrase(field, body));
    const own = LUNR_OWN.test(text);
    text = text.replace(FIELD_COMPOUND, (_, space, field, value) => (field.toLowerCase() === "status"
      ? `${space}${field}:${value.replace(/-/g, "")}`
      : space + phrase(field, value)));
    if (!own) text = text.replace(COMPOUND, (_, space, word) => space + word.replace(/-/g, ""));
    return { text: raw.endsWith(" ") || !text.endsWith(" ") ? text : text.trimEnd(), phrases, own };
  };

  S.readQuery = readQuery;
})();
