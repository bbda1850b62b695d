"""Personal names as bibliographies treat them: family name first for sorting, family names
for short author lists."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

SHORT_AUTHORS = 2
"""Family names a short author list shows before "… +N" (3 names show in full)."""


@lru_cache(maxsize=1 << 16)  # every build asks again for every author
def family_name(name: str) -> str:
    """ "Jane van Doe" -> "van Doe", "Doe, Jane" -> "Doe"; a single word is its own."""
    try:
        parts = parse_single_name_into_parts(name)
    except InvalidNameError:
        return name.split()[-1] if name.split() else ""
    return " ".join((*parts.von, *parts.last)) or name


# Letters without a decomposition that an index files under a plain letter.
_PLAIN = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "\u0131": "i"}
)


def sort_fold(text: str) -> str:
    """ "Ørsted" -> "orsted", "Émile" -> "emile": text as an index sorts it."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return plain.casefold().translate(_PLAIN)


def family_sort_key(name: str) -> tuple[str, str]:
    """How a bibliography orders people: family name (without "van", "de"), then the rest."""
    try:
        parts = parse_single_name_into_parts(name)
    except InvalidNameError:
        return (sort_fold(name), "")
    last = " ".join(parts.last) or name
    return (sort_fold(last), sort_fold(name))


def short_authors(names: tuple[str, ...]) -> str:
    """ "Kusupati, Bhatt, … +9": the first family names and how many more there are."""
    if len(names) <= SHORT_AUTHORS + 1:
        return ", ".join(family_name(name) for name in names)
    shown = ", ".join(family_name(name) for name in names[:SHORT_AUTHORS])
    return f"{shown}, … +{len(names) - SHORT_AUTHORS}"


def index_name(name: str) -> str:
    """ "Jane van Doe" -> "van Doe, Jane": the name as an index lists it."""
    try:
        parts = parse_single_name_into_parts(name)
    except InvalidNameError:
        return name
    family = " ".join((*parts.von, *parts.last))
    given = " ".join((*parts.first, *parts.jr))
    return f"{family}, {given}" if family and given else name
