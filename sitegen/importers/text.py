"""Fields of reference-manager exports as plain text: HTML/JATS markup and entities, and TeX.

Exports carry what their sources wrote: Crossref abstracts in JATS (`<jats:p>`), titles with
`<i>` or `&amp;`, names with TeX accents (`M{\\"u}ller`) from a BibTeX library. TeX is only
decoded where it is written (a backslash command or a brace), so `50%` or `$5` in plain text
stay as they are.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sitegen.content.tex import tex_to_text

_TEX_MARKUP = re.compile(r"\\[A-Za-z\"'`^~=.]|[{}]")
_BLOCK_TAGS = frozenset({"p", "jats:p", "br", "div", "jats:sec", "sec", "li"})


class _TextCollector(HTMLParser):
    """The text of HTML or XML markup (entities decoded), block elements as paragraphs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _decode(raw: str) -> str:
    collector = _TextCollector()
    collector.feed(raw)
    collector.close()
    text = "".join(collector.parts)
    if _TEX_MARKUP.search(text):
        # `%` would start a TeX comment and swallow the rest of the line, `&` and `#` vanish.
        text = tex_to_text(re.sub(r"(?<!\\)([%&#])", r"\\\1", text))
    return text


def plain_line(raw: str) -> str:
    """A title, name or venue: decoded, on one line."""
    return " ".join(_decode(raw).split())


def plain_paragraphs(raw: str) -> str:
    """An abstract: decoded, each paragraph on one line (an indented line is Markdown code)."""
    paragraphs = re.split(r"\n[ \t]*\n", _decode(raw))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
