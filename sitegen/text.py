"""Plain-text rules every stage shares: how text is shortened, what a web address is."""

from __future__ import annotations

import re

WEB_ADDRESS = re.compile(r"https?://[^\s/]+", re.IGNORECASE)
"""The start of an absolute http(s) address (a host follows the scheme)."""

SENTENCE_ENDS = (". ", "? ", "! ")


def unix_newlines(text: str) -> str:
    """CRLF and lone CR as LF, as Markdown, YAML and XML parsers read them."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def is_web_address(text: str) -> bool:
    """Whether `text` starts as an absolute http(s) address."""
    return WEB_ADDRESS.match(text) is not None


def clip(text: str, limit: int) -> str:
    """Whitespace collapsed, cut at a word boundary with an ellipsis when longer than limit
    (a single word longer than the limit is cut inside)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,;:.") + "…"


def first_sentence(text: str, limit: int = 240) -> str:
    """The first sentence of plain text, clipped to `limit` if long."""
    flat = " ".join(text.split())
    for end in SENTENCE_ENDS:
        cut = flat.find(end)
        if 0 < cut < limit:
            return flat[: cut + 1]
    return clip(flat, limit)
