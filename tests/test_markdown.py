"""The Markdown renderer's shortcut around linkify-it's pretest never changes what is linked."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt

from sitegen.content.markdown import MAYBE_LINK, render_markdown

PIECES = st.sampled_from(
    [
        "http:",
        "HTTPS:",
        "ftp:",
        "mailto:",
        "//",
        "localhost",
        "www.",
        "WWW.",
        ".1.",
        ".com",
        ".ORG",
        ".рф",
        ".xn--p1ai",
        "@",
        ".",
        " ",
        "e.g.",
        "a",
        "Z",
        "1",
        "-",
        "_",
        ":",
        "(",
        ">",
        "\u3000",
        "example",
        "3.5",
        "_",
        "com",
        "xn--",
        "i.e.",
        "U.S.",
        "\n",
        ">",
        "<",
    ]
)
LINKIFY = LinkifyIt()
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=12).map("".join)


@settings(max_examples=500)
@given(TEXTS)
def test_shortcut_covers_everything_linkify_it_might_link(text: str) -> None:
    if LINKIFY.pretest(text):
        assert MAYBE_LINK.search(text), text


def test_links_in_prose_are_still_linked() -> None:
    html = render_markdown("Code at https://github.com/x/y and www.example.org, mail a@b.io.")
    assert '<a href="https://github.com/x/y">' in html
    assert '<a href="http://www.example.org">' in html
    assert '<a href="mailto:a@b.io">' in html
    assert "<a" not in render_markdown("Plain prose, e.g. this. No links here at all.")
