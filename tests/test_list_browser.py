"""The paper list in Chromium: sorting, filtering, URL state, keys, 404 at depth (issue 14)."""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import build_site, checked_page, http_server, serious_violations

pytestmark = pytest.mark.browser


def paper(
    title: str, date: str, tags: str, year: int, authors: str, status: str = "to-read"
) -> str:
    return (
        f"---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\nyear: {year}\n"
        f"authors: [{authors}]\nstatus: {status}\n---\nAbstract of {title}. More.\n"
    )


PAPERS = {
    "alpha": paper("Alpha vision model", "2025-03-05", "vision, language", 2021, "Ann Zhou"),
    "beta": paper("Beta speech model", "2025-03-04", "speech", 2019, "Bo Young", "read").replace(
        "status: read", "status: read\nread: 2025-03-10"
    ),
    "gamma": paper("Gamma vision study", "2025-03-03", "vision", 2024, "Cy Xu, Di Wu"),
    "delta": paper("Delta language model", "2025-03-02", "language", 2023, "Ed Adams", "reading"),
    "epsilon": paper(
        "Epsilon vision and language", "2025-03-01", "vision, language", 2020, "Fa Li"
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("list") / "site"
    return build_site(root, PAPERS, 'title = "List test"\n')  # no base_url: 404's script


@pytest.fixture(scope="module")
def site_url(built: Path) -> Iterator[str]:
    with http_server(built) as url:
        yield url


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    with checked_page(chromium, viewport={"width": 1280, "height": 800}) as tab:
        yield tab


def titles(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        ".paper-list .paper-item-title a", "els => els.map(e => e.textContent.split(' ')[0])"
    )


def ready(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".list-controls:not([hidden])")


def test_sort_by_title_year_and_author_in_both_directions(page: Any, site_url: str) -> None:
    ready(page, site_url + "index.html")
    assert titles(page) == ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
    page.select_option("select[name=sort]", "year")
    assert titles(page) == ["Gamma", "Delta", "Alpha", "Epsilon", "Beta"]
    page.select_option("select[name=dir]", "asc")
    assert titles(page) == ["Beta", "Epsilon", "Alpha", "Delta", "Gamma"]
    page.select_option("select[name=sort]", "author")  # family names, A first
    assert titles(page) == ["Delta", "Epsilon", "Gamma", "Beta", "Alpha"]
    page.select_option("select[name=sort]", "title")
    page.select_option("select[name=dir]", "desc")
    assert titles(page) == ["Gamma", "Epsilon", "Delta", "Beta", "Alpha"]
    assert "sort=title" in page.url and "dir=desc" in page.url


def test_several_tags_all_or_any_with_status_and_years(page: Any, site_url: str) -> None:
    ready(page, site_url + "index.html")
    page.select_option("select[name=tag]", "vision")
    page.select_option("select[name=tag]", "language")
    assert titles(page) == ["Alpha", "Epsilon"]
    assert page.inner_text(".list-count") == "2 of 5 papers"
    page.select_option("select[name=mode]", "any")
    assert titles(page) == ["Alpha", "Gamma", "Delta", "Epsilon"]
    page.check("input[name=status][value=reading]")
    assert titles(page) == ["Delta"]
    page.check("input[name=status][value='']")
    page.fill("input[name=from]", "2021")
    page.fill("input[name=to]", "2023")
    page.press("input[name=to]", "Tab")
    assert titles(page) == ["Alpha", "Delta"]
    # Counts follow the other filters: 1 to read and 1 reading among these.
    assert page.inner_text("input[name=status][value=reading] + .count").strip() == "1"
    page.click(".chosen-tags .chip[data-slug=vision]")
    assert titles(page) == ["Alpha", "Delta"]
    assert "tags=language" in page.url


def test_text_filter_narrows_titles_and_authors_by_relevance(page: Any, site_url: str) -> None:
    ready(page, site_url + "index.html")
    page.fill(".list-controls input[name=q]", "vision")
    assert titles(page) == ["Alpha", "Gamma", "Epsilon"]
    assert page.input_value("select[name=sort]") == "relevance"
    page.fill(".list-controls input[name=q]", "young")  # an author's family name
    assert titles(page) == ["Beta"]
    page.fill(".list-controls input[name=q]", "")
    assert len(titles(page)) == 5
    assert page.input_value("select[name=sort]") == "added"


def test_state_lives_in_the_url_and_back_undoes_a_change(page: Any, site_url: str) -> None:
    page.goto(site_url + "index.html?tags=vision&sort=year&dir=asc")
    page.wait_for_selector(".list-controls:not([hidden])")
    assert titles(page) == ["Epsilon", "Alpha", "Gamma"]
    assert page.input_value("select[name=sort]") == "year"
    page.evaluate("window.__same = true")
    page.check("input[name=status][value=read]")
    assert titles(page) == []
    page.go_back()
    assert titles(page) == ["Epsilon", "Alpha", "Gamma"]
    assert page.is_checked("input[name=status][value='']")
    assert page.evaluate("window.__same === true")  # no reload
    page.reload()
    page.wait_for_selector(".list-controls:not([hidden])")
    assert titles(page) == ["Epsilon", "Alpha", "Gamma"]


def test_keyboard_moves_opens_filters_and_explains(page: Any, site_url: str) -> None:
    ready(page, site_url + "index.html")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Beta speech model"
    page.keyboard.press("?")
    assert page.is_visible("#list-keys")
    page.keyboard.press("Escape")
    assert page.is_hidden("#list-keys")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.matches('.list-controls input[name=q]')")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/*.html")


def test_cards_are_one_click_away_and_remembered(page: Any, site_url: str) -> None:
    ready(page, site_url + "index.html")
    assert page.is_hidden(".paper-item .summary")
    page.click(".view-toggle")
    assert page.is_visible(".paper-item .summary")
    ready(page, site_url + "tags/vision.html")
    assert page.get_attribute(".view-toggle", "aria-pressed") == "true"
    assert titles(page) == ["Alpha", "Gamma", "Epsilon"]  # a tag page lists its own papers
    page.select_option("select[name=sort]", "title")
    page.select_option("select[name=dir]", "desc")
    assert titles(page) == ["Gamma", "Epsilon", "Alpha"]


def row_tags(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(
        ".paper-list .paper-item",
        "els => els.map(e => [...e.querySelectorAll('.tags a')].map(a => a.textContent))",
    )


def test_rows_take_their_tags_from_the_tag_file(page: Any, site_url: str) -> None:
    ready(page, site_url + "index.html")
    assert row_tags(page) == [
        ["vision", "language"],
        ["speech"],
        ["vision"],
        ["language"],
        [
            "vision",
            "language",
        ],
    ]


def test_a_tag_file_of_another_build_leaves_tags_out_not_wrong(
    chromium: Any, built: Path, tmp_path: Path
) -> None:
    """list/papers.js and list/tags.js of two builds (one out of a stale cache), here of as
    many papers in another order: the list still sorts and filters, its papers show no tags,
    and a warning says why."""
    stale = tmp_path / "site"
    shutil.copytree(built, stale)
    tags_file = stale / "list" / "tags.js"
    call = "SitegenList.receiveTags("
    tagging = json.loads(tags_file.read_text(encoding="utf-8").strip()[len(call) : -2])
    tagging["order"] = "0" * 32
    tagging["paperTags"].reverse()
    tags_file.write_text(f"{call}{json.dumps(tagging)});\n", encoding="utf-8")
    with checked_page(chromium) as page, http_server(stale) as url:
        warnings: list[str] = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        ready(page, url + "index.html")
        assert titles(page) == ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
        assert row_tags(page) == [[]] * 5
        assert (
            page.eval_on_selector_all(
                "select[name=tag] option[value]:not([value=''])", "e => e.length"
            )
            == 0
        )
        page.select_option("select[name=sort]", "title")
        page.select_option("select[name=dir]", "desc")
        assert titles(page) == ["Gamma", "Epsilon", "Delta", "Beta", "Alpha"]
        assert any("list/tags.js" in w for w in warnings)


def test_without_javascript_every_paper_is_in_the_static_list(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "index.html?status=read")
    assert len(titles(page)) == 5
    assert page.is_hidden(".list-controls")
    context.close()


def test_lists_fit_a_360px_phone(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in (
        "index.html",
        "tags/vision.html",
        "authors/index.html",
        "queue.html",
        "stats.html",
    ):
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_and_lists_have_no_serious_accessibility_violations(
    page: Any, site_url: str, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url + "stats.html")
    assert page.is_visible("#added svg") and page.is_visible("#read svg")
    paths = ["stats.html", "tags/vision.html", "queue.html", "index.html"]
    assert serious_violations(page, site_url, paths) == {}
    page.goto(site_url + "tags/vision.html")
    page.click(".tag-timeline summary")
    page.click(".tag-timeline .chart-table summary")
    assert page.is_visible(".tag-timeline svg") and page.is_visible(".tag-timeline table")
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []


class _NotFoundHandler(http.server.SimpleHTTPRequestHandler):
    """Answers a missing path with 404.html, as a web host does."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def not_found_server(folder: Path) -> contextlib.AbstractContextManager[str]:
    return http_server(folder, _NotFoundHandler)


def test_404_at_depth_is_styled_and_its_links_work(chromium: Any, built: Path) -> None:
    context = chromium.new_context()
    page = context.new_page()
    failed: list[str] = []
    page.on(
        "requestfinished", lambda r: failed.append(r.url) if r.response().status >= 400 else None
    )
    with not_found_server(built) as url:
        response = page.goto(url + "papers/typo.html")
        assert response.status == 404
        page.wait_for_load_state("networkidle")
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # style.css
        assert page.evaluate("document.querySelector('link[rel=stylesheet]').sheet !== null")
        page.click("main a:text('All tags')")
        assert page.url == url + "tags/index.html"
        page.goto(url + "papers/typo.html")
        page.fill("#site-search-q", "vision")
        page.press("#site-search-q", "Enter")
        assert page.url.startswith(url + "search.html?q=vision")
    context.close()
    # Only the missing pages themselves were not found: every file they use was.
    assert failed == [url + "papers/typo.html", url + "papers/typo.html"]


MANY = 620
"""Papers of the cards test: more than a static page (100) and a summary file (500) hold."""


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cards") / "site"
    papers = {
        f"p{n:03d}": paper(
            f"Paper {n:03d} on topic {n % 7}",
            f"2025-03-{n % 28 + 1:02d}",
            f"topic {n % 7}",
            2000 + n % 25,
            f"Au{n} Thor",
        )
        for n in range(MANY)
    }
    return build_site(root, papers, 'title = "Cards test"\n')


def card_summaries(page: Any) -> list[tuple[str, str]]:
    """(title, summary or "") of each drawn card."""
    return page.eval_on_selector_all(
        ".paper-list .paper-item",
        """els => els.map(e => [e.querySelector('.paper-item-title a').textContent,
                             (e.querySelector('.summary') || {}).textContent || ''])""",
    )


def draw_all(page: Any) -> None:
    page.evaluate("() => { while (window.SitegenList.more()); }")


def test_cards_load_every_papers_summary_only_when_chosen(page: Any, many: Path) -> None:
    loaded: list[str] = []
    page.on(
        "request",
        lambda r: loaded.append(r.url.rsplit("/", 1)[-1]) if "summaries-" in r.url else None,
    )
    with http_server(many) as url:
        ready(page, url + "index.html?sort=title")
        draw_all(page)
        assert loaded == []  # compact rows show no summary: nothing loaded
        page.click(".view-toggle")
        page.wait_for_function(
            f"document.querySelectorAll('.paper-list .summary').length === {MANY}"
        )
        assert sorted(loaded) == ["summaries-0.js", "summaries-1.js"]
        cards = card_summaries(page)
        assert len(cards) == MANY
        for title, summary in cards:
            assert summary == f"Abstract of {title}.", title
        # Another sort reuses what was loaded; a reload in the cards view loads as it draws.
        page.select_option("select[name=sort]", "year")
        assert all(summary for _, summary in card_summaries(page))
        assert len(loaded) == 2
        ready(page, url + "index.html?sort=title&dir=desc")
        page.wait_for_function(
            "[...document.querySelectorAll('.paper-list .paper-item')]"
            ".every(e => e.querySelector('.summary'))"
        )
        first = card_summaries(page)[0]
        assert first == ["Paper 619 on topic 3", "Abstract of Paper 619 on topic 3."]


def test_cards_summaries_load_from_disk(page: Any, many: Path) -> None:
    page.goto((many / "tags" / "topic-3.html").as_uri())
    page.wait_for_selector(".list-controls:not([hidden])")
    page.click(".view-toggle")
    page.select_option("select[name=sort]", "title")
    draw_all(page)
    page.wait_for_function(
        "[...document.querySelectorAll('.paper-list .paper-item')]"
        ".every(e => e.querySelector('.summary'))"
    )
    cards = card_summaries(page)
    assert len(cards) == len(range(3, MANY, 7))
    assert all(summary == f"Abstract of {title}." for title, summary in cards)
