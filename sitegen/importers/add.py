"""`sitegen add ID_OR_URL...`: look papers up by arXiv id or DOI and merge them in.

Every id is checked before any request; every lookup is done before anything is written, so a
failure (offline, an unknown id, a busy server) leaves the site as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sitegen.config import SiteConfig
from sitegen.content.models import Paper
from sitegen.content.topics import normalise_tag
from sitegen.importers.arxiv_api import fetch_arxiv
from sitegen.importers.doi import fetch_doi
from sitegen.importers.ids import parse_paper_ids
from sitegen.importers.merge import merge_papers
from sitegen.importers.net import effective_sources, polite_session
from sitegen.importers.report import ImportReport


@dataclass(frozen=True, slots=True)
class _Found:
    """A looked-up paper, as merge.py takes it."""

    paper: Paper
    """The paper, with the user's tags and status."""
    key: str
    """The id it was looked up by (`arXiv:2205.13147`)."""
    line: int = 0
    """No file, so no line."""


def add_papers(
    config: SiteConfig,
    texts: Sequence[str],
    tags: Sequence[str],
    status: str,
    today: dt.date,
    env: Mapping[str, str],
) -> ImportReport:
    """Look up every id, then merge the papers in; LookupFailed (nothing written) if any
    lookup fails."""
    ids = parse_paper_ids(texts)
    sources = effective_sources(config.sources, env)
    arxiv_ids = [paper_id for paper_id in ids if paper_id.kind == "arxiv"]
    papers: dict[str, Paper] = dict(
        zip(
            (paper_id.key for paper_id in arxiv_ids),
            fetch_arxiv(arxiv_ids, sources, today),
            strict=True,
        )
    )
    session = polite_session(sources)
    for paper_id in ids:
        if paper_id.kind == "doi":
            papers[paper_id.key] = fetch_doi(paper_id, sources, session, today)
    chosen = _user_tags(tags)
    found = [
        _Found(replace(papers[i.key], tags=chosen + papers[i.key].tags, status=status), i.name)
        for i in ids
    ]
    return merge_papers(config, found, today)


def _user_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """`--tags` in the order given, each once however spelled (the first spelling kept)."""
    unique: dict[str, str] = {}
    for tag in tags:
        text = " ".join(tag.split())
        if text:
            unique.setdefault(normalise_tag(text), text)
    return tuple(unique.values())
