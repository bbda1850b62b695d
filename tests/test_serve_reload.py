"""`sitegen serve` and the browser cache: a reload asks only for what changed, never shows
a stale file; a stylesheet save restyles the tab without reloading it."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Callable

import pytest
import test_serve
from conftest import paper_text
from test_serve import WAIT, Served, wait_until

served = test_serve.served  # the fixture: a small site served in a subprocess

STYLE = "p { color: teal; }\n"


def _get(served: Served, path: str, tag: str = "") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    connection.request("GET", path, headers={"If-None-Match": tag} if tag else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _page_and_stylesheet(served: Served) -> tuple[str, str]:
    """The paper page's ETag, and the versioned URL path of its own stylesheet."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    connection.request("GET", "/papers/alpha.html")
    response = connection.getresponse()
    html = response.read().decode()
    connection.close()
    found = re.search(r'href="\.\./(static/style\.css\?sitegen-v=[^"]+)"', html)
    assert found is not None, html
    return response.headers["ETag"], "/" + found[1]


def test_unchanged_files_answer_304_and_a_changed_one_gets_a_new_url(served):
    page_tag, versioned = _page_and_stylesheet(served)
    forever = _get(served, versioned)
    assert forever.status == 200 and "immutable" in forever.headers["Cache-Control"]
    plain = _get(served, "/static/style.css")
    assert plain.headers["Cache-Control"] == "no-cache"  # revalidated on every use
    assert plain.headers["ETag"] == forever.headers["ETag"]
    assert _get(served, "/static/style.css", plain.headers["ETag"]).status == 304
    assert _get(served, "/papers/alpha.html", page_tag).status == 304

    (served.site / "static").mkdir()  # the site's own stylesheet replaces the theme's
    (served.site / "static" / "style.css").write_text(STYLE)
    wait_until(lambda: _page_and_stylesheet(served)[1] != versioned, "a new stylesheet URL")
    assert _get(served, "/papers/alpha.html", page_tag).status == 200  # it links the new one
    changed = _get(served, "/static/style.css", plain.headers["ETag"])
    assert changed.status == 200 and changed.headers["ETag"] != plain.headers["ETag"]
    stale = _get(served, versioned)  # an old version's URL is no longer cached for good
    assert stale.headers["Cache-Control"] == "no-cache"


TRANSFERRED = """() => Object.fromEntries(performance.getEntriesByType("resource")
    .map((r) => [new URL(r.name).pathname, r.transferSize]))"""


@pytest.mark.browser
def test_a_reload_takes_unchanged_files_from_the_cache_and_is_whole(served, chromium):
    page = chromium.new_page()
    page.goto(served.url + "papers/alpha.html")
    page.wait_for_function("document.readyState === 'complete'")
    first = page.evaluate(TRANSFERRED)
    assert first["/static/style.css"] > 0 and first["/static/theme.js"] > 0
    unstyled = page.evaluate("getComputedStyle(document.body).fontFamily")
    paper = served.site / "content" / "papers" / "alpha.md"
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Cached reload."))
    page.wait_for_selector("text=Cached reload.", timeout=WAIT * 1000)
    page.wait_for_function("document.readyState === 'complete'")
    again = page.evaluate(TRANSFERRED)
    for path in ("/static/style.css", "/static/search.css", "/static/theme.js"):
        assert again[path] == 0, (path, again)  # from the cache: not even a 304 asked for
    # The reloaded page is whole: styled, its deferred scripts ran, live reload still on.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") == unstyled
    assert page.is_visible(".theme-toggle")
    paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "And once more."))
    page.wait_for_selector("text=And once more.", timeout=WAIT * 1000)
    page.close()


