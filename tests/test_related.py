"""Related papers: similar text ranks first, shared tags shown, cached between builds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, paper_text, read_html, run_sitegen

from sitegen.content.models import Paper
from sitegen.content.papers import load_papers
from sitegen.site import related as related_module
from sitegen.site.related import RelatedCache, compute_related


@pytest.fixture(scope="module")
def seed_papers() -> list[Paper]:
    papers, _ = load_papers(REPO / "content" / "papers")
    return papers


@pytest.fixture
def pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pruned candidate search (for large sites) on however few papers."""
    monkeypatch.setattr(related_module, "EXACT_MAX", 0)


def paper(slug: str, title: str, abstract: str = "") -> Paper:
    return Paper(slug=slug, title=title, date=dt.date(2025, 1, 1), abstract=abstract)


def test_top_related_paper_shares_a_tag_for_most_seed_papers(seed_papers):
    papers = seed_papers  # 304 papers: every pair scored
    related = compute_related(papers)
    by_slug = {paper.slug: paper for paper in papers}
    assert all(len(items) == 5 for items in related.values())
    assert all(slug not in items for slug, items in related.items())
    sharing = sum(1 for p in papers if set(p.tags) & set(by_slug[related[p.slug][0]].tags))
    assert sharing / len(papers) >= 0.8, sharing / len(papers)


def test_paper_page_lists_related_papers_with_shared_tags(make_site):
    site = make_site(
        {
            "a": paper_text(
                "Contrastive image pretraining",
                "2025-01-01",
                ("vision", "contrastive"),
                "Contrastive pretraining of image encoders with text pairs.",
            ),
            "b": paper_text(
                "Contrastive image encoders revisited",
                "2025-01-02",
                ("vision",),
                "We revisit contrastive image encoders and pretraining pairs.",
            ),
            "c": paper_text(
                "Protein folding dynamics",
                "2025-01-03",
                ("biology",),
                "Molecular dynamics of protein folding in water.",
            ),
        }
    )
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    page = read_html(site / "_site" / "papers" / "a.html")
    items = page.select(".related-list li")
    assert items[0].a["href"] == "../papers/b.html"
    assert [a.get_text() for a in items[0].select(".shared a")] == ["vision"]
    assert all(li.a["href"] != "../papers/c.html" for li in items)  # no shared words


def test_related_cache_is_reused_and_invalidated(tmp_path: Path, monkeypatch):
    papers, _ = load_papers(REPO / "content" / "papers")
    cache = RelatedCache(tmp_path)
    first = cache.get(papers[:50])
    calls = []
    monkeypatch.setattr(
        "sitegen.site.related.compute_related", lambda p, **_: calls.append(1) or {}
    )
    assert RelatedCache(tmp_path).get(papers[:50]) == first  # read back from disk
    assert calls == []
    RelatedCache(tmp_path).get(papers[:49])
    assert calls == [1]


def test_pruned_search_matches_all_pairs_on_seed_papers(seed_papers, monkeypatch):
    exact = compute_related(seed_papers)
    monkeypatch.setattr(related_module, "EXACT_MAX", 0)
    approximate = compute_related(seed_papers)
    assert all(approximate[slug][:1] == items[:1] for slug, items in exact.items())
    overlap = sum(len(set(approximate[s]) & set(items)) for s, items in exact.items())
    assert overlap / (5 * len(exact)) >= 0.95


def test_heavily_pruned_search_still_finds_the_obvious_twin(seed_papers, pruned, monkeypatch):
    # A handful of query terms, postings and candidates per paper, among 305 papers.
    monkeypatch.setattr(related_module, "LOOKUPS", 40)
    monkeypatch.setattr(related_module, "CANDIDATES", 5)
    original = seed_papers[100]
    twin = dataclasses.replace(
        original, slug="zz-twin", abstract=original.abstract.replace(".", ". Indeed,", 2)
    )
    related = compute_related([*seed_papers, twin])
    assert related["zz-twin"][0] == original.slug
    assert related[original.slug][0] == "zz-twin"
    assert all(slug not in items for slug, items in related.items())
    assert any(len(items) < 5 for items in related.values())  # the pruning did bite


