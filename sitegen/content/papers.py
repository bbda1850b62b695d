"""Read content/papers/*.md into Papers (pure parsing, thin reading) and write them back."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from slugify import slugify

from sitegen.content.fields import KNOWN_KEYS, MAX_TAGS, UNSHOWABLE, Fields
from sitegen.content.frontmatter import dump_front_matter, split_front_matter
from sitegen.content.identity import ARXIV_ID, DOI, arxiv_key, doi_key, told_apart
from sitegen.content.models import Paper, Source
from sitegen.errors import ContentError, Problem
from sitegen.fsutil import (
    atomic_create_bytes,
    atomic_write_bytes,
    is_editor_temp,
    read_bounded,
    safe_slug,
)

NOTES_HEADING = re.compile(r"^##\s+notes\s*$", re.IGNORECASE | re.MULTILINE)


def paper_slug(path: Path) -> str:
    """The URL slug of a content file: its name, made URL-safe and safe as a file name."""
    slug = slugify(path.stem, max_length=80, word_boundary=True, save_order=True)
    return safe_slug(slug, path.stem, "paper")


def parse_paper(path: Path, text: str) -> tuple[Paper, list[Problem]]:
    """Parse one content file. Raises ContentError; returns warnings (unknown keys)."""
    head = split_front_matter(path, text)
    fields = Fields(path, head)
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
        "read": fields.date("read", required=False),
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
    bad = UNSHOWABLE.search(text)
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
    return [papers_dir / name for name in paper_names(papers_dir)]


def paper_names(papers_dir: Path) -> list[str]:
    """The names of `paper_files`, in the same order."""
    try:
        entries = list(os.scandir(papers_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    # scandir, not Path.glob: this runs on every rebuild of `serve`, over every paper.
    return sorted(entry.name for entry in entries if is_paper_name(entry.name) and entry.is_file())


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
    papers = list(papers)
    if _all_distinct(papers):  # as a site's papers nearly always are: a third of the time
        return []
    papers = sorted(papers, key=lambda p: str(p.path or ""))
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Paper] = {}
    for paper in papers:
        for kind, key in _identities(paper):
            other = seen.setdefault((kind, key), paper)
            if other is paper:
                continue
            apart = kind == "title" and (_ids_differ(paper, other) or told_apart(paper, other))
            if not apart:
                problems.append(_collision(paper, other, kind, key))
    return problems


def _all_distinct(papers: Sequence[Paper]) -> bool:
    """Whether no two papers share any of the keys `_identities` gives them."""
    kinds = (
        [paper.slug.casefold() for paper in papers],
        [key for paper in papers if (key := arxiv_key(paper.arxiv))],
        [key for paper in papers if (key := doi_key(paper.doi))],
        [" ".join(paper.title.casefold().split()) for paper in papers],
    )
    return all(len(set(keys)) == len(keys) for keys in kinds)


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
    if paper.read:
        data["read"] = paper.read
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
