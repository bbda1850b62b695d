"""The paper map in Chromium: points drawn, card on hover and keyboard focus, click to open,
colour by tag, highlight by tag and by search, time window, the text alternative, axe-core."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
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

WORDS = {
    "vision": "image pixels convolution segmentation detection camera",
    "language": "text tokens translation grammar sentence vocabulary",
}


def papers() -> dict[str, str]:
    found = {}
    for topic, words in WORDS.items():
        for n in range(5):
            text = paper_text(
                f"{topic.title()} paper {n} <b>{words.split()[n]}</b>",
                f"202{n}-03-0{1 + n}",
                (topic, "survey") if n == 0 else (topic,),
                f"We study {words}.",
            )
            found[f"{topic}-{n}"] = text.replace("\ntags:", f"\nyear: {2019 + n}\ntags:", 1)
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("map") / "site"
    return build_site(root, papers(), 'title = "Map test list"\ndescription = "Papers"\n')


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    with http_server(site) as url:
        yield url


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    with checked_page(chromium, viewport={"width": 1000, "height": 900}) as tab:
        yield tab


def open_map(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map-canvas[data-points]")


def drawn(page: Any) -> tuple[int, int]:
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
    canvas = page.locator("#map-canvas")
    return int(canvas.get_attribute("data-points")), int(canvas.get_attribute("data-marked"))


def hover(page: Any, slug: str) -> None:
    x, y = page.evaluate(f"SitegenMap.pointOf({slug!r})")
    box = page.locator("#map-canvas").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)


def test_map_draws_every_paper_from_disk(page: Any, site: Path) -> None:
    open_map(page, (site / "map.html").as_uri())
    assert drawn(page) == (10, 0)
    assert page.is_visible("#map-controls")


def test_hover_shows_the_card_and_click_opens_the_paper(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html")
    hover(page, "vision-2")
    card = page.locator("#map-card")
    card.wait_for(state="visible")
    assert card.locator("strong").text_content() == "Vision paper 2 <b>convolution</b>"
    assert card.locator("span").text_content() == "2021 · vision"
    x, y = page.evaluate("SitegenMap.pointOf('vision-2')")
    box = page.locator("#map-canvas").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.url == site_url + "papers/vision-2.html"


def test_keyboard_focus_shows_a_card_and_enter_opens_it(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html")
    page.focus("#map-canvas")
    page.locator("#map-card").wait_for(state="visible")
    first = page.locator("#map-card strong").text_content()
    assert page.locator("#map-status").text_content().startswith(first)
    for key in ("ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"):
        page.keyboard.press(key)
    # The status line follows the focus at once; the card on the next frame.
    page.wait_for_function(
        "() => document.querySelector('#map-status').textContent"
        ".startsWith(document.querySelector('#map-card strong').textContent)"
    )
    shown = page.locator("#map-card strong").text_content()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").text_content() == shown


def test_zoom_and_pan_with_keys_move_the_points(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html")
    before = page.evaluate("SitegenMap.pointOf('vision-0')")
    page.focus("#map-canvas")
    page.keyboard.press("+")
    page.keyboard.press("Shift+ArrowLeft")
    assert page.evaluate("SitegenMap.pointOf('vision-0')") != before
    page.keyboard.press("0")
    assert page.evaluate("SitegenMap.pointOf('vision-0')") == before


def test_colour_by_tag_and_highlight_a_tag(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html")
    assert page.locator("#map-legend li").all_text_contents() == ["to-read", "reading", "read"]
    page.select_option("#map-colour", "tag")
    legend = page.locator("#map-legend li").all_text_contents()
    assert legend[:2] == ["language", "vision"] and legend[-1] == "other tags"
    page.select_option("#map-tag", "survey")
    assert drawn(page) == (10, 2)
    assert "tag=survey" in page.url and "colour=tag" in page.url
    page.reload()
    page.wait_for_selector("#map-canvas[data-points]")
    assert drawn(page) == (10, 2)


def test_a_tag_file_of_another_build_leaves_tags_out_not_wrong(
    chromium: Any, site: Path, tmp_path: Path
) -> None:
    """map/data.js and map/tags.js of two builds (one out of a stale cache), here of as many
    points in another order: every point is still drawn, none shows a tag, and a warning
    says why."""
    stale = tmp_path / "site"
    shutil.copytree(site, stale)
    tags_file = stale / "map" / "tags.js"
    prefix = "window.SitegenMapTags="
    tagging = json.loads(tags_file.read_text(encoding="utf-8")[len(prefix) :].strip().rstrip(";"))
    tagging["order"] = "0" * 32
    tagging["paperTags"].reverse()
    tags_file.write_text(f"{prefix}{json.dumps(tagging)};\n", encoding="utf-8")
    with checked_page(chromium, viewport={"width": 1000, "height": 900}) as page:
        warnings: list[str] = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        open_map(page, (stale / "map.html").as_uri() + "?tag=survey")
        assert drawn(page) == (10, 0)
        assert page.locator("#map-tag option").all_text_contents() == ["None"]
        hover(page, "vision-0")
        assert "survey" not in page.inner_text("#map-card")
        assert any("map/tags.js" in w for w in warnings)
    with checked_page(chromium, viewport={"width": 1000, "height": 900}) as page:
        open_map(page, (site / "map.html").as_uri() + "?tag=survey")
        assert drawn(page) == (10, 2)
        hover(page, "vision-0")
        assert "survey" in page.inner_text("#map-card")


def test_search_box_highlights_matching_papers(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html")
    page.fill("#map-search", "vocabulary")  # in the language papers' abstracts
    page.wait_for_function("document.getElementById('map-canvas').dataset.marked === '5'")
    page.select_option("#map-tag", "survey")  # and the tag: both at once
    page.wait_for_function("document.getElementById('map-canvas').dataset.marked === '1'")
    page.select_option("#map-tag", "")
    page.fill("#map-search", "")
    page.wait_for_function("document.getElementById('map-canvas').dataset.marked === '0'")


def test_time_window_shows_only_papers_in_it(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html?by=published&from=2020&to=2021")
    assert drawn(page) == (4, 0)
    assert page.locator("#map-years").text_content() == "2020\u20132021"
    page.select_option("#map-by", "added")
    assert drawn(page) == (10, 0)


def test_dragging_a_time_slider_narrows_the_window(page: Any, site_url: str) -> None:
    open_map(page, site_url + "map.html?by=published")
    slider = page.locator("#map-from")
    box = slider.bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 4, middle)  # the thumb, at the first year
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, middle, steps=5)
    page.mouse.up()
    start = int(slider.input_value())
    assert 2019 < start < 2023
    # Two papers a year, 2019-2023: those published from `start` on.
    assert drawn(page) == (2 * (2023 - start + 1), 0)
    assert page.locator("#map-years").text_content() == f"{start}\u20132023"
    assert f"from={start}" in page.url


def fingers(page: Any) -> Callable[..., None]:
    """touch(kind, *points): a touch event at canvas points, through Chromium's input
    pipeline (the page sees pointer events), as a finger on a touch screen makes it."""
    session = page.context.new_cdp_session(page)
    box = page.locator("#map-canvas").bounding_box()

    def touch(kind: str, *points: tuple[float, float]) -> None:
        touches = [
            {"x": box["x"] + x, "y": box["y"] + y, "id": i} for i, (x, y) in enumerate(points)
        ]
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

    return touch


@pytest.fixture
def touch_page(chromium: Any) -> Iterator[Any]:
    with checked_page(chromium, viewport={"width": 800, "height": 700}, has_touch=True) as tab:
        yield tab


def test_two_fingers_pinch_zoom_about_them_and_one_finger_pans(
    touch_page: Any, site_url: str
) -> None:
    page = touch_page
    open_map(page, site_url + "map.html")
    box = page.locator("#map-canvas").bounding_box()
    cx, cy = box["width"] / 2, box["height"] / 2
    px, py = page.evaluate("SitegenMap.pointOf('language-0')")
    touch = fingers(page)
    touch("touchStart", (cx - 20, cy), (cx + 20, cy))
    for spread in (30, 45, 60):
        touch("touchMove", (cx - spread, cy), (cx + spread, cy))
    touch("touchEnd")
    # Fingers 40 px apart, then 120: three times the zoom, about the point between them.
    zoomed = [cx + 3 * (px - cx), cy + 3 * (py - cy)]
    assert page.evaluate("SitegenMap.pointOf('language-0')") == pytest.approx(zoomed, abs=1)
    touch("touchStart", (cx, cy))
    touch("touchMove", (cx + 20, cy + 10))
    touch("touchMove", (cx + 50, cy + 30))
    touch("touchEnd")
    panned = [zoomed[0] + 50, zoomed[1] + 30]
    assert page.evaluate("SitegenMap.pointOf('language-0')") == pytest.approx(panned, abs=1)
    assert drawn(page)[0] > 0
    assert page.url == site_url + "map.html"  # a drag is not a tap: nothing opened


def test_paper_link_centres_the_map_on_it(page: Any, site_url: str) -> None:
    page.goto(site_url + "papers/language-3.html")
    with page.expect_navigation():
        page.click(".nearby-more a")
    page.wait_for_selector("#map-canvas[data-points]")
    assert page.locator("#map-card strong").text_content().startswith("Language paper 3")


def test_without_javascript_the_regions_lead_to_every_paper(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "map.html")
    assert page.is_hidden("#map-frame")
    found = set()
    for number in range(page.locator(".map-regions ul a").count()):
        page.locator(".map-regions ul a").nth(number).click()
        found |= set(page.locator(".map-region-papers a").all_text_contents())
        page.go_back()
    assert found == {
        f"{t.title()} paper {n} <b>{w.split()[n]}</b>" for t, w in WORDS.items() for n in range(5)
    }
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(page: Any, site_url: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    paths = ("map.html?colour=tag&tag=survey", "map/region-1.html", "papers/vision-1.html")
    assert serious_violations(page, site_url, paths) == {}
