"""Look papers up on arXiv's API with the `arxiv` package (lukasschwab/arxiv.py).

Every id of one `sitegen add` goes into one request (`id_list`). arxiv.py keeps `retry_delay`
(3 s by default, as arXiv asks) between requests; the session it is given names sitegen, times
out and retries (see net.py), so arxiv.py's own retries are turned off.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import arxiv
import requests

from sitegen.config import SourcesConfig
from sitegen.content.identity import arxiv_key
from sitegen.content.models import Paper, Source
from sitegen.importers.ids import LookupFailed, PaperId
from sitegen.importers.net import RETRY_STATUSES, describe_failure, polite_session

KIND = "arxiv"
"""The `kind` of the Source entries this importer writes."""
SERVICE = "arXiv"


def fetch_arxiv(ids: Sequence[PaperId], sources: SourcesConfig, today: dt.date) -> list[Paper]:
    """The papers of `ids`, in their order; LookupFailed if arXiv fails or lacks any."""
    if not ids:
        return []
    client = arxiv.Client(page_size=len(ids), delay_seconds=sources.retry_delay, num_retries=0)
    client.query_url_format = sources.arxiv_api.split("?")[0] + "?{}"
    # arxiv.py takes no session or headers of its own; its Session is the one place to set the
    # User-Agent, timeout and backoff that arXiv's API etiquette asks for.
    client._session = polite_session(sources)
    search = arxiv.Search(id_list=[paper_id.value for paper_id in ids], max_results=len(ids))
    try:
        results = list(client.results(search))
    except arxiv.HTTPError as err:
        raise LookupFailed(_http_failure(err, sources)) from None
    except requests.RequestException as err:
        raise LookupFailed(f"{describe_failure(SERVICE, err)} ({sources.arxiv_api})") from None
    found = {arxiv_key(result.get_short_id()): result for result in results}
    missing = [paper_id.value for paper_id in ids if arxiv_key(paper_id.value) not in found]
    if missing:
        raise LookupFailed(f"arXiv has no paper {', '.join(missing)}: check the id")
    return [_paper(paper_id, found[arxiv_key(paper_id.value)], today) for paper_id in ids]


def _http_failure(err: arxiv.HTTPError, sources: SourcesConfig) -> str:
    tries = f" after {sources.retries + 1} tries" if err.status in RETRY_STATUSES else ""
    hint = "; arXiv is busy, try again in a minute" if tries else ""
    return f"arXiv answered HTTP {err.status}{tries} ({sources.arxiv_api}){hint}"


def _paper(paper_id: PaperId, result: arxiv.Result, today: dt.date) -> Paper:
    """Title, authors, abstract, year published, journal reference or primary category as
    venue, DOI and the abstract page; the page links the PDF from the arXiv id."""
    published = result.published.date()
    return Paper(
        slug="",
        title=" ".join(result.title.split()),
        date=today,
        abstract=_abstract(result.summary),
        authors=tuple(" ".join(author.name.split()) for author in result.authors),
        url=_abs_url(result),
        arxiv=paper_id.value,
        doi=result.doi.strip() if result.doi else None,
        year=published.year,
        venue=_venue(result),
        sources=(Source(paper_id.name, KIND, published, dt.date.fromordinal(today.toordinal())),),
    )


def _abstract(summary: str) -> str:
    """Each paragraph on one line: arXiv wraps abstracts, and an indented line is Markdown
    code."""
    paragraphs = re.split(r"\n[ \t]*\n", summary)
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _abs_url(result: arxiv.Result) -> str:
    pages = [link.href for link in result.links if link.rel == "alternate"]
    return str(pages[0] if pages else result.entry_id)


def _venue(result: arxiv.Result) -> str:
    if result.journal_ref and result.journal_ref.strip():
        return " ".join(result.journal_ref.split())
    return f"arXiv preprint ({result.primary_category})" if result.primary_category else "arXiv"
