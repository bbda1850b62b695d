"""Read content/papers/*.md into Papers (pure parsing, thin reading) and write them back."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from slugify import slugify

from sitegen.content.frontmatter import FrontMatter, dump_front_matter, split_front_matter
from sitegen.content.identity import told_apart
from sitegen.content.models import STATUSES, Paper, Source
from sitegen.errors import ContentError, Problem
from sitegen.fsutil import (
    atomic_create_bytes,
    atomic_write_bytes,
    is_editor_temp,
    read_bounded,
    safe_slug,
)
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
    "sources",
)
NOTES_HEADING = re.compile(r"^##\s+notes\s*$", re.IGNORECASE | re.MULTILINE)
ARXIV_ID = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?", re.IGNORECASE
)
"""A new-style (`2401.01234v2`) or old-style (`hep-th/9901001`) arXiv identifier."""
DOI = re.compile(r"10\.\d{4,}(?:\.\d+)*/\S+")
"""A DOI: `10.<registrant>/<suffix>` (the suffix may hold any visible character)."""
# Characters XML 1.0 (feeds, sitemap) cannot carry at all: C0 controls but tab and newlines,
# and the noncharacters U+FFFE/U+FFFF.
MAX_TAGS = 100
"""Tags one paper may carry: each tag is a page, a feed and a .bib file, so a paper with
thousands (a pasted keyword dump) would make every build crawl."""
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def paper_slug(path: Path) -> str:
    """The URL slug of a content file: its name, made URL-safe and safe as a file name."""
    slug = slugify(path.stem, max_length=80, word_boundary=True, save_order=True)
    return safe_slug(slug, path.stem, "paper")


def arxiv_key(arxiv: str | None) -> str | None:
    """An arXiv id without its version (`2101.00001v2` -> `2101.00001`), for deduplication."""
    if not arxiv:
        return None
    match = ARXIV_ID.fullmatch(arxiv.strip())
    return match.group("id").casefold() if match else arxiv.strip().casefold()


def doi_key(doi: str | None) -> str | None:
    """A DOI as compared: DOIs are case-insensitive."""
    return doi.strip().casefold() if doi else None


def parse_paper(path: Path, text: str) -> tuple[Paper, list[Problem]]:
    """Parse one content file. Raises ContentError; returns warnings (unknown keys)."""
    head = split_front_matter(path, text)
    fields = _Fields(path, head)
    title = fields.text("title", required=True)
    date = fields.date("date")
    paper_fields: dict[str, Any] = {
        "tags": fields.text_list("tags", limit=MAX_TAGS),
        "authors": fields.text_list("authors"),
        "url": fields.url("url"),
        "arxiv": fields.identifier("arxiv", ARXIV_ID, "an arXiv id such as 2401.01234"),
        "doi": fields.identifier("doi", DOI, "a DOI such as 10.1000/xyz123"),
        "year": fields.year("year"),
        "venue": fields.text("venue"),
        "status": fields.status(),
        "sources": fields.sources(),
    }
    warnings = fields.unknown_keys()
    if fields.problems:
        raise ContentError(fields.problems)
    abstract, notes = split_body(head.body)
    assert title is not None and date is not None  # guaranteed when no problems
    extra = {k: v for k, v in head.data.items() if k not in KNOWN_KEYS}
    paper = Paper(
        slug=paper_slug(path),
        title=title,
        date=date,
        abstract=abstract,
        notes=notes,
        path=path,
        body_line=head.body_line,
        notes_line=head.body_line + notes_offset(head.body),
        digest=hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(),
        extra=extra,
        **paper_fields,
    )
    return paper, warnings


def split_body(body: str) -> tuple[str, str]:
    """Split a paper's Markdown body into (abstract, notes) at the `## Notes` heading."""
    match = NOTES_HEADING.search(body)
    if not match:
        return body.strip(), ""
    return body[: match.start()].strip(), body[match.end() :].strip()


def notes_offset(body: str) -> int:
    """How many lines into the body the (stripped) notes text starts."""
    match = NOTES_HEADING.search(body)
    if not match:
        return body.count("\n")
    rest = body[match.end() :]
    return body.count("\n", 0, match.end()) + rest[: len(rest) - len(rest.lstrip())].count("\n")


def load_paper(path: Path) -> tuple[Paper, list[Problem]]:
    """Read and parse one content file."""
    try:
        raw = read_bounded(path)
    except FileNotFoundError:
        raise  # deleted since it was listed: the caller decides
    except OSError as err:
        raise ContentError.single(path, None, f"cannot read: {err.strerror or err}") from None
    if b"\x00" in raw:  # before decoding: a binary file is seldom valid UTF-8 either
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ContentError.single(path, line, "contains a NUL byte: is this a binary file?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ContentError.single(
            path, line, "not valid UTF-8 text: save the file as UTF-8"
        ) from None
    bad = _UNSHOWABLE.search(text)
    if bad:
        line = normalise_line_count(text[: bad.start()]) + 1
        what = (
            "a NUL byte: is this a binary file?"
            if bad.group() == "\x00"
            else (
                f"the control character U+{ord(bad.group()):04X}, which no page or feed can show: "
                "remove it"
            )
        )
        raise ContentError.single(path, line, f"contains {what}")
    return parse_paper(path, text)


