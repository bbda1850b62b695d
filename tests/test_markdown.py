"""The Markdown renderer's shortcuts (around linkify-it's pretest, and around markdown-it for
a paragraph of plain prose) never change what it renders."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt
from synthetic import seed_papers

from sitegen.content.markdown import MAYBE_LINK, markdown_renderer, render_markdown

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


PROSE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Word",
                "word",
                "é",
                "Ωmega",
                " ",
                "  ",
                "\n",
                "\n ",
                " \n",
                "  \n",
                '"',
                "'",
                ",",
                ".",
                "-",
                "(",
                ")",
                ":",
                ";",
                "%",
                "3",
                "1.",
                "2)",
                "\t",
                "\r\n",
                "\u00a0",
                "\u2028",
                "e.g.",
                "x.com",
                "a@b",
                "=",
                "---",
                "_",
                "*",
                "&amp;",
                "<b>",
                "[[x]]",
            ]
        ),
        st.text(max_size=3),
    ),
    max_size=16,
).map("".join)


@settings(max_examples=1500)
@given(PROSE)
def test_plain_prose_renders_exactly_as_markdown_it_renders_it(text: str) -> None:
    # render_markdown writes one paragraph of plain prose itself, without markdown-it.
    assert render_markdown(text) == markdown_renderer(False).render(text, {"wikilinks": {}})


def test_every_seed_abstract_and_note_renders_as_markdown_it_renders_it() -> None:
    texts = [text for paper in seed_papers() for text in (paper.abstract, paper.notes)]
    shortcut = [render_markdown(text) for text in texts]
    assert shortcut == [markdown_renderer(False).render(text, {"wikilinks": {}}) for text in texts]
