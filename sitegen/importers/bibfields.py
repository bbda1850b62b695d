"""The fields of one BibTeX entry, read leniently: a bad optional field never costs the entry.

What is clearly repairable is repaired (`year = {2023a}` -> 2023, `url = {dl.acm.org/x}` ->
`https://dl.acm.org/x`); what is not is left out. Either way the entry is kept and a note says
`path:line: field ... of entry ...: why`. Fields missing from an entry are taken from the
entry its `crossref` names (biblatex's inheritance: the parent's `title` is the `booktitle`).
"""

from __future__ import annotations

import re
from pathlib import Path

from bibtexparser import model
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from sitegen.content.identity import DOI
from sitegen.content.tex import tex_to_text, unknown_commands
from sitegen.errors import Problem

INHERITED = ("booktitle", "journal", "year", "date", "month", "publisher", "howpublished")
"""Fields an entry takes from its `crossref` parent when it lacks them."""
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_URL_MACRO = re.compile(r"^\\url\{(.*)\}$", re.DOTALL)
_TEX_ESCAPE = re.compile(r"\\([_%&#$~])")
_WEB_ADDRESS = re.compile(r"https?://[^\s/]+", re.IGNORECASE)  # as content.py checks it
_BARE_HOST = re.compile(r"(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.I)


def plain(raw: str) -> str:
    """A URL, DOI or eprint as written: `\\url{x}` -> x and `\\_` -> `_`, nothing else."""
    match = _URL_MACRO.match(raw.strip())
    return _TEX_ESCAPE.sub(r"\1", match.group(1) if match else raw).strip()


def is_link(raw: str) -> bool:
    """Whether a field holds a web address (`\\url{...}` or `http...`), not prose."""
    return bool(_URL_MACRO.match(raw.strip()) or _WEB_ADDRESS.match(plain(raw)))


class EntryFields:
    """One entry's fields by name (its crossref parent's filling gaps), and a note for each
    field repaired or left out."""

    def __init__(self, path: Path, entry: model.Entry, parent: model.Entry | None) -> None:
        self.path, self.key = path, entry.key
        self.line = (entry.start_line or 0) + 1
        self._fields = {f.key.casefold(): f for f in entry.fields}
        if parent is not None:
            inherited = {f.key.casefold(): f for f in parent.fields}
            if "title" in inherited:
                inherited.setdefault("booktitle", inherited["title"])
            for name in INHERITED:
                if name in inherited:
                    self._fields.setdefault(name, inherited[name])
        self.notes: list[Problem] = []

    def value(self, name: str) -> str | None:
        """The field, stripped, or None when absent or empty."""
        field = self._fields.get(name)
        text = field.value if field is not None else None
        return text.strip() if isinstance(text, str) and text.strip() else None

    def where(self, name: str) -> int:
        field = self._fields.get(name)
        return field.start_line + 1 if field is not None else self.line

    def note(self, name: str, message: str, at: str | None = None) -> None:
        """Note about field `name` (at the line of field `at`, default `name`)."""
        line = self.where(at or name)
        self.notes.append(Problem(self.path, line, f"field `{name}` {message}"))

    def ignore(self, name: str, why: str, at: str | None = None) -> None:
        self.note(name, f"of entry `{self.key}` ignored: {why}", at)

    def title(self) -> str:
        """The title decoded; as written (and a note) when decoding would drop a word."""
        raw = self.value("title") or ""
        unknown = unknown_commands(raw)
        if unknown:
            names = ", ".join(f"`{name}`" for name in unknown)
            self.note("title", f"of entry `{self.key}` kept as written: {names} unknown to sitegen")
            return " ".join(raw.split())
        return " ".join(tex_to_text(raw).split())

    def year(self) -> int | None:
        raw = self.value("year")
        if raw is None:
            found = re.match(r"(\d{4})(?:-\d\d)?(?:-\d\d)?(?:/|$)", self.value("date") or "")
            return int(found.group(1)) if found else None  # biblatex's `date = {2021-03-04}`
        found = re.fullmatch(r"(\d{4})[a-z]?", raw)
        if found is None or not 1000 <= int(found.group(1)) <= 2999:
            self.ignore("year", f"{raw!r} is not a four-digit year")
            return None
        if found.group() != found.group(1):
            self.note("year", f"of entry `{self.key}` {raw!r} read as {found.group(1)}")
        return int(found.group(1))

    def url(self) -> str | None:
        raw = self.value("url")
        if raw is None:
            return None
        url = plain(raw)
        if not _WEB_ADDRESS.match(url) and _BARE_HOST.match(url):
            self.note("url", f"of entry `{self.key}` {url!r} read as 'https://{url}'")
            url = "https://" + url
        if not _WEB_ADDRESS.match(url):
            self.ignore("url", f"{url!r} is not a web address starting http:// or https://")
            return None
        return url

    def doi(self) -> str | None:
        raw = self.value("doi")
        if raw is None:
            return None
        doi = _DOI_PREFIX.sub("", plain(raw))
        if not DOI.fullmatch(doi):
            self.ignore("doi", f"{doi!r} is not a DOI (10.NNNN/...)")
            return None
        return doi

    def authors(self) -> tuple[str, ...]:
        """`Last, First and First Last and others` -> ("First Last", "First Last")."""
        raw = self.value("author")
        if raw is None:
            return ()
        names = []
        for name in split_multiple_persons_names(raw):
            if name.strip().casefold() == "others":  # "and others": et al., not a person
                continue
            try:
                parts = parse_single_name_into_parts(name)
            except InvalidNameError:
                why = f"{name.strip()!r} is not a name: write `Last, First` or `First Last`"
                self.ignore("author", why)
                return ()
            text = " ".join(tex_to_text(parts.merge_first_name_first).split())
            if text:
                names.append(text)
        return tuple(names)
