"""The paper lists' parts besides the rows: pages of the home list, the compact data file the
browser sorts and filters, the reading queue and the authors index by family name."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sitegen import urls
from sitegen.content.models import STATUSES, Paper
from sitegen.content.names import family_name, family_sort_key, short_authors
from sitegen.site.graph import SiteGraph, slugs_digest

EPOCH = dt.date(1970, 1, 1)
QUEUE_LENGTH = 25
"""Papers each part of the queue page shows (the full list sorts and filters the rest)."""


@dataclass(frozen=True, slots=True)
class PageLink:
    """One entry of a list's page navigation."""

    number: int
    href: str
    """Path of that page relative to the site root."""


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where one page of a list (home, tag, author) sits among the others."""

    number: int
    """This page's number, from 1."""
    pages: tuple[PageLink, ...]
    """Every page of the list, in order."""
    first: int
    """The 1-based position of this page's first paper in the whole list."""
    total: int
    """Papers in the whole list."""

    @property
    def prev(self) -> PageLink | None:
        return self.pages[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> PageLink | None:
        return self.pages[self.number] if self.number < len(self.pages) else None


def list_pages(
    papers: Sequence[Paper], page_path: Callable[[int], str] = urls.home_page
) -> list[tuple[Pagination, Sequence[Paper]]]:
    """A list cut into pages of `urls.LIST_PAGE_SIZE` (one empty page if no papers), the
    `n`th page at `page_path(n)`."""
    size = urls.LIST_PAGE_SIZE
    count = max(1, -(-len(papers) // size))
    links = tuple(PageLink(n, page_path(n)) for n in range(1, count + 1))
    return [
        (Pagination(n, links, (n - 1) * size + 1, len(papers)), papers[(n - 1) * size : n * size])
        for n in range(1, count + 1)
    ]


def _row_ends(paper: Paper) -> tuple[list[object], list[object]]:
    """A paper's fields in its row of the data file (see static/list/state.js's `ROW`) before
    and after those other papers decide: slug, title, authors shown and hidden, day added and
    year; then arXiv id, DOI and URL. Between them: its venue's and status' indexes."""
    names = tuple(dict.fromkeys(paper.authors))
    shown = short_authors(names)
    # Authors the short form hides are still found by the text filter.
    hidden = " ".join(family_name(n) for n in names[2:]) if "+" in shown else ""
    days = (paper.date - EPOCH).days
    head = [paper.slug, paper.title, shown, hidden, days, paper.year or 0]
    return head, [paper.arxiv or "", paper.doi or "", paper.url or ""]


def data_key(paper: Paper) -> object:
    """What the data file holds of a paper (or, when read from a file, the paper whole:
    cheaper to make and fingerprint for 10,000 papers, though an abstract edit then makes
    the file again). Its tags are in the tag file."""
    if paper.identity:
        return paper.identity
    shown = (paper.authors, paper.date, paper.year, paper.venue, paper.status)
    return (paper.slug, paper.title, shown, paper.arxiv, paper.doi, paper.url)


_ROW_PARTS: dict[str, tuple[str, str]] = {}
"""Each paper's `row_parts`, by its identity, as made or told in this process."""
_ROW_PARTS_LIMIT = 200_000
_STATUS_AT = {status: at for at, status in enumerate(STATUSES)}


def row_parts(paper: Paper) -> tuple[str, str]:
    """The paper's row of the list data as JSON text, but for the indexes between its ends
    (see `_row_ends`): the fields before them, and those after. Made once a paper version
    (a list of 10,000 papers is made again for one new paper)."""
    key = paper.identity
    parts = _ROW_PARTS.get(key) if key else None
    if parts is None:
        head, tail = _row_ends(paper)
        parts = compact_json(head)[1:-1], compact_json(tail)[1:-1]
        if key:
            remember_row_parts(paper, parts)
    return parts


def remember_row_parts(paper: Paper, parts: tuple[str, str]) -> None:
    """Take `parts` as `paper`'s `row_parts`, as made for an equal paper (in another
    process or an earlier run of the same code)."""
    if len(_ROW_PARTS) >= _ROW_PARTS_LIMIT:
        _ROW_PARTS.clear()
    _ROW_PARTS[paper.identity] = parts


def list_data_text(graph: SiteGraph) -> str:
    """Every paper in a few fields, newest first, for the browser's lists: the data file's
    JSON (`compact_json`), each paper's row made of its `row_parts`. Their tags are in the
    tag file (`list_tags_text`)."""
    # Indexes as JSON writes them (ints), by what they index.
    venues = sorted({p.venue for p in graph.papers if p.venue})
    venue_index = {venue: str(i) for i, venue in enumerate(venues)}
    rows = []
    for paper in graph.papers:
        head, tail = row_parts(paper)
        venue = venue_index[paper.venue] if paper.venue else "-1"
        status = _STATUS_AT.get(paper.status, 0)
        rows.append(f"[{head},{venue},{status},{tail}]")
    fields = {
        "pages": {"paper": urls.PAPER_PATTERN, "tag": urls.TAG_PATTERN},
        "summaries": {"path": urls.SUMMARIES_PATTERN, "chunk": urls.SUMMARIES_CHUNK},
        "statuses": list(STATUSES),
        "venues": venues,
        "order": slugs_digest(graph.papers),  # see list_tags_text
    }
    return f'{compact_json(fields)[:-1]},"papers":[{",".join(rows)}]}}'


def list_tags_text(graph: SiteGraph) -> str:
    """The tag file's JSON: every tag (slug and name) and each paper's tags' indexes, in
    the data file's order, which `order` names as the data file does: the browser checks
    them against each other (the two could come from different builds, out of a stale
    cache)."""
    tag_index = {tag.slug: str(i) for i, tag in enumerate(graph.tags)}
    columns = [f"[{','.join([tag_index[t.slug] for t in graph.tags_of(p)])}]" for p in graph.papers]
    tags = [[tag.slug, tag.name] for tag in graph.tags]
    fields = {"order": slugs_digest(graph.papers), "tags": tags}
    return f'{compact_json(fields)[:-1]},"paperTags":[{",".join(columns)}]}}'


def compact_json(value: object) -> str:
    """JSON for a script: no spaces, text as it is, "<" escaped (no title can close a
    script or open a comment wherever the file goes)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c")


def summary_chunks(papers: Sequence[Paper]) -> list[Sequence[Paper]]:
    """The papers of the data file (in its order) as the summary files hold them: the
    `n`th file (`urls.list_summaries(n)`) has the `n`th chunk's."""
    size = urls.SUMMARIES_CHUNK
    return [papers[start : start + size] for start in range(0, len(papers), size)]


@dataclass(frozen=True, slots=True)
class QueuePart:
    """One part of the reading queue."""

    status: str
    title: str
    papers: tuple[Paper, ...]
    """The first QUEUE_LENGTH papers of the part, in its order."""
    count: int
    """Papers of this status in all."""
    query: str
    """The home list's URL state (`?status=...&sort=...`) that shows the whole part."""


def queue_parts(graph: SiteGraph) -> tuple[QueuePart, ...]:
    """Reading now (newest first), to read (oldest first), recently read (last read first:
    by the read date, or for a paper without one the day it was added, which is no later)."""
    by_status: dict[str, list[Paper]] = {status: [] for status in STATUSES}
    for paper in graph.papers:
        by_status.setdefault(paper.status, []).append(paper)
    oldest_first = by_status["to-read"][::-1]
    last_read = sorted(by_status["read"], key=lambda p: p.read or p.date, reverse=True)
    parts = (
        ("reading", "Reading now", by_status["reading"], "?status=reading"),
        ("to-read", "To read, oldest first", oldest_first, "?status=to-read&sort=added&dir=asc"),
        ("read", "Recently read", last_read, "?status=read"),
    )
    return tuple(
        QueuePart(status, title, tuple(papers[:QUEUE_LENGTH]), len(papers), query)
        for status, title, papers, query in parts
    )


def by_initial(names: Sequence[str]) -> list[tuple[str, list[int]]]:
    """Positions of `names` sorted by family name, grouped by its initial letter ("#" for
    names that do not start with a letter): the authors index's sections."""
    order = sorted(range(len(names)), key=lambda i: family_sort_key(names[i]))
    groups: dict[str, list[int]] = {}
    for i in order:
        initial = family_sort_key(names[i])[0][:1].upper()  # folded: Ørsted is under O
        groups.setdefault(initial if initial.isalpha() else "#", []).append(i)
    return list(groups.items())
