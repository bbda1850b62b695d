"""What RIS and CSL-JSON records share: the candidate they become, and checks of their ids."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sitegen.content.identity import ARXIV_ID, DOI
from sitegen.content.models import Paper

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/" + ARXIV_ID.pattern, re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<rest>.+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One usable record of a reference-manager export, as merge.py takes it."""

    paper: Paper
    """The paper it describes (no slug or path yet; `date` is the import day)."""
    key: str
    """How messages name the record: its `id`, or `record N`."""
    line: int
    """1-based line where the record starts in the file."""


class RecordSkipped(Exception):
    """A field that makes its record unusable, and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_doi(raw: str | None) -> str | None:
    """A DOI as written or as a doi.org link; RecordSkipped if it is not a DOI."""
    if raw is None or not raw.strip():
        return None
    doi = _DOI_PREFIX.sub("", raw.strip())
    if not DOI.fullmatch(doi):
        raise RecordSkipped(f"DOI {doi!r} is not a DOI (10.NNNN/...)")
    return doi


def check_url(raw: str | None) -> str | None:
    """A web address; RecordSkipped if it is not one (content files only take http(s))."""
    if raw is None or not raw.strip():
        return None
    url = raw.strip()
    if url.casefold().startswith("www."):
        url = "https://" + url
    if not re.match(r"https?://[^\s/]+", url, re.IGNORECASE):
        raise RecordSkipped(f"URL {url!r} is not a web address starting http:// or https://")
    return url


def web_urls(values: list[str]) -> tuple[str, ...]:
    """The web addresses among `values`; others (EndNote's `internal-pdf://`) are left out."""
    found = []
    for value in values:
        try:
            url = check_url(value)
        except RecordSkipped:
            continue
        if url:
            found.append(url)
    return tuple(found)


def check_year(raw: object) -> int | None:
    """The leading four-digit year of `2014//`, `1948/07//`, `2020-03-01` or 2020."""
    match = re.match(r"\s*(\d{4})(?!\d)", str(raw)) if raw not in (None, "") else None
    if raw not in (None, "") and match is None:
        raise RecordSkipped(f"year {str(raw)!r} is not a four-digit year")
    return int(match.group(1)) if match and 1000 <= int(match.group(1)) <= 2999 else None


def arxiv_from(doi: str | None, urls: tuple[str, ...]) -> str | None:
    """The arXiv id an arXiv DOI (10.48550/arXiv.ID) or an arxiv.org link names."""
    found = _ARXIV_DOI.match(doi or "")
    if found and ARXIV_ID.fullmatch(found.group("rest")):
        return found.group("rest")
    for url in urls:
        link = _ARXIV_URL.search(url)
        if link:
            return link.group("id") + (link.group("version") or "")
    return None


def fresh(day: dt.date) -> dt.date:
    """An equal but distinct date: PyYAML writes one object used twice as an alias."""
    return dt.date.fromordinal(day.toordinal())