@pytest.mark.browser
def test_a_stylesheet_save_restyles_the_tab_without_a_reload(served, chromium):
    (served.site / "static").mkdir()
    style = served.site / "static" / "style.css"
    original = (served.site / "_site" / "static" / "style.css").read_text()
    style.write_text(original + "main { outline: 3px solid rgb(1, 2, 3); }\n")
    page = chromium.new_page()
    wait_until(lambda: "rgb(1, 2, 3)" in served.get("static/style.css")[1], "the override")
    page.goto(served.url + "papers/alpha.html")
    page.wait_for_function("document.readyState === 'complete'")
    page.evaluate("window.__notReloaded = true")
    outline = "getComputedStyle(document.querySelector('main')).outlineColor"
    assert page.evaluate(outline) == "rgb(1, 2, 3)"
    style.write_text(original + "main { outline: 3px solid rgb(4, 5, 6); }\n")
    page.wait_for_function(f"{outline} === 'rgb(4, 5, 6)'", timeout=WAIT * 1000)
    assert page.evaluate("window.__notReloaded === true")
    page.close()


def _greeting(served: Served) -> dict:
    """What a new event stream is told first (livereload.ReloadHub.hello)."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    connection.request("GET", "/__sitegen/events")
    response = connection.getresponse()
    lines = []
    while not lines or lines[-1] != b"\n":
        lines.append(response.fp.readline())
    connection.close()
    data = next(line for line in lines if line.startswith(b"data: "))
    return json.loads(data[len(b"data: ") :])


def _built_since(served: Served, version: int, kind: str) -> Callable[[], bool]:
    def check() -> bool:
        recent = _greeting(served)["recent"]
        return any(b["version"] > version and b["kind"] == kind for b in recent)

    return check


@pytest.mark.browser
@pytest.mark.parametrize("change", ["stylesheet", "paper"])
def test_a_build_between_serving_a_page_and_its_stream_connecting_is_not_missed(
    served, chromium, change
):
    """The tab's event stream connects after its page loads: a save in between (a fast
    stylesheet build, say) must still restyle or reload the tab once it connects."""
    context = chromium.new_context()
    held: list = []  # the live-reload worker's script, answered only once the build is out
    context.route("**/__sitegen/livereload-worker.js", lambda route: held.append(route))
    page = context.new_page()
    page.goto(served.url + "papers/alpha.html")
    page.evaluate("window.__notReloaded = true")
    built = int(page.eval_on_selector("script[data-sitegen-build]", "s => s.dataset.sitegenBuild"))
    while not held:
        page.wait_for_timeout(20)
    if change == "stylesheet":
        (served.site / "static").mkdir()
        original = (served.site / "_site" / "static" / "style.css").read_text()
        rule = "main { outline: 3px solid rgb(7, 8, 9); }\n"
        (served.site / "static" / "style.css").write_text(original + rule)
    else:
        paper = served.site / "content" / "papers" / "alpha.md"
        paper.write_text(paper_text("Alpha paper", "2025-01-01", ("vision",), "Caught up."))
    kind = "css" if change == "stylesheet" else "reload"
    wait_until(_built_since(served, built, kind), f"a {kind} build published")
    held[0].continue_()
    if change == "stylesheet":
        outline = "getComputedStyle(document.querySelector('main')).outlineColor"
        page.wait_for_function(f"{outline} === 'rgb(7, 8, 9)'", timeout=WAIT * 1000)
        assert page.evaluate("window.__notReloaded === true")
    else:
        page.wait_for_selector("text=Caught up.", timeout=WAIT * 1000)
        assert page.evaluate("window.__notReloaded === undefined")
    context.close()


@pytest.mark.browser
def test_a_saved_theme_applies_before_the_first_paint(served, chromium):
    page = chromium.new_page()
    page.emulate_media(color_scheme="light")
    page.goto(served.url + "papers/alpha.html")
    page.evaluate("localStorage.setItem('sitegen-theme', 'dark')")
    # Before <body> exists, nothing can have been painted: the theme must be set by then.
    page.add_init_script(
        "new MutationObserver((_, seen) => { if (document.body) { seen.disconnect();"
        " window.__themeAtBody = document.documentElement.getAttribute('data-theme'); } })"
        ".observe(document, {childList: true, subtree: true});"
    )
    page.reload()
    assert page.evaluate("window.__themeAtBody") == "dark"
    page.close()
