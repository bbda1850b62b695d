"""When two papers are one: the identity of a title, and what tells two equal titles apart.

Shared by the build (two content files with one title are an error) and the importers (an
entry with a known title is that paper), so both agree on what a duplicate is.
"""

from __future__ import annotations

import re
import unicodedata

from sitegen.content.models import Paper

ARXIV_ID = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?", re.IGNORECASE
)
"""A new-style (`2401.01234v2`) or old-style (`hep-th/9901001`) arXiv identifier."""
DOI = re.compile(r"10\.\d{4,}(?:\.\d+)*/\S+")
"""A DOI: `10.<registrant>/<suffix>` (the suffix may hold any visible character)."""


def arxiv_key(arxiv: str | None) -> str | None:
    """An arXiv id without its version (`2101.00001v2` -> `2101.00001`), for deduplication."""
    if not arxiv:
        return None
    match = ARXIV_ID.fullmatch(arxiv.strip())
    return match.group("id").casefold() if match else arxiv.strip().casefold()


def doi_key(doi: str | None) -> str | None:
    """A DOI as compared: DOIs are case-insensitive."""
    return doi.strip().casefold() if doi else None


# A hyphen, dash or apostrophe between two letters joins them: "Auto-encoders",
# "Auto\u2010encoders" and "Autoencoders" are one word, "Don't" and "Don\u2019t" too.
_JOINER = re.compile(r"(?<=\w)[-\u00ad\u2010-\u2015\u2212'\u2019\u02bc](?=\w)")
GENERIC_TITLES = frozenset(
    (
        "online reference", "online", "web page", "webpage", "website", "web site", "homepage",
        "home page", "untitled", "no title", "title", "documentation", "docs", "introduction",
        "preface", "foreword", "editorial", "index", "contents", "table of contents",
        "front matter", "back matter", "erratum", "errata", "corrigendum", "correction",
        "abstract", "reply", "comment", "discussion", "book review", "review", "software",
        "dataset", "github", "readme", "blog post", "blog", "technical report", "report",
        "thesis", "slides", "presentation", "poster", "keynote", "preprint", "arxiv",
        "supplementary material", "supplementary", "appendix", "manual", "user guide",
    )
)  # fmt: skip
"""Titles (normalised) that reference managers give to things that are not one work: 20
Mendeley entries titled "Online reference" (MongoDB, Redis, ...) are 20 papers."""


def normalise_title(title: str) -> str:
    """The identity of a paper: case, punctuation, dashes, quotes, hyphenation ("pre-training",
    "pretraining"), spacing and Unicode form do not matter."""
    text = _JOINER.sub("", unicodedata.normalize("NFKC", title).casefold())
    return " ".join(re.sub(r"[\W_]+", " ", text).split()) or text.strip()


def is_generic_title(title: str) -> bool:
    """A title that names a kind of document, not a work ("Online reference", "Untitled")."""
    key = normalise_title(title)
    return key in GENERIC_TITLES or not any(char.isalpha() for char in key)


def told_apart(a: Paper, b: Paper) -> bool:
    """Whether two papers with one title are still two: the title is generic, or both their
    authors and their years disagree."""
    if is_generic_title(a.title) or is_generic_title(b.title):
        return True
    years_differ = bool(a.year and b.year and a.year != b.year)
    return years_differ and _authors_differ(a.authors, b.authors)


def _authors_differ(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Both lists are known and share no last name."""
    if not a or not b:
        return False
    last = [{_last(name) for name in names} for names in (a, b)]
    return not last[0] & last[1]


def _last(name: str) -> str:
    words = unicodedata.normalize("NFKC", name).casefold().split()
    return words[-1] if words else ""
