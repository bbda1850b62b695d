"""Search in a real browser: Debian's Chromium driven by Playwright, over HTTP and file://."""

from __future__ import annotations

import datetime
import functools
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import shard_decoder
from synthetic import seed_papers
from test_search import receive_calls
from test_search_shards import LOADED_INDEX

from sitegen import urls

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SUB_PATH = "/sub/path/"
HOSTILE = "Breaking </script><script>window.__pwned = 1</script> search <!-- comment"
SITE_TOML = 'title = "Search test list"\ndescription = "Papers for the search tests"\n'


def _content_file(
    title: str, date: str, tags: tuple[str, ...], authors: tuple[str, ...], abstract: str
) -> str:
    head = {"title": title, "date": date, "tags": list(tags), "authors": list(authors)}
    lines = ["---"] + [f"{key}: {json.dumps(value)}" for key, value in head.items()]
    return "\n".join([*lines, "---", abstract, ""])


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 seed papers plus a hostile title, built by the real CLI; returns the output folder."""
    site = tmp_path_factory.mktemp("search-site")
    papers_dir = site / "content" / "papers"
    papers_dir.mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for paper in seed_papers()[:60]:
        text = _content_file(
            paper.title, paper.date.isoformat(), paper.tags, paper.authors, paper.abstract
        )
        (papers_dir / f"{paper.slug}.md").write_text(text, encoding="utf-8")
    hostile = _content_file(
        HOSTILE,
        "2024-01-02",
        ("robotics",),
        ("Mallory Q",),
        "Zanzibar quokka text for the escaping test.",
    )
    (papers_dir / "hostile.md").write_text(hostile, encoding="utf-8")
    out = site.parent / f"{site.name}-out"
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (out / urls.SEARCH_INDEX).is_file()  # the build ships the index
    return out


class _SubPathHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        if not path.startswith(SUB_PATH):
            return str(Path(self.directory) / "__missing__")
        return super().translate_path("/" + path[len(SUB_PATH) :])

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def http_base(built_site: Path) -> Iterator[str]:
    """The output folder served from 127.0.0.1 under /sub/path/<folder>/."""
    handler = functools.partial(_SubPathHandler, directory=str(built_site.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}{built_site.name}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["http", "file"])
def base(request: pytest.FixtureRequest, built_site: Path) -> str:
    if request.param == "http":
        return str(request.getfixturevalue("http_base"))
    return built_site.as_uri() + "/"


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A page that records console errors and uncaught exceptions; none are allowed."""
    context = chromium.new_context()
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    # A request the page cancels by navigating away (a favicon, mid back-button) is no error.
    tab.on(
        "requestfailed",
        lambda r: None if r.failure == "net::ERR_ABORTED" else problems.append("failed: " + r.url),
    )
    yield tab
    context.close()
    assert problems == []


def open_search(page: Any, base: str, query: str = "") -> None:
    page.goto(base + "search.html" + (f"?q={query}" if query else ""))
    page.wait_for_selector("#search-page[data-ready]")


def type_query(page: Any, text: str) -> None:
    """Type like a reader, then wait until the page shows this exact query's outcome."""
    box = page.locator("#search-q")
    box.fill("")
    box.press_sequentially(text, delay=15)
    page.wait_for_function(
        "q => document.getElementById('search-page').getAttribute('data-query') === q", arg=text
    )


def titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".search-result-title").all_inner_texts()]


def state(page: Any) -> str:
    return str(page.get_attribute("#search-page", "data-state"))


def test_results_as_you_type_with_highlighting(page: Any, base: str) -> None:
    open_search(page, base)
    assert state(page) == "empty"
    type_query(page, "contrastive")
    assert state(page) == "results"
    found = titles(page)
    assert found and "contrastive" in found[0].lower()
    marks = [m.lower() for m in page.locator(".search-result mark").all_inner_texts()]
    assert marks and all(m.startswith("contrast") for m in marks)
    first = page.locator(".search-result").first
    assert first.locator("time").inner_text()
    assert re.search(r"\d+ papers? found", page.inner_text("#search-status"))
    href = first.locator("a.search-result-title").get_attribute("href")
    assert href and href.startswith("papers/") and href.endswith(".html")


# How a tag pill looks: the same in search results as in the paper pages' and lists' tag lists.
PILL_STYLE = """el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color,
  s.borderRadius, s.textDecorationLine, s.display]; }"""
LONG_DATE = re.compile(
    r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{4}"
)


