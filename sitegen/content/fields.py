"""Front-matter values read with their types: each bad one becomes a Problem at its line."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

from sitegen.content.frontmatter import FrontMatter
from sitegen.content.models import STATUSES, Source
from sitegen.errors import Problem
from sitegen.text import is_web_address

KNOWN_KEYS = (
    "title",
    "date",
    "tags",
    "authors",
    "url",
    "arxiv",
    "doi",
    "year",
    "venue",
    "status",
    "read",
    "sources",
)
MAX_TAGS = 100
"""Tags one paper may carry: each tag is a page, a feed and a .bib file, so a paper with
thousands (a pasted keyword dump) would make every build crawl."""


# Characters XML 1.0 (feeds, sitemap) cannot carry at all: C0 controls but tab and newlines,
# and the noncharacters U+FFFE/U+FFFF.
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Fields:
    """Typed access to front-matter values that records a Problem for each bad one."""

    def __init__(self, path: Path, head: FrontMatter) -> None:
        self.path, self.data, self.lines = path, head.data, head.key_lines
        self.problems: list[Problem] = []

    def _problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.get(key, 2), message))

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.append(
                    Problem(
                        self.path, self.lines.get(key, 1), f"missing `{key}`: every paper needs one"
                    )
                )
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._problem(key, f"`{key}` must be text, not {_kind(value)}")
            return None
        if isinstance(value, float):
            self._problem(key, f"`{key}` reads as a number ({value}): put it in quotes")
            return None
        return " ".join(str(value).split())

    def identifier(self, key: str, pattern: re.Pattern[str], example: str) -> str | None:
        value = self.text(key)
        if value is not None and not pattern.fullmatch(value):
            hint = ""
            if re.match(r"(?:https?://|doi:|arxiv:)", value, re.IGNORECASE):
                hint = " (write the id alone, without a prefix or address)"
            self._problem(key, f"`{key}` must be {example}, not {_show(value)}{hint}")
            return None
        return value

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not is_web_address(value):
            self._problem(key, f"`{key}` must be a web address starting http:// or https://")
            return None
        return value

    def year(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 2999:
            self._problem(key, f"`{key}` must be a four-digit year, not {_show(value)}")
            return None
        return value

    def date(self, key: str, required: bool = True) -> dt.date | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if value is None:
            self.problems.append(
                Problem(
                    self.path,
                    self.lines.get(key, 1),
                    f"missing `{key}`: give the day as YYYY-MM-DD",
                )
            )
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self._problem(key, f"`{key}` must be a date written YYYY-MM-DD, not {_show(value)}")
        return None

    def text_list(self, key: str, limit: int | None = None) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self._problem(key, f"`{key}` must be a list (e.g. `{key}: [a, b]`), not {_kind(value)}")
            return ()
        if limit is not None and len(value) > limit:
            self._problem(key, f"`{key}` has {len(value)} entries: a paper may have {limit}")
            return ()
        items = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, int)) or not str(item).strip():
                self._problem(
                    key, f"every entry of `{key}` must be non-empty text, not {_show(item)}"
                )
                continue
            items.append(" ".join(str(item).split()))
        return tuple(items)

    def status(self) -> str:
        value = self.data.get("status", "to-read")
        if value not in STATUSES:
            self._problem(
                "status", f"unknown status {_show(value)}: use one of {', '.join(STATUSES)}"
            )
            return "to-read"
        return str(value)

    def sources(self) -> tuple[Source, ...]:
        value = self.data.get("sources")
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            self._problem("sources", "`sources` must be a list of mappings with `file` and `kind`")
            return ()
        sources = []
        for item in value:
            listed, imported, key = item.get("listed"), item.get("imported"), item.get("key")
            if (
                not isinstance(item.get("file"), str)
                or not all(d is None or isinstance(d, dt.date) for d in (listed, imported))
                or not (key is None or isinstance(key, str))
            ):
                self._problem(
                    "sources", f"bad source entry {_show(item)}: needs `file`, dates as YYYY-MM-DD"
                )
                continue
            kind = str(item.get("kind", ""))
            sources.append(Source(item["file"], kind, listed, imported, key or None))
        return tuple(sources)

    def unknown_keys(self) -> list[Problem]:
        warnings = []
        for key in self.data:
            if key not in KNOWN_KEYS:
                close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else " (kept, but not used)"
                warnings.append(
                    Problem(self.path, self.lines.get(key), f"unknown key `{key}`{hint}")
                )
        return warnings


def _show(value: object, limit: int = 60) -> str:
    """A value as an error message quotes it: short, however big the value is."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: object) -> str:
    names = {
        list: "a list",
        dict: "a mapping",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
    }
    return names.get(type(value), type(value).__name__)
