"""Parse a BibTeX file into candidate Papers, with bibtexparser 2 and pylatexenc.

Pure: text in, candidates and skip reasons (`path:line: reason`) out. TeX in titles, names,
abstracts and keywords is decoded to plain text; URLs and DOIs are taken as written (a `%` in
a URL is not a TeX comment).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from bibtexparser import model
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from sitegen.content.models import Paper, Source
from sitegen.content.papers import ARXIV_ID, DOI
from sitegen.content.tex import tex_to_text
from sitegen.errors import Problem
from sitegen.importers.daily_papers import MONTHS
from sitegen.text import is_web_address

KIND = "bibtex"
"""The `kind` of the Source entries this importer writes."""

_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/" + ARXIV_ID.pattern, re.IGNORECASE)
_ARXIV_JOURNAL = re.compile(r"\barxiv:\s*" + ARXIV_ID.pattern, re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_URL_MACRO = re.compile(r"^\\url\{(.*)\}$", re.DOTALL)
_TEX_ESCAPE = re.compile(r"\\([_%&#$~])")

_Value: TypeAlias = Callable[[str], "str | None"]
"""`value(key)`: an entry's field, stripped, or None when absent or empty."""


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One usable entry of a BibTeX file."""

    paper: Paper
    """The paper it describes (no slug or path yet; `date` is the import day)."""
    key: str
    """The entry's citation key (e.g. `muller2020bert`)."""
    line: int
    """1-based line of the entry's `@type{` in the file."""
    month: int | None = None
    """The `month` field as 1-12, when given (Paper has no month of its own)."""


