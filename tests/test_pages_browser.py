"""The built pages in Chromium: status/tag filter, theme toggle, small screens, axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import (
    build_site,
    checked_page,
    http_server,
    paper_text,
    serious_violations,
)

pytestmark = pytest.mark.browser

PAPERS = {
    "clip": paper_text(
        "Contrastive image pretraining",
        "2025-03-02",
        ("vision", "contrastive"),
        "We align images and text.",
        status="read",
    ),
    "vit": paper_text(
        "Vision transformers at scale",
        "2025-03-01",
        ("vision",),
        "Transformers for images.",
        status="reading",
    ),
    "lm": paper_text(
        "Language models are few-shot learners",
        "2025-02-01",
        ("language",),
        "Scaling language models.",
        notes="See [[clip]].",
    ),
}


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    authors = "---\ntitle: Authored\ndate: 2025-01-01\nauthors: [Ann Lee, Bo Chen]\n---\nText.\n"
    out = build_site(
        tmp_path_factory.mktemp("pages") / "site",
        {**PAPERS, "authored": authors},
        'title = "Browser test list"\ndescription = "Papers"\n',
    )
    with http_server(out) as url:
        yield url


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    with checked_page(chromium) as tab:
        yield tab


def visible_titles(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        ".paper-list .paper-item-title a", "els => els.map(e => e.textContent)"
    )


def test_home_filters_by_status_and_tag_without_reload(page: Any, site_url: str) -> None:
    page.goto(site_url + "index.html")
    page.wait_for_selector(".list-controls:not([hidden])")
    assert len(visible_titles(page)) == 4
    page.evaluate("window.__same = true")
    page.check("input[name=status][value=read]")
    assert visible_titles(page) == ["Contrastive image pretraining"]
    page.check("input[name=status][value='']")
    page.select_option("select[name=tag]", "vision")
    assert visible_titles(page) == ["Contrastive image pretraining", "Vision transformers at scale"]
    assert "tags=vision" in page.url
    assert page.evaluate("window.__same === true")  # no reload happened
    assert page.inner_text(".list-count") == "2 of 4 papers"
    page.reload()
    page.wait_for_selector(".list-controls:not([hidden])")
    assert visible_titles(page) == ["Contrastive image pretraining", "Vision transformers at scale"]


def test_without_javascript_the_whole_list_shows(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "index.html?status=read")
    assert len(visible_titles(page)) == 4
    assert page.is_hidden(".list-controls")
    context.close()


def test_theme_toggle_switches_and_is_remembered(page: Any, site_url: str) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(site_url + "index.html")
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    page.click(".theme-toggle")
    assert page.get_attribute("html", "data-theme") == "dark"
    dark = page.evaluate(background)
    assert dark != light
    page.goto(site_url + "papers/clip.html")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.evaluate(background) == dark


def test_pages_fit_a_360px_phone(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in ("index.html", "papers/clip.html", "tags/index.html", "search.html"):
        page.goto(site_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    context.close()


PAGES = [
    "index.html",
    "papers/lm.html",
    "tags/vision.html",
    "authors/ann-lee.html",
    "authors/index.html",
    "search.html?q=vision",
    "queue.html",
    "stats.html",
    "404.html",
    "papers/clip.html",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(page: Any, site_url: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    assert serious_violations(page, site_url, PAGES) == {}


def test_print_stylesheet_hides_the_chrome(page: Any, site_url: str) -> None:
    page.goto(site_url + "papers/clip.html")
    page.emulate_media(media="print")
    assert page.is_hidden(".site-header")
    assert page.is_visible(".abstract")
