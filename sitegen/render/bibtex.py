"""Papers -> BibTeX: one entry per paper, `papers.bib` and one .bib per tag. Pure: no I/O.

Every field is written so that `sitegen import` reads it back as the same text (see
sitegen/tex.py), and each paper keeps one citation key across all the files of a build.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence

from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from slugify import slugify

from sitegen import urls
from sitegen.content.models import Paper, Tag
from sitegen.content.tex import text_to_tex
from sitegen.content.venues import venue_kind

_WEB_ADDRESS = re.compile(r"https?://\S+$", re.IGNORECASE)
"""A venue that is a link (exported as `howpublished` with a `\\url`)."""

# Title words a citation key skips ("On the ..." -> the next word).
_STOPWORDS = frozenset(
    ("a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at", "is")
)


def entry_key(paper: Paper, used: set[str]) -> str:
    """A citation key such as `muller2020bert`, not in `used` (and then added to it): the
    first author's last name, the year, the title's first word (without authors: the word,
    then the year); `a`, `b`, ... on clashes."""
    base = key_base(paper)
    key, number = base, 0
    while key.casefold() in used:
        number += 1
        key = base + _letters(number)
    used.add(key.casefold())
    return key


def entry_keys(papers: Iterable[Paper]) -> dict[str, str]:
    """Every paper's citation key, by slug. Earlier papers (by date, then slug) get the plain
    key, so adding a newer paper never changes the key of one already cited."""
    last = _LAST_KEYS.get("keys")
    if last is not None and last[0] is papers:  # the pages' keys, in the feeds' side job
        return dict(last[1])
    used: set[str] = set()
    ordered = sorted(papers, key=lambda paper: (paper.date, paper.slug))
    keys = {paper.slug: entry_key(paper, used) for paper in ordered}
    if isinstance(papers, tuple):  # kept with the tuple: it cannot change, nor its id be reused
        _LAST_KEYS["keys"] = (papers, dict(keys))
    return keys


_LAST_KEYS: dict[str, tuple[tuple[Paper, ...], dict[str, str]]] = {}
"""The last tuple of papers given to `entry_keys`, with their keys: a build asks twice for
its papers' keys (its pages, and the .bib files in a forked worker), 50 ms at 10,000 papers."""


def clash_groups(papers: Iterable[Paper]) -> dict[str, list[Paper]]:
    """The papers by the `clash_root` of their key base: a paper's key clashes only with
    keys of its own group."""
    groups: dict[str, list[Paper]] = {}
    for paper in papers:
        groups.setdefault(clash_root(key_base(paper)), []).append(paper)
    return groups


def entry_key_among(paper: Paper, groups: Mapping[str, Sequence[Paper]]) -> str:
    """`entry_keys(papers)[paper.slug]` (`paper` being one of `papers`, `groups` their
    `clash_groups`), from the papers whose keys may clash with its alone (the pages of an
    edit need a few papers' keys, not 10,000)."""
    return entry_keys(groups[clash_root(key_base(paper))])[paper.slug]


def clash_root(base: str) -> str:
    """What every key a paper may get shares, given its key base: the base casefolded (as
    clashes are told) without its trailing letters (a clash adds letters, and `smith2020bert`
    + `a` may be another paper's base). Papers of different roots never clash: `entry_key`
    gives each one the same key among all papers as among those of its root."""
    return base.casefold().rstrip(string.ascii_lowercase)


def paper_bibtex(paper: Paper, key: str, abstract: bool = True) -> str:
    """One paper as a BibTeX entry: @article, @inproceedings or @misc by its venue (without
    the abstract field if not `abstract`)."""
    entry_type, fields = _entry(paper, abstract)
    return _write(entry_type, key, fields)


def paper_bibtex_both(paper: Paper, key: str) -> dict[str, str]:
    """A paper page's two entries, `bibtex` (without the abstract) and `bibtex_full`, from
    one set of fields."""
    entry_type, fields = _entry(paper)
    short = [(name, value) for name, value in fields if name != "abstract"]
    return {
        "bibtex": _write(entry_type, key, short),
        "bibtex_full": _write(entry_type, key, fields),
    }


def bibliography(papers: Sequence[Paper], keys: dict[str, str] | None = None) -> str:
    """Papers as one .bib file, in the order given; `keys` by slug (default: entry_keys)."""
    keys = keys if keys is not None else entry_keys(papers)
    return "\n".join(paper_bibtex(paper, keys[paper.slug]) for paper in papers)


def bib_files(papers_newest_first: Sequence[Paper], tags: Iterable[Tag]) -> dict[str, bytes]:
    """`papers.bib` with every paper and `tags/<slug>.bib` for each tag, as UTF-8 bytes.

    Keys are computed over all papers, so a paper has the same key in every file."""
    keys = entry_keys(papers_newest_first)
    # Each entry is made once: a paper is in papers.bib and in the file of each of its tags.
    entries = {p.slug: paper_bibtex(p, keys[p.slug]).encode("utf-8") for p in papers_newest_first}
    return {
        path: bib_file([entries[p.slug] for p in papers])
        for path, papers in bib_contents(papers_newest_first, tags).items()
    }


