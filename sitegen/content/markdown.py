"""The one Markdown renderer: CommonMark, tables, strikethrough, bare URLs linkified."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from sitegen.content.wikilinks import MISSING_LINK_TITLE, WIKILINK, LinkTarget, link_key


@lru_cache(maxsize=2)
def markdown_renderer(raw_html: bool = False) -> MarkdownIt:
    # html=False: raw HTML in a paper is shown as text, never run (reading lists
    # collect text from everywhere). markdown-it's validateLink already refuses
    # javascript:, vbscript:, file: and non-image data: links. raw_html=True is the
    # site.toml switch for notes, documented as unsafe.
    md = MarkdownIt("commonmark", {"html": raw_html, "linkify": True, "typographer": False})
    md.enable(["linkify", "table", "strikethrough"])
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    if md.linkify is not None:
        md.linkify.pretest = _quick_pretest(md.linkify.pretest)
    return md


# Everything linkify-it's pretest can match holds one of these: a schema (`http:`, `//`, ...),
# `localhost`, `www.`, an IP-like `.1.`, `@`, or a dot, a TLD (two or more letters, or
# `xn--`) and then punctuation, a space or the end. Its own pretest is one huge regular
# expression, most of Markdown's time on prose.
MAYBE_LINK = re.compile(
    r"https?:|ftp:|mailto:|//|localhost|www\.|\.\d{1,3}\.|@|\.[^\W\d_]{2,}(?=[\W_]|$)", re.I
)


def _quick_pretest(pretest: Callable[[str], bool]) -> Callable[[str], bool]:
    """linkify-it's pretest, skipped for text that holds nothing it could match."""
    return lambda text: MAYBE_LINK.search(text) is not None and bool(pretest(text))


def render_markdown(
    text: str, links: Mapping[str, LinkTarget] | None = None, raw_html: bool = False
) -> str:
    """Markdown -> HTML (safe to embed: user HTML is escaped unless `raw_html`, which lets
    it through unchecked: only for the user's own notes, with site.toml's `raw_html`).

    `links` resolves `[[slug]]` / `[[Title]]` to sibling paper pages (`<slug>.html`).
    """
    if _is_plain_paragraph(text):
        return "<p>" + text.replace('"', "&quot;") + "</p>\n"
    html: str = markdown_renderer(raw_html).render(text, {"wikilinks": links or {}})
    return html


# Spacing markdown-it would change: a line's leading or trailing spaces (two make a line
# break), and any whitespace but a space or a newline (tabs, carriage returns, ...).
_SPACING = re.compile(r"^ | $|[^\S \n]", re.MULTILINE)


def _is_plain_paragraph(text: str) -> bool:
    """Whether `text` is one paragraph of prose markdown-it renders as itself: no mark, no
    link, every line starting with a letter (most abstracts; tests/test_markdown.py checks
    the shortcut against markdown-it)."""
    return (
        _MARKS.search(text) is None
        and _SPACING.search(text) is None
        and MAYBE_LINK.search(text) is None
    )


class MarkdownTexts:
    """The HTML and plain text of the Markdown a build has seen: an abstract shows on its
    page, in listings, feeds, meta tags and the search, and is converted once. Owned by the
    build (kept between the builds of `serve`), filled by whoever converted a text first:
    this process, a forked worker or an earlier run (see build/papercache.py)."""

    LIMIT = 1 << 17
    """Texts remembered per kind (far more than a site's abstracts; serve's edits add more)."""

    def __init__(self) -> None:
        self._html: dict[str, str] = {}
        self._plain: dict[str, str] = {}

    def abstract_html(self, text: str) -> str:
        """An abstract as HTML: always escaped (raw_html is for notes only), no [[links]]."""
        html = self._html.get(text)
        if html is None:
            html = self._remember(self._html, text, render_markdown(text))
        return html

    def plain(self, text: str) -> str:
        """The plain text a reader sees of some Markdown (no markup, no link targets)."""
        plain = self._plain.get(text)
        if plain is None:
            plain = self._remember(self._plain, text, markdown_to_text(text))
        return plain

    def remember(self, text: str, plain: str, html: str | None = None) -> None:
        """What `plain` (and `abstract_html`) return for `text`, computed elsewhere."""
        self._remember(self._plain, text, plain)
        if html is not None:
            self._remember(self._html, text, html)

    def known_plain(self, texts: Iterable[str]) -> dict[str, str]:
        """The plain text of each of `texts` (to hand to another process)."""
        return {text: self.plain(text) for text in texts}

    def _remember(self, cache: dict[str, str], key: str, value: str) -> str:
        if len(cache) >= self.LIMIT:
            cache.clear()
        cache[key] = value
        return value


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = WIKILINK.match(state.src, state.pos)
    if match is None:
        return False
    target = state.env.get("wikilinks", {}).get(link_key(match.group(1)))
    if not silent:
        if target is None:  # a "red link": the build warns; the reader sees it is unresolved
            text = match.group(1).strip()
            span = state.push("wikilink_missing_open", "span", 1)
            span.attrs = {"class": "wikilink-missing", "title": MISSING_LINK_TITLE}
            state.push("text", "", 0).content = text
            state.push("wikilink_missing_close", "span", -1)
        else:
            state.push("link_open", "a", 1).attrs = {"href": f"{target.slug}.html"}
            state.push("text", "", 0).content = target.title
            state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


@lru_cache(maxsize=1)
def _text_parser() -> MarkdownIt:
    # No linkify: a linkified URL reads the same as plain text, and linkify's
    # scanning is most of markdown-it's time.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


# Text with none of Markdown's marks, each line starting with a letter (no list, heading, quote,
# code block or blank line), reads as itself: most abstracts, and a third of an index build.
_MARKS = re.compile(r"[\\&*_`\[\]<>!~|#=+\0]|^(?! {0,3}[^\W\d_])", re.MULTILINE)


def markdown_to_text(text: str) -> str:
    """The plain text a reader sees of some Markdown (no markup, no link targets); see
    MarkdownTexts for the cached way."""
    if _MARKS.search(text) is None:
        return " ".join(text.split())
    return _plain_text(text)


def _plain_text(text: str) -> str:
    words: list[str] = []
    for block in _text_parser().parse(text):
        for token in block.children or ():
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
        if block.type.endswith("_close") and block.block:
            words.append(" ")
    return " ".join("".join(words).split())
