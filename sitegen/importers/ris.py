"""Parse RIS (EndNote, Zotero, Mendeley, PubMed, Scopus exports) into candidate Papers, with
rispy.

Pure: text in, candidates and skip reasons (`path:line: reason`, the line of the record's
`TY  -`) out. rispy reads blank lines, multi-line fields, unknown or empty tags and stray text
between records; a record cut off before its `ER  -` is reported, not lost silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import rispy

from sitegen.content.models import Paper, Source
from sitegen.errors import Problem
from sitegen.importers.records import (
    Candidate,
    RecordSkipped,
    arxiv_from,
    check_doi,
    check_year,
    fresh,
    web_urls,
)
from sitegen.importers.text import plain_line, plain_paragraphs

KIND = "ris"
"""The `kind` of the Source entries this importer writes."""
# rispy's names of the tags that say the same thing, the commonest first.
_TITLE = ("primary_title", "title")  # T1, TI
_AUTHORS = ("first_authors", "authors")  # A1, AU
_YEAR = ("year", "publication_year", "date")  # PY, Y1, DA
_ABSTRACT = ("abstract", "notes_abstract")  # AB, N2
_VENUE = ("secondary_title", "alternate_title3", "journal_name", "alternate_title1")  # T2 JF JO J2


class _LineTrackingParser(rispy.RisParser):  # type: ignore[misc]
    """rispy's parser, noting the line each record starts on (rispy keeps no line numbers)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = 0
        self.starts: list[int] = []

    def numbered(self, text: str) -> Iterator[str]:
        for self.line, line in enumerate(text.split("\n"), start=1):
            yield line.rstrip("\r")

    def _iter_till_start(self, lines: Iterator[str]) -> dict[str, Any]:
        record: dict[str, Any] = super()._iter_till_start(lines)
        self.starts.append(self.line)
        return record


def parse_ris(path: Path, text: str, today: dt.date) -> tuple[list[Candidate], list[Problem]]:
    """The records of a RIS file as Papers, and each record left out with its reason."""
    parser = _LineTrackingParser()
    records: list[dict[str, Any]] = parser.parse_lines(parser.numbered(text.removeprefix("\ufeff")))
    found: list[Candidate] = []
    skipped: list[Problem] = []
    for number, (record, line) in enumerate(zip(records, parser.starts, strict=False), start=1):
        key = str(record.get("id") or f"record {number}")
        try:
            found.append(Candidate(_paper(record, path.name, today), key, line))
        except RecordSkipped as skip:
            skipped.append(Problem(path, line, f"record `{key}`: {skip.reason}: record skipped"))
    for line in parser.starts[len(records) :]:
        message = "record has no `ER  -` line ending it (is the file cut off?): record skipped"
        skipped.append(Problem(path, line, message))
    if not parser.starts:
        skipped.append(Problem(path, 1, "no RIS record (a `TY  - ` line) found: nothing imported"))
    return found, skipped


def _paper(record: Mapping[str, Any], file: str, today: dt.date) -> Paper:
    title = plain_line(_first(record, _TITLE))
    if not title:
        raise RecordSkipped("no title (`TI` or `T1`): every paper needs one")
    doi = check_doi(_first(record, ("doi",)) or None)
    urls = web_urls(_all(record, ("urls",)))
    return Paper(
        slug="",
        title=title,
        date=today,
        abstract=plain_paragraphs(_first(record, _ABSTRACT, joiner="\n")),
        tags=_keywords(_all(record, ("keywords",))),
        authors=tuple(_name(name) for name in _all(record, _AUTHORS) if _name(name)),
        url=urls[0] if urls else None,
        arxiv=arxiv_from(doi, urls),
        doi=doi,
        year=check_year(_first(record, _YEAR) or None),
        venue=plain_line(_first(record, _VENUE)) or None,
        sources=(Source(file, KIND, None, fresh(today)),),
    )


def _keywords(values: list[str]) -> tuple[str, ...]:
    """Each keyword once; Embase's `*` before a major topic (`*athlete`) is dropped."""
    words = (plain_line(value).lstrip("*").strip() for value in values)
    return tuple(dict.fromkeys(word for word in words if word))


def _all(record: Mapping[str, Any], names: tuple[str, ...]) -> list[str]:
    """Every value of the first of `names` the record has, as strings."""
    for name in names:
        value = record.get(name)
        values = value if isinstance(value, list) else [value]
        texts = [str(v).strip() for v in values if isinstance(v, str) and v.strip()]
        if texts:
            return texts
    return []


def _first(record: Mapping[str, Any], names: tuple[str, ...], joiner: str = " ") -> str:
    """The value of the first of `names` the record has (a multi-line value joined)."""
    return joiner.join(_all(record, names))


def _name(raw: str) -> str:
    """`Marx, Karl` or `Shannon,Claude E.` -> `Karl Marx`, `Claude E. Shannon`."""
    family, comma, given = raw.partition(",")
    name = f"{given.strip()} {family.strip()}" if comma and given.strip() else family
    return plain_line(name)
