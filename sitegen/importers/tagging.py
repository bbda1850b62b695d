"""Tags for imported papers: the entry's own keywords, the topic rules, one spelling per tag
page, and (for a paper nothing else tags) tags suggested by its nearest neighbours."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.content.models import Paper
from sitegen.content.topics import match_topics, tag_slug, tag_words
from sitegen.errors import Problem
from sitegen.site.related import compute_related

NEIGHBOURS = 10
"""Nearest papers (by text) whose tags a paper with none is given the most common of."""
SUGGESTED = 2
"""At most this many suggested tags per paper."""


def tagged(config: SiteConfig, paper: Paper) -> Paper:
    """The entry's keywords as tags, then tags from the topic rules up to `max_tags`; tags
    that would share a page are one."""
    tags = {tag_words(tag): tag for tag in paper.tags}
    for tag in match_topics(config.topics, paper.title, paper.abstract, config.max_tags):
        if len(tags) >= max(config.max_tags, len(paper.tags)):
            break
        tags.setdefault(tag_words(tag), tag)
    return replace(paper, tags=tuple(tags.values()))


class TagSpellings:
    """The site's spelling of each tag: a new paper's "Weakly supervised learning" is written
    as the "weakly-supervised learning" the site already has (the same words, one page)."""

    def __init__(self, papers: Iterable[Paper]) -> None:
        self._spelling: dict[str, str] = {}  # tag_words -> the first spelling
        self._page: dict[str, str] = {}  # tag_slug -> the first spelling
        for paper in sorted(papers, key=lambda p: str(p.path or "")):
            for tag in paper.tags:
                self._spelling.setdefault(tag_words(tag), tag)
                self._page.setdefault(tag_slug(tag), tag)

    def respell(self, paper: Paper, path: Path, line: int | None) -> tuple[Paper, list[Problem]]:
        """`paper` with each tag spelled as the site (or an earlier new paper) spells it, and
        a note for each tag respelled or still sharing a page with another."""
        tags: dict[str, str] = {}
        notes = []
        for tag in paper.tags:
            known = self._spelling.setdefault(tag_words(tag), tag)
            page = self._page.setdefault(tag_slug(known), known)
            if known != tag:
                message = f"tag {tag!r} is written {known!r}, as the site spells that tag"
                notes.append(Problem(path, line, message))
            elif tag_words(page) != tag_words(known):
                message = (
                    f"tag {tag!r} would share the page tags/{tag_slug(tag)}.html with "
                    f"{page!r}: rename one of them before building"
                )
                notes.append(Problem(path, line, message))
            tags.setdefault(tag_words(known), known)
        return replace(paper, tags=tuple(tags.values())), notes


def suggest_tags(papers: Sequence[Paper], untagged: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each slug of `untagged`, the tags most common among its nearest papers by text
    (sitegen/related.py's tf-idf), at most SUGGESTED; a paper whose neighbours have no tags
    gets none."""
    wanted = set(untagged)
    if not wanted:
        return {}
    nearest = compute_related(papers, NEIGHBOURS)
    by_slug = {paper.slug: paper for paper in papers}
    suggestions: dict[str, tuple[str, ...]] = {}
    for slug in sorted(wanted):
        counts: Counter[str] = Counter()
        spelling: dict[str, str] = {}
        for rank, other in enumerate(nearest.get(slug, ())):
            for tag in dict.fromkeys(by_slug[other].tags):
                key = tag_slug(tag)
                spelling.setdefault(key, tag)
                counts[key] += NEIGHBOURS - rank  # nearer neighbours weigh more
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:SUGGESTED]
        if best:
            suggestions[slug] = tuple(spelling[key] for key, _ in best)
    return suggestions
