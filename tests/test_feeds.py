"""Atom feeds, sitemap.xml, robots.txt and paper <meta> tags, read the way feed readers,
crawlers and Google Scholar read them."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import paper_text, read_html, run_sitegen
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config import SiteConfig
from sitegen.content.models import Paper
from sitegen.render.feeds import FEED_SIZE, feed_files, feed_warnings
from sitegen.render.meta import clean_text, one_line, paper_meta
from sitegen.site.graph import SiteGraph, build_graph

BASE = "https://example.org/reading/"
A = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOSTILE = (
    'Attack <script>alert("x")</script> </script> ]]> & \'quotes\' "dq" <!-- comment --> '
    "\x00nul\x01\x08\x0b\x0c\x1f\x7f\x85 \ufffe\uffff\ud800 tab\there é 漢字 🙂"
)

# YAML front matter cannot hold control characters: what a content file can carry.
PRINTABLE_HOSTILE = "Attack <script>alert(\"x\")</script> ]]> & 'q' <!-- c --> é 🙂"


def paper(slug: str, day: str = "2025-03-01", **fields: object) -> Paper:
    values: dict[str, object] = {"title": slug.title(), "abstract": f"About {slug}."}
    values.update(fields)
    return Paper(slug=slug, date=dt.date.fromisoformat(day), **values)  # type: ignore[arg-type]


def site(tmp_path: Path, base_url: str = BASE, **fields: str) -> SiteConfig:
    values = {"title": "Test reading list", "description": "Papers for the tests"} | fields
    return SiteConfig(root=tmp_path, base_url=base_url, **values)  # type: ignore[arg-type]


def graph_of(*papers: Paper) -> SiteGraph:
    return build_graph(papers)


def sample() -> SiteGraph:
    return graph_of(
        paper("old", "2024-12-31", tags=("vision",), authors=("Ada Lovelace",)),
        paper("new", "2025-03-02", tags=("vision", "NLP"), authors=("Alan Turing", "Bo Li")),
        paper("mid", "2025-01-15", tags=("NLP",)),
    )


def parse_feed(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def check_atom_required(data: bytes) -> ET.Element:
    """RFC 4287's required elements, checked on the raw XML."""
    root = ET.fromstring(data)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
        assert (root.findtext(f"{A}{name}") or "").strip(), name
    assert root.find(f"{A}author/{A}name") is not None  # not every entry has an author
    assert [link.get("rel") for link in root.findall(f"{A}link")].count("self") == 1
    ids = []
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        alternates = [e for e in entry.findall(f"{A}link") if e.get("rel") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("href")
        dt.datetime.strptime(entry.findtext(f"{A}updated") or "", "%Y-%m-%dT%H:%M:%SZ")
        ids.append(entry.findtext(f"{A}id"))
    assert len(ids) == len(set(ids))
    return root


def test_site_feed_is_valid_atom_with_newest_papers_first(tmp_path: Path) -> None:
    files = feed_files(site(tmp_path), sample())
    check_atom_required(files["feed.xml"])
    feed = parse_feed(files["feed.xml"])
    assert feed.feed.title == "Test reading list"
    assert feed.feed.subtitle == "Papers for the tests"
    assert feed.feed.id == BASE + "feed.xml"
    assert feed.feed.updated == "2025-03-02T00:00:00Z"
    assert feed.feed.author == "Test reading list"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": BASE + "feed.xml", "alternate": BASE + "index.html"}
    assert [e.title for e in feed.entries] == ["New", "Mid", "Old"]
    first = feed.entries[0]
    assert first.id == BASE + "papers/new.html"
    assert first.link == BASE + "papers/new.html"
    assert first.updated == "2025-03-02T00:00:00Z"
    assert [a.name for a in first.authors] == ["Alan Turing", "Bo Li"]
    assert [t.term for t in first.tags] == ["vision", "NLP"]
    assert first.summary == "About new."
    assert first.content[0].type == "text/html"
    assert first.content[0].value.strip() == "<p>About new.</p>"
    assert "authors" not in feed.entries[1]  # falls back to the feed's author


def test_feed_keeps_the_newest_fifty(tmp_path: Path) -> None:
    start = dt.date(2024, 1, 1)
    papers = [
        paper(f"p{n:03d}", (start + dt.timedelta(days=n)).isoformat(), tags=("t",))
        for n in range(FEED_SIZE + 10)
    ]
    files = feed_files(site(tmp_path), graph_of(*papers))
    for path in ("feed.xml", "tags/t.xml"):
        entries = parse_feed(files[path]).entries
        assert len(entries) == FEED_SIZE
        expected = [f"papers/p{n:03d}.html" for n in range(FEED_SIZE + 9, 9, -1)]
        assert [e.link for e in entries] == [BASE + p for p in expected]


def test_one_feed_per_tag_with_its_own_papers_and_self_link(tmp_path: Path) -> None:
    files = feed_files(site(tmp_path), sample())
    assert sorted(p for p in files if p.startswith("tags/")) == ["tags/nlp.xml", "tags/vision.xml"]
    check_atom_required(files["tags/vision.xml"])
    feed = parse_feed(files["tags/vision.xml"])
    assert feed.feed.title == "Test reading list: vision"
    assert feed.feed.id == BASE + "tags/vision.xml"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": BASE + "tags/vision.xml", "alternate": BASE + "tags/vision.html"}
    assert [e.link for e in feed.entries] == [BASE + "papers/new.html", BASE + "papers/old.html"]
    assert feed.feed.updated == "2025-03-02T00:00:00Z"
    assert parse_feed(files["tags/nlp.xml"]).feed.updated == "2025-03-02T00:00:00Z"


@pytest.mark.parametrize("base", ["https://example.org/reading", "https://example.org/reading/"])
def test_base_url_with_or_without_trailing_slash(tmp_path: Path, base: str) -> None:
    assert feed_files(site(tmp_path, base), sample()) == feed_files(site(tmp_path), sample())


def test_base_url_at_host_root(tmp_path: Path) -> None:
    config = site(tmp_path, "https://example.org")
    files = feed_files(config, sample())
    assert parse_feed(files["feed.xml"]).entries[0].link == "https://example.org/papers/new.html"
    assert files["robots.txt"] == (
        b"User-agent: *\nAllow: /\nSitemap: https://example.org/sitemap.xml\n"
    )
    assert feed_warnings(config) == []


def test_robots_txt_under_a_sub_path_says_where_crawlers_look(tmp_path: Path) -> None:
    assert feed_warnings(site(tmp_path)) == []  # a sub-path is fine: no warning every build
    assert feed_files(site(tmp_path), sample())["robots.txt"].decode() == (
        "# Crawlers read robots.txt only at https://example.org/robots.txt, not in /reading/:\n"
        "# copy the Sitemap line below into that file for them to find it.\n"
        "User-agent: *\n"
        "Allow: /\n"
        "Sitemap: https://example.org/reading/sitemap.xml\n"
    )


def test_same_input_same_bytes_and_updated_overrides(tmp_path: Path) -> None:
    config = site(tmp_path)
    assert feed_files(config, sample()) == feed_files(config, sample())
    moment = dt.datetime(2025, 6, 1, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    files = feed_files(config, sample(), updated=moment)
    for path in ("feed.xml", "tags/nlp.xml"):
        assert parse_feed(files[path]).feed.updated == "2025-06-01T12:30:00Z"
    naive = feed_files(config, sample(), updated=dt.datetime(2025, 6, 1, 12, 30))
    assert naive == files  # a naive datetime is UTC


def test_no_papers_still_valid_and_stable(tmp_path: Path) -> None:
    files = feed_files(site(tmp_path), graph_of())
    check_atom_required(files["feed.xml"])
    assert parse_feed(files["feed.xml"]).entries == []
    assert files == feed_files(site(tmp_path), graph_of())
    assert sorted(files) == ["feed.xml", "robots.txt", "sitemap.xml"]


def test_without_base_url_links_are_relative_ids_are_tag_uris_and_no_sitemap(
    tmp_path: Path,
) -> None:
    config = site(tmp_path, "")
    files = feed_files(config, sample())
    assert "sitemap.xml" not in files
    assert files["robots.txt"] == b"User-agent: *\nAllow: /\n"
    check_atom_required(files["feed.xml"])
    root = ET.fromstring(files["feed.xml"])
    assert root.findtext(f"{A}id") == "tag:sitegen.invalid,2000:Test%20reading%20list/feed.xml"
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}id") == (
        "tag:sitegen.invalid,2000:Test%20reading%20list/papers/new.html"
    )
    assert [link.get("href") for link in entry.findall(f"{A}link")] == ["papers/new.html"]
    tag_feed = ET.fromstring(files["tags/vision.xml"])
    hrefs = {link.get("rel"): link.get("href") for link in tag_feed.findall(f"{A}link")}
    assert hrefs == {"self": "vision.xml", "alternate": "vision.html"}
    tag_entry = tag_feed.find(f"{A}entry")
    assert tag_entry is not None
    assert [link.get("href") for link in tag_entry.findall(f"{A}link")] == ["../papers/new.html"]
    # A feed reader resolves them against the feed's own address.
    feed = feedparser.parse(
        files["tags/vision.xml"],
        response_headers={
            "content-location": "https://host.example/r/tags/vision.xml",
            "content-type": "application/atom+xml",
        },
    )
    assert feed.bozo == 0
    assert feed.entries[0].link == "https://host.example/r/papers/new.html"
    [warning] = feed_warnings(config)
    assert warning.startswith("no base_url: feed.xml uses relative links")
    assert "sitemap.xml is not written" in warning


