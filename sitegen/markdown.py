"""The one Markdown renderer: CommonMark, tables, strikethrough, bare URLs linkified."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def markdown_renderer() -> MarkdownIt:
    # html=False: raw HTML in a paper is shown as text, never run (reading lists
    # collect text from everywhere). markdown-it's validateLink already refuses
    # javascript:, vbscript:, file: and non-image data: links.
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["linkify", "table", "strikethrough"])
    return md


def render_markdown(text: str) -> str:
    """Markdown -> HTML (safe to embed: user HTML is escaped)."""
    html: str = markdown_renderer().render(text)
    return html


def markdown_to_text(text: str) -> str:
    """The plain text a reader sees of some Markdown (no markup, no link targets)."""
    words: list[str] = []
    for block in markdown_renderer().parse(text):
        for token in block.children or ():
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
        if block.type.endswith("_close") and block.block:
            words.append(" ")
    return " ".join("".join(words).split())


def first_sentence(text: str, limit: int = 240) -> str:
    """The first sentence of a plain-text abstract, cut at a word boundary if long."""
    flat = " ".join(text.split())
    for end in (". ", "? ", "! "):
        cut = flat.find(end)
        if 0 < cut < limit:
            flat = flat[: cut + 1]
            break
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"