class _Skip(Exception):
    """A field that makes its entry unusable, and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def parse_bibtex(path: Path, text: str, today: dt.date) -> tuple[list[BibEntry], list[Problem]]:
    """The entries of a BibTeX file as Papers, and each entry left out as `path:line: reason`."""
    with _quiet_bibtexparser():
        library = parse_string(text)
    entries: list[BibEntry] = []
    skipped: list[Problem] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.ParsingFailedBlock):
            skipped.append(Problem(path, line, _failure(block)))
        elif isinstance(block, model.Entry):
            try:
                entries.append(_entry(path, block, line, today))
            except _Skip as skip:
                message = f"entry `{block.key}`: {skip.reason}: entry skipped"
                skipped.append(Problem(path, skip.line, message))
    return entries, skipped


@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    # bibtexparser logs every broken block; they are reported as skipped entries instead.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _failure(block: model.ParsingFailedBlock) -> str:
    if isinstance(block, model.DuplicateBlockKeyBlock):
        first = (block.previous_block.start_line or 0) + 1
        return f"entry key `{block.key}` is used again (first at line {first}): entry skipped"
    if isinstance(block, model.DuplicateFieldKeyBlock):
        keys = ", ".join(f"`{key}`" for key in sorted(block.duplicate_keys))
        return f"field {keys} given twice in one entry: keep one, then import again"
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    return f"not a valid BibTeX entry ({' '.join(reason.split())}): entry skipped"


def _entry(path: Path, entry: model.Entry, line: int, today: dt.date) -> BibEntry:
    fields = {f.key.casefold(): f for f in entry.fields}

    def value(key: str) -> str | None:
        field = fields.get(key)
        text = field.value if field is not None else None
        return text.strip() if isinstance(text, str) and text.strip() else None

    def where(key: str) -> int:
        field = fields.get(key)
        return field.start_line + 1 if field is not None else line

    title = " ".join(tex_to_text(value("title") or "").split())
    if not title:
        raise _Skip(line, "no `title`: every paper needs one")
    authors = _authors(value("author"), where("author"))
    url = _url(value("url"), where("url"))
    venue = _venue(entry.entry_type, value)
    paper = Paper(
        slug="",
        title=title,
        date=today,
        abstract=_abstract(value("abstract")),
        tags=_keywords(value("keywords")),
        authors=authors,
        url=url,
        arxiv=_arxiv(value, url),
        doi=_doi(value("doi"), where("doi")),
        year=_year(value("year"), where("year")),
        venue=venue,
        # A distinct but equal date: PyYAML writes one object used twice as an alias.
        sources=(Source(path.name, KIND, None, dt.date.fromordinal(today.toordinal())),),
    )
    return BibEntry(paper, entry.key, line, _month(value("month")))


def _authors(raw: str | None, line: int) -> tuple[str, ...]:
    """`Last, First and First Last and others` -> ("First Last", "First Last")."""
    if raw is None:
        return ()
    names = []
    for name in split_multiple_persons_names(raw):
        if name.strip().casefold() == "others":  # "and others": et al., not a person
            continue
        try:
            parts = parse_single_name_into_parts(name)
        except InvalidNameError:
            reason = f"author {name.strip()!r} is not a name: write `Last, First` or `First Last`"
            raise _Skip(line, reason) from None
        text = " ".join(tex_to_text(parts.merge_first_name_first).split())
        if text:
            names.append(text)
    return tuple(names)


def _abstract(raw: str | None) -> str:
    """Decoded, each paragraph on one line: an indented continuation line would be Markdown
    code."""
    if raw is None:
        return ""
    paragraphs = re.split(r"\n[ \t]*\n", tex_to_text(raw))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _keywords(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    words = (" ".join(w.split()) for w in re.split(r"[,;]", tex_to_text(raw)))
    return tuple(dict.fromkeys(w for w in words if w))


def _plain(raw: str) -> str:
    """A URL, DOI or eprint as written: `\\url{x}` -> x and `\\_` -> `_`, nothing else."""
    match = _URL_MACRO.match(raw)
    return _TEX_ESCAPE.sub(r"\1", match.group(1) if match else raw).strip()


def _url(raw: str | None, line: int) -> str | None:
    if raw is None:
        return None
    url = _plain(raw)
    if url.casefold().startswith("www."):
        url = "https://" + url
    if not is_web_address(url):
        raise _Skip(line, f"url {url!r} is not a web address starting http:// or https://")
    return url


def _doi(raw: str | None, line: int) -> str | None:
    if raw is None:
        return None
    doi = _DOI_PREFIX.sub("", _plain(raw))
    if not DOI.fullmatch(doi):
        raise _Skip(line, f"doi {doi!r} is not a DOI (10.NNNN/...)")
    return doi


def _arxiv(value: _Value, url: str | None) -> str | None:
    """From `eprint` (arXiv's), an arxiv.org URL, or `journal = {arXiv preprint arXiv:ID}`."""
    prefix = (value("archiveprefix") or value("eprinttype") or "").casefold()
    eprint = _plain(value("eprint") or "")
    if eprint and prefix in ("", "arxiv"):
        match = ARXIV_ID.fullmatch(re.sub(r"^arxiv:", "", eprint, flags=re.IGNORECASE))
        if match:
            return match.group()
    for pattern, text in ((_ARXIV_URL, url), (_ARXIV_JOURNAL, value("journal"))):
        found = pattern.search(text or "")
        if found:
            return found.group("id") + (found.group("version") or "")
    return None


def _venue(entry_type: str, value: _Value) -> str | None:
    raw = value("journal") or value("booktitle")
    if raw is None and entry_type.casefold() == "misc":
        howpublished = value("howpublished")
        # `howpublished = {\url{...}}` is a link, not a venue.
        if howpublished and not re.search(r"\\url|https?://", howpublished):
            raw = howpublished
    return " ".join(tex_to_text(raw).split()) or None if raw else None


def _year(raw: str | None, line: int) -> int | None:
    if raw is None:
        return None
    if not re.fullmatch(r"\d{4}", raw) or not 1000 <= int(raw) <= 2999:
        raise _Skip(line, f"year {raw!r} is not a four-digit year")
    return int(raw)


def _month(raw: str | None) -> int | None:
    """`mar`, `March`, `3` or `03` -> 3; anything else is left out (a month is not required)."""
    if raw is None:
        return None
    text = raw.strip().rstrip(".").casefold()
    number = int(text) if text.isdigit() else MONTHS.get(text)
    return number if number is not None and 1 <= number <= 12 else None
