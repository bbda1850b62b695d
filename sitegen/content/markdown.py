"""The one Markdown renderer: CommonMark, tables, strikethrough, bare URLs linkified."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.parser_core import RuleFuncCoreType
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline, linkify, newline
from markdown_it.token import Token
from markdown_it.utils import EnvType

from sitegen.content.wikilinks import MISSING_LINK_TITLE, WIKILINK, LinkTarget, link_key
from sitegen.text import first_sentence, unix_newlines


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
        md.linkify.pretest = _unless_no_link(md.linkify.pretest)
        md.linkify.test = _unless_no_link(md.linkify.test)
    return md


# Everything linkify-it's pretest or test can match holds one of these: a schema (`http:`,
# `//`, ...), `localhost`, `www.`, an IP-like `.1.`, `@`, or a dot, a TLD (two or more
# letters, or `xn--`) and then punctuation, a space or the end. Its own are huge regular
# expressions, most of Markdown's time on prose. Each is looked for from its `:`, `/`, `@`,
# `.` or `l` backwards, so that the search skips straight to those characters.
MAYBE_LINK = re.compile(
    r"[:/@.lL](?:"
    r"(?<=@)|(?<=//)"
    r"|(?<=:)(?:(?<=(?i:http):)|(?<=(?i:https):)|(?<=(?i:ftp):)|(?<=(?i:mailto):))"
    r"|(?<=\.)(?:(?<=(?i:www)\.)|\d{1,3}\.|[^\W\d_]{2,}(?=[\W_]|$))"
    r"|(?<=(?i:l))(?=(?i:ocalhost)))"
)


def _unless_no_link(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """linkify-it's `check`, skipped for text that holds nothing it could match."""
    return lambda text: MAYBE_LINK.search(text) is not None and bool(check(text))


def render_markdown(
    text: str, links: Mapping[str, LinkTarget] | None = None, raw_html: bool = False
) -> str:
    """Markdown -> HTML (safe to embed: user HTML is escaped unless `raw_html`, which lets
    it through unchecked: only for the user's own notes, with site.toml's `raw_html`).

    `links` resolves `[[slug]]` / `[[Title]]` to sibling paper pages (`<slug>.html`).
    """
    md = markdown_renderer(raw_html)
    env = {"wikilinks": links or {}}
    html = paragraph_html(md, text, env)
    if html is None:
        html = md.render(text, env)
    return html


# Whitespace but a space or a newline (tabs, carriage returns, no-break spaces ...:
# str.isspace's, written out, which is several times faster than `[^\S \n]`), and NUL.
ODD_SPACE = re.compile(
    "[\t\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\0]"
)

# A line not starting with a letter might start something else than a paragraph's text (a
# list, heading, quote, code, table row, blank line ...).
_NOT_TEXT_LINE = re.compile(r"^(?! {0,3}[^\W\d_])", re.MULTILINE)

# What an inline rule acts on: escapes, emphasis, code, links and images, autolinks, wikilinks,
# NUL, strikethrough (`~~`) and entities (a lone `~` or `&` is text). `#`, `+`, `=`, `>`, `|`
# and `-` mean something only at the start of a line, which is a letter's here; `:` (linkify)
# and the line break are the two rules `paragraph_html` runs itself.
ACTIVE = re.compile(r"[\\*_`\[\]<\0~&](?:(?<=[^~&])|(?<=~)~|(?<=&)(?:#|\w+;))")

_LINE_OR_LINK = re.compile(r"\n|:(?=//)")


def is_one_paragraph(text: str) -> bool:
    """Whether markdown-it reads `text` as one paragraph holding `text` itself: lines of
    text, nothing its block rules (or the paragraph's trimming) would take."""
    # (No line may start or end with a space: two make a line break.)
    return (
        " \n" not in text
        and "\n " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
        and ODD_SPACE.search(text) is None
        and _NOT_TEXT_LINE.search(text) is None
    )


def paragraph_html(md: MarkdownIt, text: str, env: EnvType) -> str | None:
    """What `md.render(text, env)` returns, when `text` is one paragraph whose only markup
    is links linkify finds (bare URLs, `www.` hosts, emails); None for any other Markdown."""
    if not is_one_paragraph(text):
        return None
    if MAYBE_LINK.search(text) is None:  # no link: the text itself (most abstracts)
        return None if ACTIVE.search(text) else "<p>" + escapeHtml(text) + "</p>\n"
    children = _inline_tokens(md, text, env)
    if children is None:
        return None
    inline = Token("inline", "", 0, content=text, children=children, level=1, block=True)
    paragraph = [
        Token("paragraph_open", "p", 1, block=True),
        inline,
        Token("paragraph_close", "p", -1, block=True),
    ]
    state = StateCore(text, md, env, paragraph)
    # Linkify's core rule links text outside links (level 0) that linkify-it's test() accepts;
    # where none could, it is skipped (its pretest of the paragraph is a third of the time).
    maybe = any(
        t.type == "text" and t.level == 0 and MAYBE_LINK.search(t.content) for t in children
    )
    for name, rule in _core_rules_after_inline(md):
        if name != "linkify" or maybe:
            rule(state)
    html: str = md.renderer.render(state.tokens, md.options, env)
    return html


def _inline_tokens(md: MarkdownIt, text: str, env: EnvType) -> list[Token] | None:
    """The inline tokens of one paragraph whose text has no character an inline rule acts on,
    but for the line breaks and the links linkify's inline rule takes (at `://`)."""
    state = StateInline(text, md, env, [])
    while state.pos < state.posMax:
        stop = _LINE_OR_LINK.search(text, state.pos)
        end = stop.start() if stop else state.posMax
        if ACTIVE.search(text, state.pos, end):
            return None
        state.append_pending(text[state.pos : end])
        state.pos = end
        if stop is None:
            break
        rule = newline if stop.group() == "\n" else linkify
        if not rule(state, False):  # a `://` that starts no link is text
            state.append_pending(":")
            state.pos += 1
    if state.pending:
        state.pushPending()
    for rule2 in md.inline.ruler2.getRules(""):  # (balancing delimiters: none here)
        rule2(state)
    return state.tokens


@lru_cache(maxsize=4)
def _core_rules_after_inline(md: MarkdownIt) -> list[tuple[str, RuleFuncCoreType]]:
    rules = list(zip(md.core.ruler.get_active_rules(), md.core.ruler.getRules(""), strict=True))
    return rules[[name for name, _ in rules].index("inline") + 1 :]


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
        self._summaries: dict[str, str] = {}

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

    def summary(self, text: str) -> str:
        """The first sentence of `plain(text)` (listings show an abstract's in every row of
        every page that lists its paper, and the list data in every card)."""
        found = self._summaries.get(text)
        if found is None:
            found = self._remember(self._summaries, text, first_sentence(self.plain(text)))
        return found

    def remember(
        self, text: str, plain: str, html: str | None = None, summary: str | None = None
    ) -> None:
        """What `plain` (and `abstract_html`, `summary`) return for `text`, computed
        elsewhere."""
        self._remember(self._plain, text, plain)
        if html is not None:
            self._remember(self._html, text, html)
        if summary is not None:
            self._remember(self._summaries, text, summary)

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


def markdown_to_text(text: str) -> str:
    """The plain text a reader sees of some Markdown (no markup, no link targets); see
    MarkdownTexts for the cached way."""
    text = unix_newlines(text)  # markdown-it's normalize rule: the check reads lines as it does
    # Text lines with no character an inline rule acts on read as themselves: most abstracts.
    if ACTIVE.search(text) is None and _NOT_TEXT_LINE.search(text) is None:
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
