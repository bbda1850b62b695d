"""The Markdown renderer's shortcuts (around linkify-it's pretest, and around markdown-it for
a paragraph of plain prose) never change what it renders."""

from __future__ import annotations

import sys

from hypothesis import example, given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt
from synthetic import seed_papers

from sitegen.content.markdown import (
    MAYBE_LINK,
    ODD_SPACE,
    _plain_text,
    markdown_renderer,
    markdown_to_text,
    paragraph_html,
    render_markdown,
)

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


@settings(max_examples=1000, deadline=None)
@given(TEXTS)
def test_shortcut_covers_everything_linkify_it_might_link(text: str) -> None:
    if LINKIFY.pretest(text) or LINKIFY.test(text):
        assert MAYBE_LINK.search(text), text


def test_links_in_prose_are_still_linked() -> None:
    html = render_markdown("Code at https://github.com/x/y and www.example.org, mail a@b.io.")
    assert '<a href="https://github.com/x/y">' in html
    assert '<a href="http://www.example.org">' in html
    assert '<a href="mailto:a@b.io">' in html
    assert "<a" not in render_markdown("Plain prose, e.g. this. No links here at all.")


def _texts_of(pieces: list[str], max_size: int) -> st.SearchStrategy[str]:
    """Texts strung together from `pieces` and short random text."""
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=3)), max_size=max_size).map(
        "".join
    )


PROSE = _texts_of(
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
    ],
    max_size=16,
)


@settings(max_examples=1500, deadline=None)
@given(PROSE)
def test_plain_prose_renders_exactly_as_markdown_it_renders_it(text: str) -> None:
    # render_markdown writes one paragraph of plain prose itself, without markdown-it.
    assert render_markdown(text) == markdown_renderer(False).render(text, {"wikilinks": {}})


def test_every_seed_abstract_and_note_renders_as_markdown_it_renders_it() -> None:
    texts = [text for paper in seed_papers() for text in (paper.abstract, paper.notes)]
    shortcut = [render_markdown(text) for text in texts]
    assert shortcut == [markdown_renderer(False).render(text, {"wikilinks": {}}) for text in texts]


def markdown_it_html(text: str) -> str:
    html: str = markdown_renderer(False).render(text, {"wikilinks": {}})
    return html


# Bare links and what stands next to them in abstracts: sentence ends, brackets, punctuation,
# emails, `www.` and schemeless hosts, arXiv ids, and Markdown's own characters.
LINKY = _texts_of(
    [
        "https://github.com/a/b",
        "http://x.org/p?q=1&r=2#s",
        "https://x.com/a_b_c",
        "https://x.com/_a_",
        "https://x.com/*a*",
        "https://x.com/a*",
        "https://x.com/a~~b",
        "https://x.com/%E2%9C%93",
        "https://x.com/(a)",
        "HTTPS://X.COM",
        "ftp://f.org/x",
        "//x.com/a",
        "mailto:a@b.io",
        "a.b@c.org",
        "a@b",
        "www.example.com",
        "www.x.com/a_b",
        "example.com",
        "x.org/y",
        "xn--p1ai.рф",
        "пример.рф",
        "localhost:8000",
        "http://localhost",
        "127.0.0.1",
        "http://1.2.3.4/x",
        "arXiv:2401.01234",
        "2401.01234v2",
        "doi:10.1000/xyz",
        "e.g.",
        "i.e.",
        "://",
        "http:",
        "https",
        "Code",
        "at",
        "é",
        " ",
        "\n",
        ".",
        ",",
        ";",
        ":",
        "?",
        "!",
        "'",
        '"',
        "(",
        ")",
        "-",
        "/",
        "%",
        "*",
        "_",
        "~",
        "`",
        "[",
        "]",
        "<",
        ">",
        "&",
        "&amp;",
        "#",
        "=",
        "+",
        "|",
        "\\",
        "\\*",
        ";",
        "&#1;",
        "&x",
        "&copy",
        "~~",
        "**",
        "__",
        "`a`",
        "![",
        "[[x]]",
        "[a](https://x.org)",
        "<https://x.com/a>",
        "<a@b.io>",
    ],
    max_size=14,
)


@settings(max_examples=1000, deadline=None)
@given(LINKY)
def test_paragraphs_with_bare_links_render_exactly_as_markdown_it_renders_them(text: str) -> None:
    assert render_markdown(text) == markdown_it_html(text)
    raw = markdown_renderer(True).render(text, {"wikilinks": {}})  # notes with raw_html
    assert render_markdown(text, raw_html=True) == raw


def test_the_link_shortcut_is_taken_for_bare_links() -> None:
    # (Else the equality above would hold trivially.)
    texts = [
        "Code at https://github.com/a/b_c. Data: www.x.org (or mail a@b.io).",
        "See (https://x.com/a), https://x.com/b; and https://x.com/c!\nNext line: x.org.",
        "Models: https://huggingface.co/x/y?z=1&w=2#v and https://x.com/a*b &c >d e~f",
    ]
    md = markdown_renderer(False)
    for text in texts:
        assert paragraph_html(md, text, {"wikilinks": {}}) == markdown_it_html(text), text


@settings(max_examples=1000, deadline=None)
@given(st.one_of(PROSE, LINKY))
@example("A\r>")  # a quote on a line of its own: "\r" ends a line as "\n" does
@example("A\r\n# B")
def test_plain_text_shortcut_reads_as_markdown_it_reads(text: str) -> None:
    # markdown_to_text reads plain prose as itself, without markdown-it (_plain_text).
    assert markdown_to_text(text) == _plain_text(text)


def test_odd_space_is_every_whitespace_but_a_space_and_a_newline() -> None:
    spaces = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    odd = {chr(code) for code in range(sys.maxunicode + 1) if ODD_SPACE.match(chr(code))}
    assert odd == spaces - {" ", "\n"} | {"\0"}
