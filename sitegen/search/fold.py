"""Folding of indexed text and queries: accents, TeX accents, compounds.

static/search/fold.js applies the same rules to what a reader types, so `Schutze`, `Schütze` and
`Sch\\"utze` are one term at build time and in the browser (tests/test_search_fold.py runs both
over the same strings).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# TeX accent commands around one letter: \"u, \"{u}, {\"u}, \'e, \c{c}, \v s.
_TEX_SYMBOL = re.compile(r"""\{?\\[`'^"~=.]\s*\{?([A-Za-z])\}?\}?""")
_TEX_LETTER = re.compile(r"\{?\\[uvHckrdb](?:\{([A-Za-z])\}| ([A-Za-z]))\}?")
# Letters NFKD leaves whole, spelled as an English keyboard types them.
_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "\u0131": "i"}
)  # fmt: skip
_NON_ASCII = re.compile("[^\x00-\x7f]+")


def fold_tex(text: str) -> str:
    """`text` with TeX accent commands replaced by their letter (`T\\"ulu`: `Tulu`)."""
    if "\\" not in text:
        return text
    text = _TEX_SYMBOL.sub(r"\1", text)
    return _TEX_LETTER.sub(lambda m: m.group(1) or m.group(2), text)


def fold(text: str) -> str:
    """`text` without accents or TeX accent commands, as the browser folds queries."""
    text = fold_tex(text)
    if text.isascii():
        return text
    # Letters fold one by one (NFKD reorders only marks, never across ASCII): each distinct
    # run of non-ASCII characters once, not every character of every abstract.
    return _NON_ASCII.sub(lambda match: _fold_run(match.group()), text)


@lru_cache(maxsize=1 << 14)
def _fold_run(run: str) -> str:
    text = unicodedata.normalize("NFKD", run.translate(_LETTERS))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def with_compounds(text: str) -> str:
    """`text` folded, then the joined form of each hyphenated word added at the end, so
    `multitask` finds `multi-task` (lunr indexes its parts, `multi` and `task`, already)."""
    text = fold(text)
    joined = compounds(text)
    return f"{text} {' '.join(joined)}" if joined else text


def compounds(folded: str) -> list[str]:
    """The joined forms `with_compounds` adds to folded text, each one word."""
    if "-" not in folded:
        return []
    return [joined for word in folded.split() if "-" in word for joined in _joined(word)]


def _joined(word: str) -> list[str]:
    """The runs of parts between single hyphens in `word`, joined ("x-y--z": "xy")."""
    out, run = [], []
    for part in [*word.split("-"), ""]:
        if part:
            run.append(part)
            continue
        if len(run) > 1:
            out.append("".join(run))
        run = []
    return out
