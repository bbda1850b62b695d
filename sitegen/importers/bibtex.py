"""Parse a BibTeX file into candidate Papers, with bibtexparser 2 and pylatexenc.

Pure: text in, candidates, skip reasons and field notes (`path:line: reason`) out. TeX in
titles, names, abstracts and keywords is decoded to plain text; URLs and DOIs are taken as
written (a `%` in a URL is not a TeX comment). Only a parse failure or a missing title costs an
entry; a bad optional field is left out (see bibfields.py). `crossref` is followed.
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
from bibtexparser.library import Library
from bibtexparser.middlewares import RemoveEnclosingMiddleware, ResolveStringReferencesMiddleware
from bibtexparser.splitter import Splitter

from sitegen.content.identity import ARXIV_ID
from sitegen.content.models import Paper, Source
from sitegen.content.tex import tex_to_text
from sitegen.content.topics import tag_words
from sitegen.errors import Problem
from sitegen.importers.bibfields import EntryFields, is_link, plain
from sitegen.importers.daily_papers import MONTHS

KIND = "bibtex"
"""The `kind` of the Source entries this importer writes."""

_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/" + ARXIV_ID.pattern, re.IGNORECASE)
_ARXIV_JOURNAL = re.compile(r"\barxiv:\s*" + ARXIV_ID.pattern, re.IGNORECASE)
_VOLUMES = frozenset(("proceedings", "mvproceedings", "book", "mvbook", "collection"))
"""Entry types that, cited by other entries' `crossref`, are the volume and not a paper."""
_TWICE = "(given twice)"

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


def parse_bibtex(
    path: Path, text: str, today: dt.date
) -> tuple[list[BibEntry], list[Problem], list[Problem]]:
    """The entries of a BibTeX file as Papers, each entry left out as `path:line: reason`, and
    a note for each field repaired or left out of an entry that was kept."""
    with _quiet_bibtexparser():
        library = _library(text)
    entries: list[BibEntry] = []
    skipped: list[Problem] = []
    notes: list[Problem] = []
    by_key = {entry.key.casefold(): entry for entry in library.entries}
    parents = {_crossref(entry) for entry in library.entries} - {None}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.ParsingFailedBlock):
            skipped.append(Problem(path, line, _failure(block)))
        elif isinstance(block, model.Entry):
            if block.key.casefold() in parents and block.entry_type.casefold() in _VOLUMES:
                reason = f"entry `{block.key}`: a volume other entries cite with `crossref`"
                skipped.append(Problem(path, line, reason + ": not a paper, skipped"))
                continue
            try:
                entries.append(_entry(path, block, by_key, today, notes))
            except _Skip as skip:
                message = f"entry `{block.key}`: {skip.reason}: entry skipped"
                skipped.append(Problem(path, skip.line, message))
    return entries, skipped, notes


def _library(text: str) -> Library:
    """The file's blocks with @string references resolved and enclosing braces removed; an
    entry with a field given twice is kept with one value (see _one_of_each)."""
    library = Splitter(text).split()
    for block in list(library.blocks):
        if isinstance(block, model.DuplicateFieldKeyBlock):
            library.replace(block, _one_of_each(block), fail_on_duplicate_key=False)
    stack = (ResolveStringReferencesMiddleware(True), RemoveEnclosingMiddleware(True))
    for middleware in stack:
        library = middleware.transform(library)
    return library


def _one_of_each(block: model.DuplicateFieldKeyBlock) -> model.Entry:
    """The entry with one field per name: a repeated field whose values agree is kept once;
    one whose values differ is renamed `<name> (given twice)`, which nothing reads, so it is
    left out and reported."""
    entry = block.ignore_error_block
    assert isinstance(entry, model.Entry)  # what bibtexparser keeps of a duplicate-field entry
    values: dict[str, list[model.Field]] = {}
    for field in entry.fields:
        values.setdefault(field.key.casefold(), []).append(field)
    fields = []
    for name, group in values.items():
        first = group[0]
        if len({" ".join(str(f.value).split()) for f in group}) > 1:
            first = model.Field(f"{name} {_TWICE}", first.value, first.start_line)
        fields.append(first)
    return model.Entry(entry.entry_type, entry.key, fields, entry.start_line, entry.raw)


