"""Look a DOI up by DOI content negotiation: the resolver redirects to the registration agency
(Crossref, DataCite, ...), which answers in the format asked for: CSL-JSON first, BibTeX when
the agency has no CSL-JSON (it then answers 406, or with its landing page)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import requests

from sitegen.config import SourcesConfig
from sitegen.content.models import Paper, Source
from sitegen.importers.bibtex import parse_bibtex
from sitegen.importers.csl_json import csl_paper
from sitegen.importers.ids import LookupFailed, PaperId
from sitegen.importers.net import RETRY_STATUSES, describe_failure
from sitegen.importers.records import RecordSkipped, fresh

KIND = "doi"
"""The `kind` of the Source entries this importer writes."""
CSL_JSON = "application/vnd.citationstyles.csl+json"
BIBTEX = "application/x-bibtex"


def fetch_doi(
    paper_id: PaperId, sources: SourcesConfig, session: requests.Session, today: dt.date
) -> Paper:
    """The paper a DOI names; LookupFailed when it is unknown or the resolver fails."""
    url = sources.doi_resolver.rstrip("/") + "/" + quote(paper_id.value, safe="/")
    answer = _get(session, url, CSL_JSON, paper_id, sources)
    paper = _from_csl(answer, paper_id, today) if answer is not None else None
    if paper is None:
        answer = _get(session, url, BIBTEX, paper_id, sources)
        paper = _from_bibtex(answer, paper_id, today) if answer is not None else None
    if paper is None:
        raise LookupFailed(f"{url} has neither CSL-JSON nor BibTeX for {paper_id.value}")
    source = Source(paper_id.name, KIND, None, fresh(today))
    return replace(paper, doi=paper.doi or paper_id.value, sources=(source,))


def _get(
    session: requests.Session, url: str, accept: str, paper_id: PaperId, sources: SourcesConfig
) -> bytes | None:
    """The body of a 200 answer; None for 406 Not Acceptable; LookupFailed otherwise."""
    try:
        response = session.get(url, headers={"Accept": accept}, allow_redirects=True)
    except requests.RequestException as err:
        raise LookupFailed(f"{describe_failure('the DOI resolver', err)} ({url})") from None
    status = response.status_code
    if status == 200:
        return response.content
    if status == 406:
        return None
    if status in (404, 410):
        raise LookupFailed(f"no such DOI: {paper_id.value} ({url} answered {status}); check it")
    tries = f" after {sources.retries + 1} tries" if status in RETRY_STATUSES else ""
    raise LookupFailed(f"{response.url} answered HTTP {status}{tries} for {paper_id.value}")


def _from_csl(body: bytes, paper_id: PaperId, today: dt.date) -> Paper | None:
    """The paper of a CSL-JSON answer; None when the answer is something else (a landing
    page: the agency has no CSL-JSON)."""
    try:
        record = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    try:
        return csl_paper(record, paper_id.name, KIND, today)
    except RecordSkipped as skip:
        raise LookupFailed(f"the CSL-JSON of {paper_id.value} is unusable: {skip.reason}") from None


def _from_bibtex(body: bytes, paper_id: PaperId, today: dt.date) -> Paper | None:
    text = body.decode("utf-8", errors="replace")
    entries, skipped, _notes = parse_bibtex(Path(paper_id.name), text.strip(), today)
    if entries:
        return entries[0].paper
    if skipped:
        reason = skipped[0].message
        raise LookupFailed(f"the BibTeX of {paper_id.value} is unusable: {reason}")
    return None
