"""`[[slug]]` and `[[Exact title]]` in notes: links between papers, and their backlinks."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sitegen.content.models import Paper
from sitegen.errors import Problem

WIKILINK = re.compile(r"\[\[([^\[\]\n]+)\]\]")
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Where a `[[...]]` points."""

    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class PaperLinks:
    """The links between papers found in notes."""

    index: dict[str, LinkTarget]
    """Link key (slug, or case-folded title) -> target."""
    outgoing: dict[str, tuple[LinkTarget, ...]]
    """Paper slug -> the papers its notes link to, in order."""
    incoming: dict[str, tuple[Paper, ...]]
    """Paper slug -> the papers whose notes link to it, newest first."""
    warnings: tuple[Problem, ...] = ()
    """Each `[[...]]` no paper answers, at its line (shown as an unresolved link)."""


@lru_cache(maxsize=1 << 16)  # asked for every paper's slug and title on every build
def link_key(text: str) -> str:
    """What `[[text]]` is looked up by: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


def find_wikilinks(notes: str) -> list[tuple[str, int]]:
    """(target text, 0-based line within the notes) of every `[[...]]` outside code."""
    if "[[" not in notes:  # most notes: no line to look at
        return []
    found = []
    in_fence = False
    for number, line in enumerate(notes.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or line.startswith(("    ", "\t")):
            continue
        for match in WIKILINK.finditer(_CODE_SPAN.sub("", line)):
            found.append((match.group(1).strip(), number))
    return found


def resolve_links(papers: Sequence[Paper]) -> PaperLinks:
    """Resolve every paper's `[[...]]` links; an unknown target is a warning at its line (notes
    often point to papers not added yet: the link shows as unresolved until they are)."""
    index: dict[str, LinkTarget] = {}
    targets_of = [LinkTarget(paper.slug, paper.title) for paper in papers]  # one each: 10,000s
    for each in targets_of:
        index.setdefault(link_key(each.title), each)
    for each in targets_of:  # a slug wins over a title that happens to read the same
        index[link_key(each.slug)] = each
    outgoing: dict[str, tuple[LinkTarget, ...]] = {}
    incoming: dict[str, list[Paper]] = defaultdict(list)
    warnings = []
    for paper in papers:
        targets, missing = notes_links(paper, index)
        for text, line in missing:
            where = paper.notes_line + line
            warnings.append(Problem(paper.path, where, missing_link_message(text)))
        outgoing[paper.slug] = targets
        for target in targets:
            incoming[target.slug].append(paper)
    return PaperLinks(index, outgoing, {k: tuple(v) for k, v in incoming.items()}, tuple(warnings))


def notes_links(
    paper: Paper, index: Mapping[str, LinkTarget]
) -> tuple[tuple[LinkTarget, ...], list[tuple[str, int]]]:
    """The papers `paper`'s notes link to by `index` (in order, each once, itself left out),
    and the `[[text]]` no paper answers, with its 0-based line within the notes."""
    if "[[" not in paper.notes:  # most notes: nothing to resolve
        return (), []
    targets: dict[str, LinkTarget] = {}
    missing = []
    for text, line in find_wikilinks(paper.notes):
        target = index.get(link_key(text))
        if target is None:
            missing.append((text, line))
        elif target.slug != paper.slug:
            targets.setdefault(target.slug, target)
    return tuple(targets.values()), missing


MISSING_LINK_TITLE = "no paper with this slug or title yet"
"""The tooltip of an unresolved `[[link]]` on the page."""


def missing_link_message(text: str) -> str:
    """The build's warning for an unresolved `[[text]]`."""
    return (
        f"no paper [[{text}]] yet: shown as an unresolved link until a paper has that slug or title"
    )
