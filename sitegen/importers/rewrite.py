"""Write changes to a paper the user already has (an import's, `sitegen mark`'s), touching as
little as possible.

A paper already in content/ is the user's: when only front-matter keys change (sources added,
missing fields filled in, a new status), only those keys' lines are rewritten and the rest of
the file stays byte for byte, comments and formatting included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from sitegen.content.frontmatter import split_front_matter
from sitegen.content.models import Paper
from sitegen.content.papers import paper_to_text, parse_paper, write_paper
from sitegen.fsutil import atomic_write_bytes

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
SPLICEABLE = ("authors", "url", "arxiv", "doi", "year", "venue", "status", "read", "sources")
"""Front-matter keys an import (or `sitegen mark`: status, read) may add to or change in an
existing paper."""


def rewrite_paper(original: Paper, updated: Paper) -> bool:
    """Write `updated` over the file `original` was read from: only the changed keys' lines if
    that gives the same paper, or else (a new abstract, unusual front matter) the whole file,
    which keeps notes, tags, status and unknown keys but not YAML comments or layout.

    False, writing nothing, when the file is no longer what `original` was read from: the
    user's edit wins over the import.
    """
    assert original.path is not None  # papers read from content/ always have one
    path = original.path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    if hashlib.blake2b(raw, digest_size=16).hexdigest() != original.digest:
        return False
    keys = [key for key in SPLICEABLE if getattr(original, key) != getattr(updated, key)]
    if _data(original)[:4] == _data(updated)[:4]:  # the body is unchanged
        text = raw.decode("utf-8")
        fresh = paper_to_text(updated)
        spliced: str | None = text
        for key in keys:
            spliced = _splice_key(path, spliced, fresh, key) if spliced is not None else None
        if spliced is not None:
            check, _warnings = parse_paper(path, spliced)
            if _data(check) == _data(updated):
                atomic_write_bytes(path, spliced.encode("utf-8"))
                return True
    write_paper(path, updated)
    return True


def _data(paper: Paper) -> tuple[object, ...]:
    """What a content file says about a paper (not where it was read from); body first."""
    return (
        paper.abstract,
        paper.notes,
        paper.title,
        paper.date,
        paper.tags,
        paper.authors,
        paper.url,
        paper.arxiv,
        paper.doi,
        paper.year,
        paper.venue,
        paper.status,
        paper.read,
        paper.sources,
        paper.extra,
    )


def _splice_key(path: Path, text: str, fresh: str, key: str) -> str | None:
    """`text` with the lines of `key` replaced by (or, if absent, added as) those of `fresh`."""
    lines = _LINE.findall(text)
    head = split_front_matter(path, text)
    fresh_lines = fresh.split("\n")
    fresh_head = split_front_matter(path, fresh)
    if key not in fresh_head.key_lines:
        return None
    start, end = _key_span(fresh_head.key_lines, key, fresh_head.body_line, fresh_lines)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
    block = [line + newline for line in fresh_lines[start:end]]
    if key in head.key_lines:
        old_start, old_end = _key_span(head.key_lines, key, head.body_line, lines)
        lines[old_start:old_end] = block
    else:
        fence = head.body_line - 2
        lines[fence:fence] = block
    return "".join(lines)


def _key_span(
    key_lines: dict[str, int], key: str, body_line: int, lines: Sequence[str]
) -> tuple[int, int]:
    """0-based [start, end) of a top-level key's lines, not counting trailing blank lines or
    comments (they may belong to the next key)."""
    start = key_lines[key] - 1
    end = min([line - 1 for line in key_lines.values() if line - 1 > start] + [body_line - 2])
    while end - 1 > start and (lines[end - 1].strip() or "#").startswith("#"):
        end -= 1
    return start, end
