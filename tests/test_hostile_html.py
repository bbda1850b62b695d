"""Nothing runs that should not (#6): hostile titles, abstracts, notes, tags and authors are
escaped or sanitised in every page, feed, sitemap and search script, and a browser loading the
built site runs none of it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup, Comment
from conftest import SITE_TOML, http_server, run_sitegen
from markupsafe import Markup

from sitegen import urls
from sitegen.content.markdown import render_markdown
from sitegen.render.environment import make_environment

MARK = "pwn"
BASE_URL = "https://example.org/reading/"
"""conftest's SITE_TOML's base_url."""
"""Every payload mentions this; it must never reach a place where it would run."""
JS = "window.pwn=1"
TITLES = [
    f"<script>{JS}</script> plain",
    f'"><img src=x onerror="{JS}"> attribute break',
    f"</script><script>{JS}</script><!-- comment",
    f"'; {JS}; ' & \" quotes",
    f"<svg onload={JS}> svg",
    f"]]></title><script>{JS}</script> cdata",
]
BODY = f"""\
Raw <div id="pwned" data-pwned onclick="{JS}">html</div> and <b>bold</b>.
<!-- {MARK} comment --> <script>{JS}</script> </script><script>{JS}</script>

[js link](javascript:{JS}) [JS LINK](JaVaScRiPt:{JS}) [spaced]( javascript:{JS})
[data link](data:text/html,<script>{JS}</script>) ![svg](data:image/svg+xml,<svg onload={JS}>)
<javascript:{JS}> [entity](&#106;avascript:{JS}) [vb](vbscript:msgbox(1))
<iframe src="javascript:{JS}"></iframe> <a href="javascript:{JS}">a</a>
<style>body{{display:none}}</style> <img src=x onerror="{JS}">
"""
TAGS = [f"<script>{JS}</script>", f'"><svg onload={JS}>', "javascript:pwn", "<!-- pwn -->"]
AUTHORS = [f'Eve "><img src=x onerror={JS}>', f"Mal </script><script>{JS}</script>"]


def _yaml(text: str) -> str:
    return json.dumps(text)  # JSON strings are YAML strings


def hostile_paper(index: int, title: str) -> str:
    tags = ", ".join(_yaml(t) for t in [*TAGS, f"tag {index}"])
    authors = ", ".join(_yaml(a) for a in AUTHORS)
    return (
        f"---\ntitle: {_yaml(title)}\ndate: 2025-03-0{index + 1}\ntags: [{tags}]\n"
        f"authors: [{authors}]\nurl: https://example.org/{index}?q=%22%3E<x>\n---\n"
        f"{BODY}\n## Notes\n\n{BODY}\n[[{title}]]\n"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "site"
    papers = root / "content" / "papers"
    papers.mkdir(parents=True)
    config = SITE_TOML.replace('title = "Test reading list"', f"title = {_yaml(TITLES[0])}")
    (root / "site.toml").write_text(config, encoding="utf-8")
    for index, title in enumerate(TITLES):
        (papers / f"p{index}.md").write_text(hostile_paper(index, title), encoding="utf-8")
    run = run_sitegen("build", "--site", root)
    assert run.code == 0, run.err
    return root / "_site"


def _bad_url(value: str) -> bool:
    cleaned = re.sub(r"[\x00-\x20]", "", value).casefold()
    return cleaned.startswith(("javascript:", "vbscript:", "data:text", "data:image/svg"))


def assert_safe_html(soup: BeautifulSoup, where: str) -> int:
    """No injected element, script, handler, comment or dangerous link; elements checked."""
    checked = 0
    for element in soup.find_all(True):
        checked += 1
        assert element.name not in ("iframe", "style", "object", "embed"), where
        # The SVGs are drawn at build time: the stats and tag pages' charts (from counts and
        # the tag's escaped name) and each paper page's small map (points linking papers,
        # their titles escaped).
        if element.name == "svg" and element.get("class") == ["nearby-map"]:
            assert "/papers/" in where, where
            assert {e.name for e in element.find_all(True)} <= {"a", "title", "circle"}
        elif element.name == "svg":
            chart_page = where.endswith("stats.html") or "/tags/" in where
            assert chart_page and element.get("class") == ["timeline"], where
            assert {e.name for e in element.find_all(True)} <= {"rect", "title", "text", "line"}
        assert element.get("id") != "pwned" and not element.has_attr("data-pwned"), where
        if element.name == "script":
            src = element.get("src") or ""
            if where.endswith("/404.html") and not src:  # finds the site root (no base_url)
                assert 'createElement("base")' in (element.string or ""), where
                assert MARK not in element.string, where
                continue
            data_files = (urls.LIST_DATA, urls.LIST_TAGS, urls.MAP_DATA, urls.MAP_TAGS)
            ours = "static/" in src or src.endswith(data_files)
            assert src and ours and not element.string, (where, str(element))
        for attr, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not attr.casefold().startswith("on"), (where, str(element)[:200])
            if attr in ("href", "src", "action", "formaction", "xlink:href"):
                assert not _bad_url(text), (where, attr, text)
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        assert MARK not in comment, (where, comment)
    return checked


def test_every_page_escapes_hostile_text(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert_safe_html(BeautifulSoup(text, "html.parser"), str(page))
        assert "<script>window" not in text and "</script><script>" not in text
    paper = (site / "papers" / "p0.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.pwn=1&lt;/script&gt;" in paper  # shown as text, not dropped
    assert "&lt;!-- pwn comment --&gt;" in paper


def test_hostile_tags_and_authors_get_safe_pages(site: Path) -> None:
    names = [p.relative_to(site).as_posix() for p in site.rglob("*")]
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9._/-]+", name), name
    assert len([n for n in names if n.startswith("tags/") and n.endswith(".html")]) >= 10


def test_feeds_and_sitemap_are_well_formed_and_their_html_is_safe(site: Path) -> None:
    feeds = sorted(site.rglob("*.xml"))
    assert site / "sitemap.xml" in feeds and site / "feed.xml" in feeds
    for feed in feeds:
        tree = ET.parse(feed)  # well-formed XML whatever the titles held
        for element in tree.iter():
            if element.text and element.get("type") == "html":
                assert_safe_html(BeautifulSoup(element.text, "html.parser"), str(feed))
            for attr in ("href", "src"):
                assert not _bad_url(element.get(attr, "")), (feed, element.get(attr))
            if element.tag.endswith("title") and element.text and MARK in element.text:
                assert element.get("type", "text") == "text", feed  # shown, never parsed
    titles = [e.text for e in ET.parse(site / "feed.xml").iter() if e.tag.endswith("}title")]
    assert any(t and t.startswith("<script>window.pwn=1</script>") for t in titles)


def test_search_scripts_cannot_end_their_script_or_open_a_comment(site: Path) -> None:
    scripts = sorted((site / "search").glob("*.js"))
    assert scripts
    for script in scripts:
        text = script.read_text(encoding="utf-8").casefold()
        assert "</script" not in text and "<!--" not in text and "<script" not in text, script
        assert text.startswith("sitegensearch.receive(")


def test_the_list_data_script_cannot_end_its_script_or_open_a_comment(site: Path) -> None:
    text = (site / urls.LIST_DATA).read_text(encoding="utf-8")
    assert text.startswith("SitegenList.receive(")
    assert "<" not in text  # every "<" of a title is written \u003c
    data = json.loads(text.strip()[len("SitegenList.receive(") : -2])
    assert any("<script>window.pwn=1</script>" in row[1] for row in data["papers"])


@pytest.mark.parametrize(
    ("path", "prefix"),
    [(urls.LIST_TAGS, "SitegenList.receiveTags("), (urls.MAP_TAGS, "window.SitegenMapTags=")],
)
def test_the_tag_scripts_cannot_end_their_script_or_open_a_comment(
    site: Path, path: str, prefix: str
) -> None:
    text = (site / path).read_text(encoding="utf-8")
    assert text.startswith(prefix)
    assert "<" not in text  # every "<" of a tag name is written \u003c
    data = json.loads(text.strip()[len(prefix) :].removesuffix(";").removesuffix(")"))
    names = [t[1] if isinstance(t, list) else t for t in data["tags"]]
    assert set(TAGS) <= set(names)


def test_raw_html_is_off_by_default_and_the_switch_lets_notes_through() -> None:
    html = f'<div id="pwned" onclick="{JS}">x</div>'
    assert "<div" not in render_markdown(html)
    assert render_markdown(html, raw_html=True).startswith("<div id=")
    assert "href" not in render_markdown(f"[x](javascript:{JS})", raw_html=True)


@pytest.mark.browser
def test_browser_runs_no_injected_script(site: Path, chromium) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    problems: list[str] = []
    with http_server(site) as base:
        context = chromium.new_context()
        page = context.new_page()
        page.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: problems.append(f"page error {e}"))
        page.on(
            "console",
            lambda m: problems.append(f"console {m.text}") if m.type == "error" else None,
        )
        # 404.html's links start at base_url (it is served at any depth): answer those from
        # the built site, as the published site would, instead of the network.
        page.route(
            f"{BASE_URL}**",
            lambda route: route.fulfill(
                path=site / route.request.url[len(BASE_URL) :].split("?")[0]
            ),
        )
        # An <img src=x> that got through would fetch `x`.
        page.on("request", lambda r: problems.append(r.url) if r.url.endswith("/x") else None)
        for rel in pages:
            page.goto(base + rel)
            page.wait_for_load_state("load")
            state = page.evaluate(
                "() => [window.pwn, !!document.querySelector("
                "'#pwned,[data-pwned],iframe,svg:not(.timeline):not(.nearby-map)')]"
            )
            assert state == [None, False], rel
        # Search renders titles and tags from the store scripts: type a hostile query.
        page.goto(base + "search.html")
        page.wait_for_selector("#search-page[data-ready]")
        page.fill("#search-q", "<script>window.pwn=1</script>")
        page.wait_for_timeout(300)
        page.fill("#search-q", "plain")
        page.wait_for_selector("#search-page .search-result")
        assert page.evaluate("() => window.pwn") is None
        assert "<script>window.pwn=1</script>" in page.inner_text("#search-page")
        context.close()
    assert problems == [], problems
    print(f"\nbrowser: {len(pages)} hostile pages loaded, no script ran")


class _Shown:
    """A value that says how it is shown in HTML (as markupsafe's __html__ protocol asks)."""

    def __html__(self) -> str:
        return f"<i>{MARK}</i>"


def test_templates_escape_every_value_as_jinja_does(tmp_path: Path) -> None:
    """sitegen's environment outputs values its own quicker way (escape_output): the text must
    be Jinja's own, for text, markup, numbers and anything else, in loops, macros and joins."""
    values = {
        "text": f"{TITLES[1]} & '<b>' \"",
        "markup": Markup(f"<b>{MARK}</b>"),
        "count": 7,
        "x": 12.5,
        "flag": True,
        "none": None,
        "shown": _Shown(),
    }
    source = (
        "{{ text }}|{{ markup }}|{{ count }}|{{ x }}|{{ flag }}|{{ none }}|{{ shown }}|"
        "{{ text | upper }}|{% for v in [text, markup, x] %}{{ v }}{% endfor %}|"
        "{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(text) }}{{ m(markup) }}|{{ text ~ markup }}"
    )
    ours = make_environment(tmp_path).from_string(source).render(**values)
    jinja = jinja2.Environment(autoescape=True).from_string(source).render(**values)
    assert ours == jinja
    assert "&lt;img src=x" in ours and f"<b>{MARK}</b>" in ours and "|12.5|" in ours
