"""The reading list's data: plain frozen dataclasses, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("to-read", "reading", "read")
"""Reading statuses, in the order a reader moves through them."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a paper was imported from."""

    file: str
    """Name of the imported file (e.g. `daily-papers-multi-task.txt`)."""
    kind: str
    """Importer that read it (e.g. `daily-papers`)."""
    listed: dt.date | None = None
    """The date the source listed the paper on, when it gives one."""
    imported: dt.date | None = None
    """The day `sitegen import` added this source."""
    key: str | None = None
    """The entry's citation key in that file (BibTeX), which finds the paper again however
    its title is reworded there."""


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper of the reading list, as read from `content/papers/<slug>.md`."""

    slug: str
    """File stem; the paper's page is `papers/<slug>.html`."""
    title: str
    """The paper's title, as plain text."""
    date: dt.date
    """The day the paper was listed or added to the reading list."""
    abstract: str
    """The abstract, Markdown (the body before the `## Notes` heading)."""
    notes: str = ""
    """The reader's notes, Markdown (the body after the `## Notes` heading)."""
    tags: tuple[str, ...] = ()
    """Topic tags, in the order the file lists them."""
    authors: tuple[str, ...] = ()
    """Author names, when known."""
    url: str | None = None
    """A link to the paper, when known."""
    arxiv: str | None = None
    """The arXiv identifier, when known (e.g. `2401.01234`)."""
    doi: str | None = None
    """The DOI, when known (e.g. `10.1000/xyz123`)."""
    year: int | None = None
    """The year the paper was published, when known (BibTeX `year`)."""
    venue: str | None = None
    """Where it was published (BibTeX `journal` or `booktitle`), when known."""
    status: str = "to-read"
    """One of STATUSES."""
    read: dt.date | None = None
    """The day the reader finished it (`read:`), when recorded."""
    sources: tuple[Source, ...] = ()
    """Where the paper was imported from, oldest first."""
    path: Path | None = None
    """The content file it was read from (None for papers not yet written)."""
    body_line: int = 1
    """The 1-based line of the file where the Markdown body starts."""
    notes_line: int = 1
    """The 1-based line of the file where the notes text starts."""
    digest: str = ""
    """Fingerprint of the content file's text: equal digests, equal papers."""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    """Front-matter keys sitegen does not know, kept so a rewrite loses nothing."""

    @property
    def identity(self) -> str:
        """Its slug (its file's name) and digest (its file's text), which make every other
        field a page shows: equal identities, equal papers. Empty for a paper not read from
        a file, which has no digest."""
        return f"{self.slug}\0{self.digest}" if self.digest else ""


@dataclass(frozen=True, slots=True)
class Tag:
    """A topic tag and the papers carrying it."""

    name: str
    """The tag as shown (its most common spelling)."""
    slug: str
    """URL-safe form; the tag's page is `tags/<slug>.html`."""
    papers: tuple[Paper, ...]
    """Papers with this tag, newest first."""


@dataclass(frozen=True, slots=True)
class Author:
    """A person who wrote papers of the reading list."""

    name: str
    """The name as shown (its most common spelling)."""
    slug: str
    """URL-safe form; the author's page is `authors/<slug>.html`."""
    papers: tuple[Paper, ...]
    """Their papers, newest first."""