@pytest.mark.parametrize("bad", ["example.org/reading", "ftp://example.org/", "https://x.org/\nA"])
def test_a_base_url_that_is_not_absolute_http_is_ignored_with_a_warning(
    tmp_path: Path, bad: str
) -> None:
    config = site(tmp_path, bad)
    assert feed_files(config, sample()) == feed_files(site(tmp_path, ""), sample())
    [warning] = feed_warnings(config)
    assert warning.startswith(f"base_url {bad!r} is not an absolute http(s) URL")


def test_sitemap_lists_every_page_with_absolute_urls(tmp_path: Path) -> None:
    files = feed_files(site(tmp_path), sample(), extra_pages=["search.html", "authors/index.html"])
    root = ET.fromstring(files["sitemap.xml"])
    assert root.tag == f"{SM}urlset"
    entries = {
        url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root.findall(f"{SM}url")
    }
    for loc in entries:
        assert loc is not None and loc.startswith(BASE) and urlsplit(loc).scheme == "https"
    assert entries == {
        BASE + "index.html": None,
        BASE + "papers/new.html": "2025-03-02",
        BASE + "papers/mid.html": "2025-01-15",
        BASE + "papers/old.html": "2024-12-31",
        BASE + "tags/index.html": None,
        BASE + "tags/nlp.html": None,
        BASE + "tags/vision.html": None,
        BASE + "search.html": None,
        BASE + "authors/index.html": None,
    }
    assert files["robots.txt"].endswith(
        b"User-agent: *\nAllow: /\nSitemap: https://example.org/reading/sitemap.xml\n"
    )


