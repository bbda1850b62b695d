"""Build small sites in tmp_path and read the HTML back, as a reader would."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import internal_links, paper_text, read_html, run_sitegen

SITE_CONFIG_WITH_ALIASES = """\
title = "Aliases"

[aliases]
"LLM" = "Large Language Models"
"LLMs" = "Large Language Models"
"""

HOSTILE = '<script>alert("x")</script> & "quotes" \'single\''


def build_ok(site: Path, *extra: str) -> Path:
    run = run_sitegen("build", "--site", site, *extra)
    assert run.code == 0, run.err
    return site / "_site"


def three_papers() -> dict[str, str]:
    return {
        "clip-like": paper_text(
            "Contrastive image pretraining",
            "2025-03-02",
            ("contrastive learning", "vision"),
            "We align images and text. Then we transfer.",
            notes="Read with **care**: https://example.com",
            status="read",
            arxiv="2401.01234",
        ),
        "older-one": paper_text("An older paper", "2024-01-05", ("vision",), "Old stuff. More."),
        "newest": paper_text("The newest paper", "2025-06-01", (), "Fresh results! Detail."),
    }


def test_every_paper_and_tag_has_a_page_and_index_is_newest_first(make_site):
    out = build_ok(make_site(three_papers()))
    for slug in ("clip-like", "older-one", "newest"):
        assert (out / "papers" / f"{slug}.html").is_file()
    assert (out / "tags" / "contrastive-learning.html").is_file()
    assert (out / "tags" / "vision.html").is_file()
    index = read_html(out / "index.html")
    titles = [a.get_text() for a in index.select(".paper-item-title a")]
    assert titles == ["The newest paper", "Contrastive image pretraining", "An older paper"]
    counts = index.select_one(".counts").get_text(" ", strip=True)
    assert "3 papers" in counts and "2 tags" in counts and "1 read" in counts
    summaries = [p.get_text() for p in index.select(".summary")]
    assert summaries == ["Fresh results!", "We align images and text.", "Old stuff."]


def test_tag_pages_list_their_papers_with_counts(make_site):
    out = build_ok(make_site(three_papers()))
    tags = read_html(out / "tags" / "index.html")
    listing = {
        li.a.get_text(): li.select_one(".count").get_text() for li in tags.select(".tag-index li")
    }
    assert listing == {"contrastive learning": "1", "vision": "2"}
    vision = read_html(out / "tags" / "vision.html")
    assert [a.get_text() for a in vision.select(".paper-item-title a")] == [
        "Contrastive image pretraining",
        "An older paper",
    ]


def test_paper_page_shows_metadata_markdown_and_neighbours(make_site):
    out = build_ok(make_site(three_papers()))
    page = read_html(out / "papers" / "clip-like.html")
    assert page.h1.get_text() == "Contrastive image pretraining"
    assert page.select_one("time")["datetime"] == "2025-03-02"
    assert page.select_one(".status").get_text() == "read"
    links = {a.get_text(): a["href"] for a in page.select(".links a")}
    assert links["arXiv:2401.01234"] == "https://arxiv.org/abs/2401.01234"
    assert [a["href"] for a in page.select(".paper .tags a")] == [
        "../tags/contrastive-learning.html",
        "../tags/vision.html",
    ]
    notes = page.select_one(".notes")
    assert notes.strong.get_text() == "care"
    assert notes.find("a", href="https://example.com") is not None  # linkified
    assert page.select_one(".pager .newer")["href"] == "../papers/newest.html"
    assert page.select_one(".pager .older")["href"] == "../papers/older-one.html"


def test_every_internal_link_resolves_to_a_built_file(make_site):
    out = build_ok(make_site(three_papers()))
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 8
    checked = 0
    for page in pages:
        for href, target in internal_links(page, read_html(page)):
            assert target.is_file(), f"{page.relative_to(out)} links to missing {href}"
            assert out.resolve() in target.parents, f"{href} leaves the output folder"
            checked += 1
    assert checked > 50


def test_user_text_is_escaped_everywhere(make_site):
    papers = {"evil": paper_text(HOSTILE, tags=(HOSTILE,), abstract=HOSTILE, notes=HOSTILE)}
    out = build_ok(make_site(papers))
    for page in out.rglob("*.html"):
        html = page.read_text()
        assert "<script>alert" not in html, page
        soup = read_html(page)
        assert all(s.get("src") for s in soup.find_all("script")), f"inline script in {page}"
    page = read_html(out / "papers" / "evil.html")
    assert page.h1.get_text() == HOSTILE


def test_site_templates_and_static_override_the_theme_file_by_file(make_site):
    site = make_site(
        three_papers(),
        files={
            "templates/tag.html": """\
            {% extends "base.html" %}
            {% block content %}<h1 class="custom">Custom {{ tag.name }}</h1>{% endblock %}
            """,
            "static/style.css": "body { color: red; }",
            "static/extra.txt": "mine",
        },
    )
    out = build_ok(site)
    assert (
        read_html(out / "tags" / "vision.html").select_one("h1.custom").get_text()
        == "Custom vision"
    )
    assert read_html(out / "index.html").select(".paper-item")  # untouched theme template
    assert (out / "static" / "style.css").read_text() == "body { color: red; }"
    assert (out / "static" / "extra.txt").read_text() == "mine"
    assert (out / "static" / "favicon.svg").is_file()


@pytest.mark.parametrize(
    ("files", "loop"),
    [
        ({"templates/paper.html": '{% extends "paper.html" %}'}, "paper.html → paper.html"),
        (
            {
                "templates/paper.html": '{% extends "mine.html" %}',
                "templates/mine.html": '{% include "paper.html" %}',
            },
            "paper.html → mine.html → paper.html",
        ),
    ],
    ids=["extends-itself", "two-in-a-loop"],
)
def test_templates_in_a_loop_are_an_error_naming_them_and_the_last_site_stays(
    make_site, files, loop
):
    site = make_site(three_papers())
    out = build_ok(site)
    before = (out / "index.html").read_bytes()
    (site / "templates").mkdir(exist_ok=True)
    for name, text in files.items():
        (site / name).write_text(text)
    run = run_sitegen("build", "--site", site)
    assert run.code == 1 and "Traceback" not in run.err
    template = site / "templates" / "paper.html"
    assert f"{template}: templates extend or include each other in a loop: {loop}" in run.err
    assert (out / "index.html").read_bytes() == before


def test_deleted_paper_and_its_tag_disappear_on_rebuild(make_site):
    site = make_site(three_papers())
    out = build_ok(site)
    (site / "content" / "papers" / "clip-like.md").unlink()
    build_ok(site)
    assert not (out / "papers" / "clip-like.html").exists()
    assert not (out / "tags" / "contrastive-learning.html").exists()
    assert (out / "papers" / "newest.html").is_file()


def test_bad_content_lists_every_error_with_path_and_line(make_site):
    site = make_site(
        {
            **three_papers(),
            "no-title": "---\ndate: 2025-01-01\n---\nText\n",
            "bad-yaml": "---\ntitle: ok\ndate: 2025-01-01\ntags: [unclosed\n---\n",
            "bad-date": "---\ntitle: X\ndate: 2025-13-45\n---\n",
            "bad-status": "---\ntitle: Y\ndate: 2025-01-01\nstatus: done\n---\n",
            "Clip-Like": paper_text("Same slug as clip-like, other case"),
        }
    )
    run = run_sitegen("build", "--site", site)
    assert run.code == 1
    assert "Traceback" not in run.err
    papers = site / "content" / "papers"
    lines = run.err.splitlines()
    expected = [
        f"{papers / 'bad-date.md'}:3: `date` must be a date written YYYY-MM-DD",
        f"{papers / 'bad-status.md'}:4: unknown status 'done'",
        f"{papers / 'bad-yaml.md'}:4: invalid YAML in front matter",
        f"{papers / 'no-title.md'}:1: missing `title`",
        "would share the page papers/clip-like.html",
    ]
    for fragment in expected:
        assert any(fragment in line for line in lines), (fragment, run.err)
    assert not (site / "_site").exists()


def test_failed_build_keeps_the_last_good_output(make_site):
    site = make_site(three_papers())
    out = build_ok(site)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (site / "content" / "papers" / "broken.md").write_text("---\ntitle: [x\n---\n")
    run = run_sitegen("build", "--site", site)
    assert run.code == 1
    assert "Traceback" not in run.err
    assert f"{site / 'content' / 'papers' / 'broken.md'}:2:" in run.err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_authors_get_pages_linked_from_their_papers(make_site):
    site = make_site(
        {
            "a": "---\ntitle: First\ndate: 2025-01-01\nauthors: [José García, Ann Lee]\n---\nA.\n",
            "b": "---\ntitle: Second\ndate: 2025-01-02\nauthors: [Jose Garcia]\n---\nB.\n",
            "c": "---\ntitle: Third\ndate: 2025-01-03\nauthors: [José García]\n---\nC.\n",
        }
    )
    out = build_ok(site)
    index = read_html(out / "authors" / "index.html")
    listing = [(li.a.get_text(), li.select_one(".count").get_text()) for li in index.select("li")]
    # One person, most common spelling; by family name, as a bibliography lists people.
    assert listing == [("García, José", "3"), ("Lee, Ann", "1")]
    page = read_html(out / "papers" / "a.html")
    links = [(a.get_text(), a["href"]) for a in page.select(".authors a")]
    assert links == [
        ("José García", "../authors/jose-garcia.html"),
        ("Ann Lee", "../authors/ann-lee.html"),
    ]
    author = read_html(out / "authors" / "jose-garcia.html")
    assert [a.get_text() for a in author.select(".paper-item-title a")] == [
        "Third",
        "Second",
        "First",
    ]


def test_notes_link_papers_and_targets_list_who_cites_them(make_site):
    site = make_site(
        {
            "a": paper_text(
                "Attention is all", "2025-01-01", notes="Builds on [[b]] and [[the BASE paper]]."
            ),
            "b": paper_text("The base paper", "2025-01-02", notes="Code: `[[not-a-link]]`"),
            "c": paper_text("Unrelated", "2025-01-03"),
        }
    )
    out = build_ok(site)
    notes = read_html(out / "papers" / "a.html").select_one(".notes")
    assert [(a.get_text(), a["href"]) for a in notes.find_all("a")] == [
        ("The base paper", "b.html"),
        ("The base paper", "b.html"),
    ]
    cited = read_html(out / "papers" / "b.html").select(".cited-by a")
    assert [(a.get_text(), a["href"]) for a in cited] == [("Attention is all", "../papers/a.html")]
    assert not read_html(out / "papers" / "c.html").select(".cited-by")


def test_tags_differing_by_case_space_or_unicode_form_are_one_tag_and_aliases_merge(make_site):
    config = SITE_CONFIG_WITH_ALIASES
    site = make_site(
        {
            "a": paper_text("A", "2025-01-01", ("Deep  Learning",)),
            "b": paper_text("B", "2025-01-02", ("deep learning",)),
            "c": paper_text("C", "2025-01-03", (" deep learning ",)),
            "d": paper_text("D", "2025-01-04", ("ﬁne-tuning",)),  # the "fi" ligature, NFKC "fi"
            "e": paper_text("E", "2025-01-05", ("fine-tuning", "LLM")),
            "f": paper_text("F", "2025-01-06", ("large language models",)),
        },
        config=config,
    )
    out = build_ok(site)
    tags = read_html(out / "tags" / "index.html")
    listing = {
        li.a.get_text(): li.select_one(".count").get_text() for li in tags.select(".tag-index li")
    }
    assert listing == {"deep learning": "3", "fine-tuning": "2", "Large Language Models": "2"}
    page = read_html(out / "tags" / "large-language-models.html")
    assert [a.get_text() for a in page.select(".paper-item-title a")] == ["F", "E"]


def test_two_tags_sharing_a_page_slug_are_an_error_naming_both_files(make_site):
    site = make_site(
        {
            "a": paper_text("A", "2025-01-01", ("C++",)),
            "b": paper_text("B", "2025-01-02", ("C",)),
        }
    )
    run = run_sitegen("build", "--site", site)
    assert run.code == 1
    papers = site / "content" / "papers"
    assert "would share the page tags/c.html" in run.err
    assert str(papers / "a.md") in run.err and str(papers / "b.md") in run.err


def test_doi_venue_and_year_show_on_the_paper_page(make_site):
    text = (
        "---\ntitle: Journal paper\ndate: 2025-01-01\ndoi: 10.1000/xyz.123\n"
        "venue: Journal of Tests\nyear: 2021\n---\nAbstract.\n"
    )
    out = build_ok(make_site({"j": text}))
    page = read_html(out / "papers" / "j.html")
    links = {a.get_text(): a["href"] for a in page.select(".links a")}
    assert links == {"DOI:10.1000/xyz.123": "https://doi.org/10.1000/xyz.123"}
    assert page.select_one(".venue").get_text() == "Journal of Tests, 2021"
    assert "@article{" in page.select_one(".bibtex").get_text()


def test_raw_html_in_notes_is_escaped_unless_site_toml_allows_it(make_site):
    papers = {"a": paper_text("A", notes='<span class="mine">kept</span>')}
    out = build_ok(make_site(papers))
    assert read_html(out / "papers" / "a.html").select_one(".notes span.mine") is None
    allowed = build_ok(make_site(papers, config='title = "x"\nraw_html = true\n', name="raw"))
    assert (
        read_html(allowed / "papers" / "a.html").select_one(".notes span.mine").get_text() == "kept"
    )
