/* sitegen search: folding what a reader types as sitegen/search/fold.py folds indexed text,
 * so "Schutze", "Schütze" and "Sch\"utze" are one term.
 */
(() => {
  "use strict";

  // TeX accent commands around one letter: \"u, \"{u}, {\"u}, \'e, \c{c}, \v s.
  const TEX_SYMBOL = /\{?\\[`'^"~=.]\s*\{?([A-Za-z])\}?\}?/g;
  const TEX_LETTER = /\{?\\[uvHckrdb](?:\{([A-Za-z])\}| ([A-Za-z]))\}?/g;
  // Letters NFKD leaves whole, spelled as an English keyboard types them.
  const LETTERS = {
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i",
  };
  const SPECIAL = new RegExp(`[${Object.keys(LETTERS).join("")}]`, "g");

  const fold = (text) => {
    const plain = text.replace(TEX_SYMBOL, "$1").replace(TEX_LETTER, (_, a, b) => a || b);
    // eslint-disable-next-line no-control-regex
    if (/^[\u0000-\u007f]*$/.test(plain)) return plain;
    return plain.replace(SPECIAL, (c) => LETTERS[c]).normalize("NFKD").replace(/\p{Mn}/gu, "");
  };

  window.SitegenSearch.fold = fold;
})();