def test_default_sitemap_has_the_search_page_and_refuses_absolute_extra_pages(
    tmp_path: Path,
) -> None:
    sitemap = feed_files(site(tmp_path), sample())["sitemap.xml"]
    assert f"<loc>{BASE}search.html</loc>".encode() in sitemap
    with pytest.raises(ValueError, match="relative to the site root"):
        feed_files(site(tmp_path), sample(), extra_pages=["/etc/passwd"])


def test_hostile_text_is_escaped_and_stays_well_formed(tmp_path: Path) -> None:
    hostile = paper(
        "hostile",
        title=HOSTILE,
        abstract=HOSTILE + "\n\n<script>alert(1)</script>",
        authors=(HOSTILE, "  "),
        tags=('<script>x</script> ]]> "tag"',),
    )
    config = site(tmp_path, title=HOSTILE, description=HOSTILE)
    files = feed_files(config, graph_of(hostile))
    expected = one_line(HOSTILE)
    assert "\x00" not in expected and "\ud800" not in expected and "<script>" in expected
    for path, data in files.items():
        assert b"<script" not in data and b"<!--" not in data, path
        data.decode("utf-8")  # no lone surrogates
        if path.endswith(".xml"):
            ET.fromstring(data)
    root = check_atom_required(files["feed.xml"])
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}title") == expected
    assert [n.text for n in entry.findall(f"{A}author/{A}name")] == [expected]
    assert [c.get("term") for c in entry.findall(f"{A}category")] == [
        '<script>x</script> ]]> "tag"'
    ]
    html = entry.findtext(f"{A}content") or ""
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    feed = parse_feed(files["feed.xml"])
    assert feed.feed.title == expected
    assert feed.entries[0].title == expected
    assert feed.entries[0].summary.startswith(expected[:40])


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1),
    abstract=st.text(),
    author=st.text(),
)
def test_any_text_gives_well_formed_feeds(title: str, abstract: str, author: str) -> None:
    config = SiteConfig(root=Path("."), title=title, base_url=BASE)
    files = feed_files(
        config, graph_of(paper("p", title=title, abstract=abstract, authors=(author,)))
    )
    root = ET.fromstring(files["feed.xml"])
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}title") == one_line(title)
    ET.fromstring(files["sitemap.xml"])


