"""One venue classifier: a paper page's citation meta tag and its BibTeX entry agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import paper_text, read_html, run_sitegen

VENUES = {
    # venue: (meta tag, BibTeX entry type)
    "Advances in Neural Information Processing Systems": ("conference", "inproceedings"),
    "Proceedings of the IEEE": ("journal", "article"),
    "Journal of Machine Learning Research": ("journal", "article"),
    "ICLR 2024 Workshop on Data Problems": ("conference", "inproceedings"),
    "Annual Meeting of the Association for Computational Linguistics": (
        "conference",
        "inproceedings",
    ),
    "Transactions of the ACL": ("journal", "article"),
    "arXiv preprint": ("journal", "misc"),  # Scholar's catch-all; BibTeX's @misc
}


@pytest.fixture
def built(make_site: Callable[..., Path]) -> Path:
    papers = {f"p{i}": paper_text(f"Paper {i}", venue=venue) for i, venue in enumerate(VENUES)}
    site = make_site(papers)
    assert run_sitegen("build", "--site", site).code == 0
    return site / "_site"


def test_meta_tags_and_bibtex_classify_every_venue_alike(built: Path) -> None:
    bibliography = (built / "papers.bib").read_text(encoding="utf-8")
    for i, (venue, (meta_kind, entry_type)) in enumerate(VENUES.items()):
        page = read_html(built / "papers" / f"p{i}.html")
        tag = page.find("meta", attrs={"name": f"citation_{meta_kind}_title"})
        assert tag is not None and tag["content"] == venue, venue
        entry = re.search(r"@(\w+)\{[^@]*?title = \{\{Paper " + str(i) + r"\}\}", bibliography)
        assert entry is not None and entry.group(1) == entry_type, venue