def assert_dates_and_tags_as_the_lists(results: Any) -> None:
    """Each result's date in words ("6 June 2025"), each tag a pill in a list of tags."""
    times = results.locator(".search-result time")
    assert times.count() > 0
    for k in range(times.count()):
        iso = str(times.nth(k).get_attribute("datetime"))
        day = datetime.date.fromisoformat(iso)
        assert times.nth(k).inner_text() == f"{day.day} {day:%B %Y}"
        assert LONG_DATE.fullmatch(times.nth(k).inner_text())
    assert results.locator(".search-result ul.tags > li > a.tag").count() > 0
    assert results.locator(".search-result a:not(.tag):not(.search-result-title)").count() == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_show_dates_and_tags_as_the_lists_do(page: Any, base: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    open_search(page, base)
    type_query(page, "learning")
    assert_dates_and_tags_as_the_lists(page.locator("#search-results"))
    pill = page.locator(".search-result a.tag").first.evaluate(PILL_STYLE)
    assert pill[2] != "0px" and pill[3] == "none"  # rounded, not underlined
    more = page.locator("#search-more")
    assert more.is_visible()
    look = more.evaluate(
        "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color, s.cursor]; }"
    )
    assert look == [pill[0], pill[1], "pointer"]  # the theme's accent, not the browser's grey
    shown = page.locator(".search-result").count()
    more.click()
    page.wait_for_function("n => document.querySelectorAll('.search-result').length > n", arg=shown)
    # The paper page's tags (templates/_macros.html tag_list) look the same, in this theme.
    page.goto(base + str(page.locator("a.search-result-title").first.get_attribute("href")))
    assert page.locator(".paper .tags a.tag").first.evaluate(PILL_STYLE) == pill
    # And so does the header box's dropdown, on any page.
    page.locator("#site-search-q").fill("learning")
    page.wait_for_selector("#site-search-panel .search-result")
    panel = page.locator("#site-search-panel")
    assert_dates_and_tags_as_the_lists(panel)
    assert panel.locator("a.tag").first.evaluate(PILL_STYLE) == pill


@pytest.mark.parametrize("prefix", ["contras", "contrasti", "contrastiv"])
def test_last_word_matches_as_prefix_past_the_stem(page: Any, base: str, prefix: str) -> None:
    open_search(page, base)
    type_query(page, "contrastive")
    full = titles(page)
    type_query(page, prefix)
    found = titles(page)
    assert found and set(full) <= set(found)
    assert page.locator(".search-result mark").count() > 0


def test_query_syntax_fields_presence_and_wildcards(page: Any, base: str) -> None:
    open_search(page, base)
    type_query(page, "contrastive ")
    anywhere = titles(page)
    type_query(page, "title:contrastive ")
    in_title = titles(page)
    assert in_title and all("contrastive" in t.lower() for t in in_title)
    assert set(in_title) < set(anywhere)
    type_query(page, "+video -audio ")
    assert titles(page)
    type_query(page, "pretrain* ")
    assert len(titles(page)) >= 3
    type_query(page, "author:mallory ")
    assert titles(page) == [HOSTILE]


def test_bad_query_shows_a_message_not_an_error(page: Any, base: str) -> None:
    open_search(page, base)
    type_query(page, "nosuchfield:word")
    assert state(page) == "error"
    assert "could not be understood" in page.inner_text("#search-status")
    assert titles(page) == []
    type_query(page, "zzzyxq")
    assert state(page) == "none"
    assert "No papers match" in page.inner_text("#search-status")


def test_query_lives_in_the_url_and_back_works(page: Any, base: str) -> None:
    open_search(page, base, "transfer")
    assert page.input_value("#search-q") == "transfer" and titles(page)
    first_results = titles(page)
    page.wait_for_timeout(1100)  # a pause: the next search gets its own history entry
    type_query(page, "video")
    page.wait_for_function("() => location.search === '?q=video'")
    page.go_back()
    page.wait_for_function("() => document.querySelector('#search-q').value === 'transfer'")
    page.wait_for_function(
        "n => document.querySelectorAll('.search-result').length === n", arg=len(first_results)
    )
    assert titles(page) == first_results
    page.reload()
    page.wait_for_selector("#search-page[data-ready]")
    assert page.input_value("#search-q") == "transfer" and titles(page) == first_results


def test_keyboard_moves_through_results_and_enter_opens(page: Any, base: str) -> None:
    open_search(page, base)
    type_query(page, "language")
    links = page.locator("a.search-result-title")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = links.nth(1)
    assert second.evaluate("el => el === document.activeElement")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.press("ArrowDown")
    target = links.first.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(str(target)) + "$"))


def test_hostile_text_is_shown_not_run(page: Any, base: str) -> None:
    open_search(page, base)
    type_query(page, "quokka")
    assert titles(page) == [HOSTILE]
    assert page.evaluate("window.__pwned") is None


def test_header_box_loads_the_index_only_on_focus(page: Any, base: str) -> None:
    # Not a list page: there "/" goes to the list's own filter (issue 14).
    page.goto(base + "tags/index.html")
    page.wait_for_load_state("load")
    scripts = "() => Array.from(document.scripts).map(s => s.src).join(' ')"
    assert "search/index.js" not in page.evaluate(scripts)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("contrasti", delay=15)
    page.wait_for_selector("#site-search-panel .search-result")
    assert "search/index.js" in page.evaluate(scripts)
    all_link = page.locator(".site-search-all")
    assert "search.html?q=contrasti" in str(all_link.get_attribute("href"))
    page.keyboard.press("Enter")  # the plain GET form still works
    page.wait_for_url(re.compile(r"search\.html\?q=contrasti$"))
    page.wait_for_selector("#search-page[data-state=results]")


def test_browser_decodes_exactly_what_python_decodes(
    page: Any, base: str, built_site: Path
) -> None:
    open_search(page, base)
    decoded = json.loads(
        page.evaluate(
            f"SitegenSearch.load().then(e => e.load(e.all()).then(() => {LOADED_INDEX}(e)))"
        )
    )
    calls = [
        call
        for path in sorted((built_site / "search").glob("*.js"))
        if not path.name.startswith("store-")
        for call in receive_calls(path.read_bytes())
    ]
    (meta,) = [payload for kind, _, payload in calls if kind == "index"]
    shards = dict((chunk, payload) for kind, chunk, payload in calls if kind == "terms")
    assert sorted(shards) == list(range(len(meta["shards"])))
    assert decoded == shard_decoder.decode(meta, [shards[k] for k in sorted(shards)])


def test_search_page_has_no_serious_accessibility_violations(page: Any, http_base: str) -> None:
    # Over HTTP only: from file:// axe's own stylesheet requests are refused (console errors).
    from axe_playwright_python.sync_playwright import Axe

    open_search(page, http_base)
    type_query(page, "contrastive")
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert page.get_attribute("#search-status", "aria-live") == "polite"
    assert page.locator("label[for=search-q]").count() == 1