def bib_contents(
    papers_newest_first: Sequence[Paper], tags: Iterable[Tag]
) -> dict[str, Sequence[Paper]]:
    """The papers of each .bib file, in their order: all of them in `papers.bib`, a tag's
    in `tags/<slug>.bib`."""
    files = {urls.BIBLIOGRAPHY: papers_newest_first}
    files.update((urls.tag_bibliography(tag.slug), tag.papers) for tag in tags)
    return files


def bib_file(entries: Iterable[bytes | memoryview]) -> bytes:
    """A .bib file of these entries (`paper_bibtex`, UTF-8), in order."""
    return b"\n".join(entries)


_KeyInputs = tuple[str, int, str]
_KEY_BASES: dict[_KeyInputs, str] = {}
"""Each key base made or remembered in this process, by what it is made of (the first
author, the year and the title): slugify is slow, and every build asks for every paper."""


def key_base(paper: Paper) -> str:
    """The paper's citation key before any clash letter: `muller2020bert`."""
    inputs = _key_inputs(paper)
    base = _KEY_BASES.get(inputs)
    if base is None:
        base = _KEY_BASES[inputs] = _key_of(*inputs)
    return base


def remember_key_base(paper: Paper, base: str) -> None:
    """Take `base` as `paper`'s key base, as `key_base` made it for an equal paper (in
    another process or an earlier run of the same code)."""
    _KEY_BASES[_key_inputs(paper)] = base


def _key_inputs(paper: Paper) -> _KeyInputs:
    first_author = paper.authors[0] if paper.authors else ""
    return first_author, paper.year or paper.date.year, paper.title


def _key_of(first_author: str, year: int, title: str) -> str:
    author = _last_name(first_author) if first_author else ""
    # Lazily: slugify is slow, and the first word that is not a stop word ends the search.
    words = (w for w in (slugify(word, separator="") for word in title.split()) if w)
    first = next(words, "paper")
    word = (
        first if first not in _STOPWORDS else next((w for w in words if w not in _STOPWORDS), first)
    )
    author_key = slugify(author, separator="")
    # No author: the title's word leads (`calico2025`), as reference managers do.
    return f"{author_key}{year}{word}" if author_key else f"{word}{year}"


def _last_name(name: str) -> str:
    try:
        parts = parse_single_name_into_parts(name)
    except InvalidNameError:
        return name.split()[-1] if name.split() else ""
    return " ".join(parts.last) or name


def _letters(number: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa: the suffixes of clashing keys."""
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def _entry_type(venue: str | None) -> tuple[str, str | None]:
    """The entry type and the field the venue goes in."""
    if not venue:
        return "misc", None
    if _WEB_ADDRESS.match(venue):
        return "misc", "howpublished"
    return {
        "conference": ("inproceedings", "booktitle"),
        "journal": ("article", "journal"),
        "other": ("misc", "howpublished"),
    }[venue_kind(venue)]


def _entry(paper: Paper, abstract: bool = True) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and the fields of a paper's entry, in order, as TeX."""
    entry_type, venue_field = _entry_type(paper.venue)
    # Double braces: the title's capitals are kept as written (`{BERT}` stays upper case).
    fields = [("title", "{{" + text_to_tex(paper.title) + "}}")]
    if paper.authors:
        fields.append(("author", "{" + " and ".join(map(_author, paper.authors)) + "}"))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if venue_field and paper.venue and _WEB_ADDRESS.match(paper.venue):
        # A venue that is a web address is a link, as `sitegen import` reads it back.
        fields.append((venue_field, "{\\url{" + _verbatim(paper.venue) + "}}"))
    elif venue_field and paper.venue:
        fields.append((venue_field, "{" + text_to_tex(paper.venue, keep_math=False) + "}"))
    if paper.doi:
        fields.append(("doi", "{" + _verbatim(paper.doi) + "}"))
    if paper.url:
        fields.append(("url", "{" + _verbatim(paper.url) + "}"))
    if paper.arxiv:
        fields += [("eprint", "{" + _verbatim(paper.arxiv) + "}"), ("archivePrefix", "{arXiv}")]
    if paper.tags:
        tags = ", ".join(text_to_tex(tag, keep_math=False) for tag in paper.tags)
        fields.append(("keywords", "{" + tags + "}"))
    if abstract and paper.abstract.strip():
        fields.append(("abstract", "{" + text_to_tex(paper.abstract.strip()) + "}"))
    return entry_type, fields


def _author(name: str) -> str:
    tex = text_to_tex(name, keep_math=False)
    # A comma or the word "and" inside a name would split it; braces keep it one name.
    if "," in name or re.search(r"\band\b", name, re.IGNORECASE):
        return "{" + tex + "}"
    return tex


def _verbatim(text: str) -> str:
    """URLs and DOIs are written as they are (biblatex reads them verbatim); only braces,
    which would end the field, are percent-encoded."""
    return text.replace("{", "%7B").replace("}", "%7D")


def _write(entry_type: str, key: str, fields: Sequence[tuple[str, str]]) -> str:
    """An entry as bibtexparser writes it (two-space indent, no trailing comma), without its
    library and format objects: a build writes two for every paper page and one per paper
    for the .bib files."""
    lines = ",\n".join([f"  {name} = {value}" for name, value in fields])
    return f"@{entry_type}{{{key},\n{lines}\n}}\n"
