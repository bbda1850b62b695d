"""Parse CSL-JSON (Zotero, Mendeley, pandoc, DOI content negotiation) into candidate Papers.

Pure: text in, candidates and skip reasons (`path:line: reason`, the line where the record's
`{` is) out. A file holds one record or an array of them. Fields, by their CSL names: `title`
(and Crossref's `subtitle`), `author` (`family`/`given`, or `literal`), `issued.date-parts`,
`DOI`, `URL`, `abstract`, `container-title`, `type`, `id`, `keyword`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from sitegen.content.models import Paper, Source
from sitegen.errors import Problem
from sitegen.importers.records import (
    Candidate,
    RecordSkipped,
    arxiv_from,
    check_doi,
    check_url,
    check_year,
    fresh,
)
from sitegen.importers.text import plain_line, plain_paragraphs

KIND = "csl-json"
"""The `kind` of the Source entries this importer writes."""


def parse_csl_json(
    path: Path, text: str, today: dt.date, kind: str = KIND
) -> tuple[list[Candidate], list[Problem]]:
    """The records of a CSL-JSON file as Papers, and each record left out with its reason."""
    try:
        records = _records(text)
    except json.JSONDecodeError as err:
        return [], [Problem(path, err.lineno, f"not valid JSON ({err.msg}): file skipped")]
    found: list[Candidate] = []
    skipped: list[Problem] = []
    for number, (line, record) in enumerate(records, start=1):
        if not isinstance(record, dict):
            skipped.append(Problem(path, line, f"record {number} is not a JSON object: skipped"))
            continue
        key = str(record.get("id") or f"record {number}")
        try:
            found.append(Candidate(csl_paper(record, path.name, kind, today), key, line))
        except RecordSkipped as skip:
            skipped.append(Problem(path, line, f"record `{key}`: {skip.reason}: record skipped"))
    return found, skipped


def _records(text: str) -> list[tuple[int, object]]:
    """Each record with the line it starts on: an array's items, or the one object."""
    decoder = json.JSONDecoder()
    text = text.removeprefix("\ufeff")
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        record, _end = decoder.raw_decode(text, start)
        json.loads(text)  # nothing but whitespace may follow
        return [(text.count("\n", 0, start) + 1, record)]
    json.loads(text)  # the whole array is valid JSON: the walk below can trust it
    records: list[tuple[int, object]] = []
    index = start + 1
    while True:
        index = _skip_space(text, index)
        if text[index] == "]":
            return records
        record, end = decoder.raw_decode(text, index)
        records.append((text.count("\n", 0, index) + 1, record))
        index = _skip_space(text, end)
        index += 1 if text[index] == "," else 0


def _skip_space(text: str, index: int) -> int:
    while text[index] in " \t\r\n":
        index += 1
    return index


def csl_paper(record: Mapping[str, object], file: str, kind: str, today: dt.date) -> Paper:
    """One CSL record as a Paper; RecordSkipped when it has no title or a bad id."""
    title = _title(record)
    if not title:
        raise RecordSkipped("no `title`: every paper needs one")
    doi = check_doi(_text(record.get("DOI")))
    url = check_url(_text(record.get("URL")))
    return Paper(
        slug="",
        title=title,
        date=today,
        abstract=plain_paragraphs(_text(record.get("abstract")) or ""),
        tags=_keywords(record.get("keyword")),
        authors=_authors(record.get("author")),
        url=url,
        arxiv=arxiv_from(doi, (url,) if url else ()),
        doi=doi,
        year=_year(record),
        venue=plain_line(_text(record.get("container-title")) or "") or None,
        sources=(Source(file, kind, None, fresh(today)),),
    )


def _text(value: object) -> str | None:
    """A CSL string; Crossref writes some as lists (`"container-title": ["Science"]`)."""
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _title(record: Mapping[str, object]) -> str:
    title = plain_line(_text(record.get("title")) or "")
    subtitle = plain_line(_text(record.get("subtitle")) or "")
    if title and subtitle and subtitle.casefold() not in title.casefold():
        return f"{title}: {subtitle}"
    return title


def _authors(raw: object) -> tuple[str, ...]:
    names = []
    for person in raw if isinstance(raw, list) else []:
        if not isinstance(person, dict):
            continue
        parts = [_text(person.get(k)) for k in ("given", "non-dropping-particle", "family")]
        name = _text(person.get("literal")) or " ".join(p for p in parts if p)
        if name and plain_line(name):
            names.append(plain_line(name))
    return tuple(names)


def _year(record: Mapping[str, object]) -> int | None:
    for key in ("issued", "published", "published-print", "published-online"):
        date = record.get(key)
        if isinstance(date, dict):
            parts = date.get("date-parts")
            if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
                return check_year(parts[0][0])
            if date.get("raw") or date.get("literal"):
                return check_year(date.get("raw") or date.get("literal"))
    return None


def _keywords(raw: object) -> tuple[str, ...]:
    """CSL `keyword` is one string, comma- or semicolon-separated (some tools write a list)."""
    items = raw if isinstance(raw, list) else str(raw or "").replace(";", ",").split(",")
    words = (plain_line(item) for item in items if isinstance(item, str))
    return tuple(dict.fromkeys(word for word in words if word))
