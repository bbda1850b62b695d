"""Titles so similar that two papers may be one: listed in the import summary, never merged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from sitegen.content.identity import normalise_title, told_apart
from sitegen.content.models import Paper

SIMILAR = 95
"""The least rapidfuzz token-set ratio (0-100) of two normalised titles taken as possibly one
paper ("Masked Autoencoders" / "Masked Autoencoder"; equal titles are merged before this)."""


def near_duplicates(papers: Sequence[Paper], new: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(slug, the most similar other paper's slug) for each slug of `new` whose title is at
    least SIMILAR to another's; each pair once."""
    if not new or len(papers) < 2:
        return ()
    ordered = sorted(papers, key=lambda p: p.slug)
    index = {paper.slug: i for i, paper in enumerate(ordered)}
    titles = [normalise_title(paper.title) for paper in ordered]
    rows = [index[slug] for slug in new]
    scores = process.cdist(
        [titles[i] for i in rows], titles, scorer=fuzz.token_set_ratio, dtype=np.uint8
    )
    pairs: dict[frozenset[str], tuple[str, str]] = {}
    for row, i in enumerate(rows):
        scores[row, i] = 0
        best = int(np.argmax(scores[row]))
        a, b = ordered[i], ordered[best]
        if scores[row, best] >= SIMILAR and not told_apart(a, b):
            pairs.setdefault(frozenset((a.slug, b.slug)), (a.slug, b.slug))
    return tuple(pairs.values())
