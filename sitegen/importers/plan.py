"""What an import will do, decided in memory before anything is written.

Papers are found by their source (file name and citation key: a title reworded in the file
still finds its paper), then arXiv id (version ignored), then DOI (case ignored), then
normalised title (see sitegen/identity.py), among those in content/ and those this import
already adds, so a paper listed by two files becomes one paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from slugify import slugify

from sitegen.content.identity import arxiv_key, doi_key, told_apart
from sitegen.content.identity import normalise_title as normalise_title
from sitegen.content.models import Paper
from sitegen.content.papers import create_paper
from sitegen.errors import Problem
from sitegen.fsutil import WINDOWS_RESERVED
from sitegen.importers.rewrite import rewrite_paper

MAX_SLUG = 80
FILLABLE = ("authors", "url", "arxiv", "doi", "year", "venue", "abstract")
"""Fields an import fills in on a paper that lacks them; never tags, notes, status or title."""


def fill_missing(paper: Paper, found: Paper) -> Paper:
    """`paper` with the FILLABLE fields it lacks taken from `found`; its own are kept."""
    changes = {
        name: getattr(found, name)
        for name in FILLABLE
        if not _has(getattr(paper, name)) and _has(getattr(found, name))
    }
    return replace(paper, **changes) if changes else paper


def _has(value: object) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _conflict(a: Paper, b: Paper) -> bool:
    """Two papers that share a title: both carry an id and the ids differ, or the title is
    generic, or their authors and years both disagree."""
    ids = ((arxiv_key(a.arxiv), arxiv_key(b.arxiv)), (doi_key(a.doi), doi_key(b.doi)))
    return any(x and y and x != y for x, y in ids) or told_apart(a, b)


class ImportPlan:
    """The papers of a site as an import will leave them, and which of them it changes."""

    def __init__(self, papers_dir: Path, existing: Iterable[Paper], taken: Iterable[str]) -> None:
        self.papers_dir = papers_dir
        self.original: dict[str, Paper] = {}
        """Papers as read from content/, by slug."""
        self.current: dict[str, Paper] = {}
        """Every paper as it will be written, by slug (new ones included)."""
        self.new: list[str] = []
        """Slugs of the papers this import adds, in the order added."""
        self._taken = {slug.casefold() for slug in taken}
        self._index: dict[tuple[str, str], str] = {}
        # In file-name order, the first paper with an id or title is the one found.
        for paper in sorted(existing, key=lambda p: str(p.path or "")):
            self.original[paper.slug] = self.current[paper.slug] = paper
            self._taken.add(paper.slug.casefold())
            self._add_to_index(paper)

    def find(self, paper: Paper) -> str | None:
        """The slug of the paper `paper` is, by source, then arXiv id, then DOI, then title."""
        for kind, key in self._keys(paper):
            slug = self._index.get((kind, key))
            if slug is not None and (kind != "title" or not _conflict(paper, self.current[slug])):
                return slug
        return None

    def add(self, paper: Paper, prefer: str | None = None) -> Paper:
        """Add a new paper; it is given the slug `prefer` if free (a restored paper's old
        slug), else a unique slug from its title."""
        free = prefer is not None and prefer.casefold() not in self._taken
        slug = prefer if prefer is not None and free else self._unique_slug(paper.title)
        self._taken.add(slug.casefold())
        paper = replace(paper, slug=slug)
        self.current[paper.slug] = paper
        self.new.append(paper.slug)
        self._add_to_index(paper)
        return paper

    def update(self, paper: Paper, found: Paper | None = None) -> None:
        """Change a paper found with `find` (to add sources or fill missing fields); the ids
        and title of `found`, what it was found as, find it from now on too."""
        self.current[paper.slug] = paper
        self._add_to_index(paper)
        if found is not None:
            self._add_to_index(replace(found, slug=paper.slug))

    def write(self) -> list[Problem]:
        """Write the new papers, then the changed ones, each file whole (atomically); a file
        the user created or edited since it was read is left alone and reported."""
        problems = []
        for slug in self.new:
            path = self.papers_dir / f"{slug}.md"
            try:
                create_paper(path, self.current[slug])
            except FileExistsError:
                message = "was created while importing: left alone; run the import again"
                problems.append(Problem(path, None, message))
        for slug, original in self.original.items():
            if self.current[slug] != original and not rewrite_paper(original, self.current[slug]):
                message = "was edited while importing: left alone; run the import again"
                problems.append(Problem(original.path, None, message))
        return problems

    def _keys(self, paper: Paper) -> list[tuple[str, str]]:
        keys: list[tuple[str, str | None]] = [
            ("source", f"{s.file}\0{s.key}") for s in paper.sources if s.key
        ]
        keys += [("arxiv", arxiv_key(paper.arxiv)), ("doi", doi_key(paper.doi))]
        keys.append(("title", normalise_title(paper.title)))
        return [(kind, key) for kind, key in keys if key]

    def _add_to_index(self, paper: Paper) -> None:
        for kind_key in self._keys(paper):
            self._index.setdefault(kind_key, paper.slug)

    def _unique_slug(self, title: str) -> str:
        """A readable ASCII file name of at most MAX_SLUG characters not used by another
        paper."""
        # Apostrophes are dropped, not made separators: "practitioners-guide".
        base = (
            slugify(
                title,
                max_length=MAX_SLUG,
                word_boundary=True,
                save_order=True,
                replacements=[["'", ""], ["\u2019", ""]],
            )
            or "paper"
        )
        if base in WINDOWS_RESERVED:
            base += "-paper"
        slug, number = base, 1
        while slug.casefold() in self._taken:
            number += 1
            suffix = f"-{number}"
            slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        self._taken.add(slug.casefold())
        return slug
