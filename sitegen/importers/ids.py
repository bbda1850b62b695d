"""arXiv ids and DOIs in every form people paste them, checked before any request is made.

`2205.13147`, `2205.13147v2`, `arXiv:2205.13147`, `hep-th/9901001`, arxiv.org `/abs/` and
`/pdf/` links (with or without `.pdf`), `10.1000/xyz`, `doi:10.1000/xyz`, doi.org and dx.doi.org
links. An arXiv DOI (`10.48550/arXiv.2205.13147`) is the arXiv id it names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from sitegen.content.identity import ARXIV_ID, DOI, arxiv_key, doi_key
from sitegen.errors import SiteError

_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE
)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)
EXAMPLES = "2205.13147, hep-th/9901001, 10.1000/xyz123, or an arxiv.org or doi.org link"


class LookupFailed(SiteError):
    """An id that cannot be looked up, or a service that did not answer: one line, exit 1."""


@dataclass(frozen=True, slots=True)
class PaperId:
    """An arXiv id or a DOI, as `sitegen add` was given it."""

    kind: Literal["arxiv", "doi"]
    """Which service knows the paper."""
    value: str
    """The bare id: `2205.13147v2` (version kept when given), `10.1126/science.169.3946.635`."""
    text: str
    """The argument as the user typed it, for messages."""

    @property
    def key(self) -> str:
        """What identifies the paper: the arXiv id without version, or the DOI in lower case."""
        found = arxiv_key(self.value) if self.kind == "arxiv" else doi_key(self.value)
        assert found is not None  # value is never empty
        return f"{self.kind}:{found}"

    @property
    def name(self) -> str:
        """How sources and messages name it: `arXiv:2205.13147`, `doi:10.1000/xyz`."""
        return f"arXiv:{self.value}" if self.kind == "arxiv" else f"doi:{self.value}"


def parse_paper_id(text: str) -> PaperId | None:
    """The id `text` is, or None when it is neither an arXiv id nor a DOI."""
    raw = text.strip()
    bare = _ARXIV_PREFIX.sub("", raw)
    if bare != raw:  # an arXiv link or `arXiv:` prefix
        bare = re.sub(r"\.pdf$", "", bare.split("?")[0].split("#")[0].rstrip("/"), flags=re.I)
    match = ARXIV_ID.fullmatch(bare)
    if match:
        return PaperId("arxiv", match.group(), text)
    doi = unquote(_DOI_PREFIX.sub("", raw))
    if not DOI.fullmatch(doi):
        return None
    if _ARXIV_DOI.match(doi):
        arxiv = parse_paper_id(_ARXIV_DOI.sub("", doi))
        return PaperId("arxiv", arxiv.value, text) if arxiv else None
    return PaperId("doi", doi, text)


def parse_paper_ids(texts: Sequence[str]) -> list[PaperId]:
    """Every argument as an id, each paper once; LookupFailed naming every malformed one."""
    ids: dict[str, PaperId] = {}
    bad = []
    for text in texts:
        found = parse_paper_id(text)
        if found is None:
            bad.append(repr(text))
        else:
            ids.setdefault(found.key, found)
    if bad:
        raise LookupFailed(f"not an arXiv id or DOI: {', '.join(bad)} (give e.g. {EXAMPLES})")
    return list(ids.values())