def _crossref(entry: model.Entry) -> str | None:
    field = entry.fields_dict.get("crossref") or next(
        (f for f in entry.fields if f.key.casefold() == "crossref"), None
    )
    return str(field.value).strip().casefold() if field is not None else None


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


def _entry(
    path: Path,
    entry: model.Entry,
    by_key: dict[str, model.Entry],
    today: dt.date,
    notes: list[Problem],
) -> BibEntry:
    parent_key = _crossref(entry)
    fields = EntryFields(path, entry, by_key.get(parent_key) if parent_key else None)
    if parent_key and parent_key not in by_key:
        fields.ignore("crossref", f"no entry `{parent_key}` in this file")
    for name in entry.fields_dict:
        if name.endswith(_TWICE):
            twice = "given twice, with different values"
            fields.ignore(name.removesuffix(_TWICE).strip(), twice, at=name)
    title = fields.title()
    if not title:
        raise _Skip(fields.line, "no `title`: every paper needs one")
    url = fields.url()
    paper = Paper(
        slug="",
        title=title,
        date=today,
        abstract=_abstract(fields.value("abstract")),
        tags=_keywords(fields),
        authors=fields.authors(),
        url=url,
        arxiv=_arxiv(fields.value, url),
        doi=fields.doi(),
        year=fields.year(),
        venue=_venue(fields.value),
        # A distinct but equal date: PyYAML writes one object used twice as an alias.
        sources=(Source(path.name, KIND, None, dt.date.fromordinal(today.toordinal()), entry.key),),
    )
    notes.extend(sorted(fields.notes, key=lambda note: note.line or 0))
    return BibEntry(paper, entry.key, fields.line, _month(fields))


def _abstract(raw: str | None) -> str:
    """Decoded, each paragraph on one line: an indented continuation line would be Markdown
    code."""
    if raw is None:
        return ""
    paragraphs = re.split(r"\n[ \t]*\n", tex_to_text(raw))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _keywords(fields: EntryFields) -> tuple[str, ...]:
    """The `keywords`, split at commas or semicolons; keywords of the same words
    ("weakly-supervised learning", "Weakly supervised learning") are one, spelled as first."""
    raw = fields.value("keywords")
    if raw is None:
        return ()
    kept: dict[str, str] = {}
    for word in re.split(r"[,;]", tex_to_text(raw)):
        word = " ".join(word.split())
        first = kept.setdefault(tag_words(word), word) if word else word
        if first != word:
            fields.note("keywords", f"of entry `{fields.key}`: {word!r} is the tag {first!r}")
    return tuple(kept.values())


def _arxiv(value: _Value, url: str | None) -> str | None:
    """From `eprint` (arXiv's), an arxiv.org URL, or `journal = {arXiv preprint arXiv:ID}`."""
    prefix = (value("archiveprefix") or value("eprinttype") or "").casefold()
    eprint = plain(value("eprint") or "")
    if eprint and prefix in ("", "arxiv"):
        match = ARXIV_ID.fullmatch(re.sub(r"^arxiv:", "", eprint, flags=re.IGNORECASE))
        if match:
            return match.group()
    for pattern, text in ((_ARXIV_URL, url), (_ARXIV_JOURNAL, value("journal"))):
        found = pattern.search(text or "")
        if found:
            return found.group("id") + (found.group("version") or "")
    return None


def _venue(value: _Value) -> str | None:
    """`journal`, `booktitle`, else `howpublished` (a link too: sitegen writes a venue that is
    a web address there)."""
    raw = value("journal") or value("booktitle")
    if raw is None:
        howpublished = value("howpublished")
        raw = plain(howpublished) if howpublished and is_link(howpublished) else howpublished
        return " ".join(raw.split()) or None if raw else None
    return " ".join(tex_to_text(raw).split()) or None


def _month(fields: EntryFields) -> int | None:
    """`mar`, `March`, `3` or `03` -> 3 (or biblatex's `date = {2021-03}`); anything else is
    left out (a month is not required)."""
    raw = fields.value("month")
    if raw is None:
        found = re.match(r"\d{4}-(\d\d)", fields.value("date") or "")
        return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 12 else None
    text = raw.strip().rstrip(".").casefold()
    number = int(text) if text.isdigit() else MONTHS.get(text)
    return number if number is not None and 1 <= number <= 12 else None
