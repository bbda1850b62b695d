"""What a paper contributes to the search index: its fields, folded as lunr indexes them."""

from __future__ import annotations

import pickle
import re
from collections.abc import Hashable
from dataclasses import dataclass

from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.search.fastlunr import REF, FieldSpec
from sitegen.search.fold import compounds, fold, fold_tex

FIELDS = (
    FieldSpec("title", 10),
    FieldSpec("tag", 5),
    FieldSpec("author", 3),
    FieldSpec("year", 1),
    FieldSpec("venue", 2),
    FieldSpec("status", 1),
    FieldSpec("id", 1),
    FieldSpec("abstract", 1),
)
"""Indexed fields. Readers name them in queries (`title:`, `tag:`, `author:`, `year:`,
`venue:`, `status:`); `id` holds the arXiv id and DOI, found bare; the abstract field holds the
abstract and the notes. Boosts put title matches first."""

_SPACES = re.compile(r"\s+")

Key = Hashable | None
"""What a paper's document was made from, equal only for equal documents (e.g. its file, the
digest of its text and its tags as shown), or None when unknown: the document is made again."""


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What one paper contributes to the index and the store."""

    title: str
    """Plain-text title."""
    slug: str
    """The paper page is `papers/<slug>.html`."""
    date: str
    """ISO date."""
    tags: tuple[str, ...]
    """Tags as shown."""
    authors: tuple[str, ...]
    """Author names."""
    text: str
    """Abstract and notes as plain text."""
    year: str = ""
    """Publication year, else the listing year."""
    venue: str = ""
    """Where it was published, when known."""
    status: str = ""
    """Reading status, hyphens dropped (`toread`): `status:read` is not `to-read`."""
    ids: tuple[str, ...] = ()
    """arXiv id and DOI, when known."""

    def __reduce__(self) -> tuple[type[SearchDocument], tuple[object, ...]]:
        # Pickled as its values: dataclass pickling of slots looks the fields up per object.
        return SearchDocument, tuple(getattr(self, name) for name in self.__slots__)

    def parts(self) -> dict[str, tuple[str, ...]]:
        """Each field's values, as written (list fields: one value per author or tag)."""
        return {
            "title": (self.title,),
            "tag": self.tags,
            "author": self.authors,
            "year": (self.year or self.date[:4],),
            "venue": (self.venue,),
            "status": (self.status,),
            "id": self.ids,
            "abstract": (self.text,),
        }

    def fields(self, ref: int) -> dict[str, str]:
        """The lunr document: values folded (accents, TeX), compounds also joined."""
        return self.lunr_document(ref)[0]

    def lunr_document(self, ref: int) -> tuple[dict[str, str], dict[str, int]]:
        """`fields(ref)`, and per field the number of joined compounds it ends with."""
        document, joined = {REF: str(ref)}, {}
        for name, values in self.parts().items():
            folded = fold(" ".join(values))
            extra = compounds(folded)
            document[name] = f"{folded} {' '.join(extra)}" if extra else folded
            joined[name] = len(extra)
        return document, joined


def to_document(paper: Paper, texts: MarkdownTexts | None = None) -> SearchDocument:
    """The searchable view of a paper."""
    texts = texts or MarkdownTexts()
    # TeX accents (T\"ulu) before Markdown reads their backslashes as escapes.
    text = texts.plain(fold_tex(paper.abstract))
    notes = texts.plain(fold_tex(paper.notes))
    return SearchDocument(
        title=_SPACES.sub(" ", paper.title).strip(),
        slug=paper.slug,
        date=paper.date.isoformat(),
        tags=paper.tags,
        authors=paper.authors,
        text=f"{text}\n{notes}" if notes else text,
        year=str(paper.year or paper.date.year),
        venue=paper.venue or "",
        status=paper.status.replace("-", ""),
        ids=tuple(i for i in (paper.arxiv, paper.doi) if i),
    )


def pack(document: SearchDocument) -> bytes:
    """`document` pickled: kept so between builds, a cache loads bytes rather than objects."""
    return pickle.dumps(document, pickle.HIGHEST_PROTOCOL)


def unpack(packed: bytes) -> SearchDocument:
    """The document `pack` pickled (from sitegen's own cache file)."""
    document = pickle.loads(packed)
    if not isinstance(document, SearchDocument):
        raise TypeError("not a search document")
    return document