@pytest.mark.parametrize("search", ["all pairs", "pruned"])
def test_equal_similarities_rank_by_slug_whatever_the_input_order(search, monkeypatch):
    if search == "pruned":
        monkeypatch.setattr(related_module, "EXACT_MAX", 0)
    text = "Contrastive pretraining of image encoders"
    papers = [paper(slug, text) for slug in ("delta", "bravo", "echo", "alpha", "charlie")]
    papers += [paper("zulu", text + " with paired captions"), paper("other", "Protein folding")]
    # Unrelated papers, so that each term's postings (sqrt(papers) of them) hold all five.
    papers += [paper(f"filler-{a}{b}", f"Word{a}{b} word{b}{a}") for a in "xyz" for b in "stuvw"]
    expected = compute_related(papers, 3)
    assert expected["alpha"] == ("bravo", "charlie", "delta")
    assert expected["zulu"] == ("alpha", "bravo", "charlie")
    assert expected["other"] == ()
    shuffled = papers[:]
    random.Random(1).shuffle(shuffled)
    assert compute_related(shuffled, 3) == expected


def test_pruned_search_is_deterministic(seed_papers, pruned, monkeypatch):
    monkeypatch.setattr(related_module, "LOOKUPS", 200)  # ties at the cuts: many
    first = compute_related(seed_papers)
    reversed_input = compute_related(seed_papers[::-1])
    assert first == reversed_input
    assert compute_related(seed_papers) == first


def test_papers_without_usable_words_have_no_related_papers():
    assert compute_related([paper("a", "The and of"), paper("b", "It is")]) == {
        "a": (),
        "b": (),
    }
    assert compute_related([paper("a", "Graphs")]) == {"a": ()}
    assert compute_related([]) == {}


def test_strongest_keeps_each_rows_largest_entries_ties_to_the_lower_column(monkeypatch):
    from scipy.sparse import random as sparse_random

    rng = np.random.default_rng(7)
    for batch_cells in (1 << 22, 64):  # 64: a batch per row
        monkeypatch.setattr(related_module, "_BATCH_CELLS", batch_cells)
        for _ in range(50):
            rows, keep = int(rng.integers(1, 30)), int(rng.integers(1, 12))
            matrix = sparse_random(rows, 200, density=rng.random(), format="csr", rng=rng)
            matrix.data = (rng.integers(1, 5, matrix.nnz) / 4).astype(np.float32)  # many ties
            strongest = related_module._strongest(matrix, keep)
            for row in range(rows):
                span = slice(matrix.indptr[row], matrix.indptr[row + 1])
                entries = zip(matrix.indices[span], matrix.data[span], strict=True)
                best = sorted(entries, key=lambda entry: (-entry[1], entry[0]))[:keep]
                kept = strongest.indices[strongest.indptr[row] : strongest.indptr[row + 1]]
                assert sorted(kept) == sorted(column for column, _ in best)


def test_text_model_serves_rows_only_for_the_same_titles_and_abstracts(seed_papers, monkeypatch):
    calls = []
    real = related_module.tfidf
    monkeypatch.setattr(related_module, "tfidf", lambda texts: calls.append(1) or real(texts))
    model = related_module.TextModel()
    _, rows = model.rows(seed_papers)
    assert model.rows(seed_papers[::-1])[1] is rows  # the same papers in another order
    assert calls == [1]
    edited = [dataclasses.replace(seed_papers[0], abstract="Entirely new words."), *seed_papers[1:]]
    for changed in (edited, seed_papers[1:]):
        found_slugs, found = model.rows(changed)
        ordered = sorted(changed, key=lambda p: p.slug)
        assert found_slugs == [p.slug for p in ordered]
        assert (found != real(related_module.paper_texts(ordered))).nnz == 0
    assert len(calls) == 3