def normalise_line_count(text: str) -> int:
    """How many line breaks `text` holds, CRLF, CR and LF alike."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def is_paper_name(name: str) -> bool:
    """A content file's name: `*.md`, not an editor's hidden or lock file."""
    return name.endswith(".md") and not is_editor_temp(name)


def paper_files(papers_dir: Path) -> list[Path]:
    """The content files of a site, sorted; editor temp files are not content."""
    try:
        entries = list(os.scandir(papers_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    # scandir, not Path.glob: this runs on every rebuild of `serve`, over every paper.
    names = sorted(entry.name for entry in entries if is_paper_name(entry.name) and entry.is_file())
    return [papers_dir / name for name in names]


def load_papers(papers_dir: Path) -> tuple[list[Paper], list[Problem]]:
    """Read every paper; all errors are collected and raised together."""
    papers: list[Paper] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for path in paper_files(papers_dir):
        try:
            paper, paper_warnings = load_paper(path)
        except ContentError as err:
            problems.extend(err.problems)
            continue
        papers.append(paper)
        warnings.extend(paper_warnings)
    problems.extend(slug_collisions(papers))
    if problems:
        raise ContentError(problems)
    return papers, warnings


def slug_collisions(papers: Iterable[Paper]) -> list[Problem]:
    """Papers that cannot both be in one site, each problem naming both files: one page slug
    (case aside), one arXiv id (any version) or DOI, or one title with nothing to tell the
    two apart (no differing ids; see identity.told_apart)."""
    papers = sorted(papers, key=lambda p: str(p.path or ""))
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Paper] = {}
    for paper in papers:
        for kind, key in _identities(paper):
            other = seen.setdefault((kind, key), paper)
            apart = kind == "title" and (_ids_differ(paper, other) or told_apart(paper, other))
            if other is not paper and not apart:
                problems.append(_collision(paper, other, kind, key))
    return problems


def _identities(paper: Paper) -> list[tuple[str, str]]:
    keys = [
        ("slug", paper.slug.casefold()),
        ("arxiv", arxiv_key(paper.arxiv) or ""),
        ("doi", doi_key(paper.doi) or ""),
        ("title", " ".join(paper.title.casefold().split())),
    ]
    return [(kind, key) for kind, key in keys if key]


def _ids_differ(a: Paper, b: Paper) -> bool:
    pairs = ((arxiv_key(a.arxiv), arxiv_key(b.arxiv)), (doi_key(a.doi), doi_key(b.doi)))
    return any(x and y and x != y for x, y in pairs)


def _collision(paper: Paper, other: Paper, kind: str, key: str) -> Problem:
    if kind == "slug":
        message = (
            f"two papers would share the page papers/{paper.slug}.html: "
            f"this file and {other.path}; rename one of them"
        )
        return Problem(paper.path, 1, message)
    what = {"arxiv": f"arXiv id {key}", "doi": f"DOI {key}", "title": "title"}[kind]
    message = f"duplicate paper: same {what} as {other.path}; merge the two files into one" + (
        " (or give each its own `arxiv` or `doi`)" if kind == "title" else ""
    )
    return Problem(paper.path, _key_line(paper, kind), message)


def _key_line(paper: Paper, key: str) -> int:
    """The line of a front-matter key, read again: only needed to report a duplicate."""
    assert paper.path is not None
    try:
        head = split_front_matter(paper.path, paper.path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ContentError):
        return 1
    return head.key_lines.get(key, 1)


def paper_to_text(paper: Paper) -> str:
    """The content-file text of a paper (front matter, abstract, notes section)."""
    data: dict[str, Any] = {"title": paper.title, "date": paper.date}
    data["tags"] = list(paper.tags)
    if paper.authors:
        data["authors"] = list(paper.authors)
    for key in ("url", "arxiv", "doi", "year", "venue"):
        if getattr(paper, key):
            data[key] = getattr(paper, key)
    data["status"] = paper.status
    if paper.sources:
        data["sources"] = [_source_to_dict(s) for s in paper.sources]
    data.update(paper.extra)
    body = f"\n{paper.abstract.strip()}\n\n## Notes\n\n"
    if paper.notes.strip():
        body += paper.notes.strip() + "\n"
    return dump_front_matter(data, body)


def write_paper(path: Path, paper: Paper) -> None:
    """Write a paper's content file atomically (the old file or the new, never half)."""
    atomic_write_bytes(path, paper_to_text(paper).encode("utf-8"))


def create_paper(path: Path, paper: Paper) -> None:
    """Write a new content file whole; FileExistsError (nothing written) if `path` exists."""
    atomic_create_bytes(path, paper_to_text(paper).encode("utf-8"))


def _source_to_dict(source: Source) -> dict[str, Any]:
    data: dict[str, Any] = {"file": source.file, "kind": source.kind}
    if source.listed:
        data["listed"] = source.listed
    if source.imported:
        data["imported"] = source.imported
    if source.key:
        data["key"] = source.key
    return data


class _Fields:
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

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
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
