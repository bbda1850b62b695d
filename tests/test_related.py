"""Related papers: similar text ranks first, shared tags shown, cached between builds."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, paper_text, read_html, run_sitegen

from sitegen.content import load_papers
from sitegen.related import RelatedCache, compute_related


def test_top_related_paper_shares_a_tag_for_most_seed_papers():
    papers, _ = load_papers(REPO / "content" / "papers")
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
    monkeypatch.setattr("sitegen.related.compute_related", lambda p: calls.append(1) or {})
    assert RelatedCache(tmp_path).get(papers[:50]) == first  # read back from disk
    assert calls == []
    RelatedCache(tmp_path).get(papers[:49])
    assert calls == [1]