def test_clean_text_keeps_what_xml_allows() -> None:
    assert clean_text("a\tb\nc\r\nd\re\x00\x1b\x7f\x9f\ud800\ufffe é 🙂") == "a\tb\nc\nd\ne é 🙂"


def meta_of(triples: Sequence[tuple[str, str, str]], name: str) -> list[str]:
    return [content for _, key, content in triples if key == name]


def test_paper_meta_for_google_scholar_and_open_graph(tmp_path: Path) -> None:
    p = paper(
        "p",
        "2025-03-01",
        title='A <b>bold</b> "title"\x01',
        abstract="We *study* things. " + "word " * 100,
        arxiv="2401.01234",
        doi="10.1000/xyz123",
        venue="Proceedings of NeurIPS",
        tags=("vision", "NLP", "vision"),
    )
    triples = paper_meta(site(tmp_path), p, ["Ada Lovelace", "Alan Turing"])
    assert all(attr == ("property" if ":" in name else "name") for attr, name, _ in triples)
    assert meta_of(triples, "citation_title") == ['A <b>bold</b> "title"']
    assert meta_of(triples, "citation_author") == ["Ada Lovelace", "Alan Turing"]
    assert meta_of(triples, "citation_publication_date") == ["2025/03/01"]
    assert meta_of(triples, "citation_conference_title") == ["Proceedings of NeurIPS"]
    assert meta_of(triples, "citation_journal_title") == []
    assert meta_of(triples, "citation_doi") == ["10.1000/xyz123"]
    assert meta_of(triples, "citation_arxiv_id") == ["2401.01234"]
    assert meta_of(triples, "citation_pdf_url") == ["https://arxiv.org/pdf/2401.01234"]
    [description] = meta_of(triples, "description")
    assert description.startswith("We study things. word") and description.endswith("…")
    assert len(description) <= 301
    assert meta_of(triples, "og:description") == [description]
    assert meta_of(triples, "og:title") == ['A <b>bold</b> "title"']
    assert meta_of(triples, "og:type") == ["article"]
    assert meta_of(triples, "og:url") == [BASE + "papers/p.html"]
    assert meta_of(triples, "og:site_name") == ["Test reading list"]
    assert meta_of(triples, "article:published_time") == ["2025-03-01"]
    assert meta_of(triples, "article:tag") == ["vision", "NLP"]


def test_paper_meta_optional_fields(tmp_path: Path) -> None:
    p = paper("p", year=2019, venue="Journal of Machine Learning Research")
    triples = paper_meta(site(tmp_path, ""), p, [], tags=["Vision"])
    names = [name for _, name, _ in triples]
    assert "og:url" not in names  # og:url must be absolute
    assert "citation_author" not in names and "citation_pdf_url" not in names
    assert meta_of(triples, "citation_publication_date") == ["2019"]
    assert meta_of(triples, "citation_journal_title") == ["Journal of Machine Learning Research"]
    assert meta_of(triples, "article:tag") == ["Vision"]
    assert len(names) == len(triples)
    ta = paper_meta(site(tmp_path), paper("q", venue="Transactions of the ACL"), [])
    assert meta_of(ta, "citation_journal_title") == ["Transactions of the ACL"]


def test_cli_build_writes_feeds_sitemap_robots_and_meta(make_site) -> None:  # type: ignore[no-untyped-def]
    root = make_site(
        papers={
            "first": paper_text(PRINTABLE_HOSTILE, "2025-03-02", tags=("vision",)),
            "second": paper_text("Second", "2025-03-01").replace(
                "tags: []", "tags: []\nauthors: [Ada Lovelace]"
            ),
        }
    )
    done = run_sitegen("build", "--site", root)
    assert done.code == 0, done.err
    out = root / "_site"
    feed = parse_feed((out / "feed.xml").read_bytes())
    assert [e.link for e in feed.entries] == [
        BASE + "papers/first.html",
        BASE + "papers/second.html",
    ]
    parse_feed((out / "tags" / "vision.xml").read_bytes())
    ET.fromstring((out / "sitemap.xml").read_bytes())
    assert (out / "robots.txt").read_text().endswith(f"Sitemap: {BASE}sitemap.xml\n")
    page = read_html(out / "papers" / "first.html")
    title = page.find("meta", attrs={"name": "citation_title"})
    assert title is not None and title["content"] == PRINTABLE_HOSTILE
    second = read_html(out / "papers" / "second.html")
    authors = second.find_all("meta", attrs={"name": "citation_author"})
    assert [meta["content"] for meta in authors] == ["Ada Lovelace"]
    home = read_html(out / "index.html")
    assert home.find("link", attrs={"type": "application/atom+xml"}) is not None
