"""Topic rules -> tags, and the one way tags are normalised and slugged."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache

from slugify import slugify

from sitegen.config import TopicRule
from sitegen.fsutil import safe_slug


@lru_cache(maxsize=65536)
def normalise_tag(tag: str) -> str:
    """The identity of a tag: case, spacing and Unicode form do not make a new tag."""
    return " ".join(unicodedata.normalize("NFKC", tag).casefold().split())


@lru_cache(maxsize=65536)
def tag_words(tag: str) -> str:
    """A tag's words: "weakly-supervised learning" and "Weakly supervised learning" are the
    same words (one tag, shown on one page); "C++" and "C" are not, though slugify gives
    both the page tags/c.html."""
    return " ".join(re.sub(r"[-\u2010-\u2015_/]+", " ", normalise_tag(tag)).split())


@lru_cache(maxsize=65536)  # slugify transliterates slowly; every build asks again
def tag_slug(tag: str) -> str:
    """The URL slug of a tag page, `tags/<slug>.html`: ASCII, never empty, never a name
    Windows refuses."""
    key = normalise_tag(tag)
    return safe_slug(slugify(key, max_length=80, word_boundary=True), key, "tag")


@lru_cache(maxsize=1 << 18)
def author_slug(name: str) -> str:
    """The URL slug of an author page, `authors/<slug>.html` (same rules as tag_slug)."""
    return safe_slug(slugify(name, max_length=80, word_boundary=True), name, "author")


@cache
def _rule_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = []
    for phrase in phrases:
        words = [
            re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in phrase.split()
        ]
        # Words of a phrase may be joined by spaces or hyphens ("pre-training").
        alternatives.append(r"[\s\-]+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def match_topics(
    rules: Sequence[TopicRule], title: str, abstract: str, limit: int
) -> tuple[str, ...]:
    """Tags whose rules match the paper, strongest first, at most `limit`.

    A rule matching in the title counts more than one matching only in the abstract, and
    more mentions count more, so a paper's tags are what it is mostly about; a single mention
    in the abstract only counts for a paper with no stronger topic.
    """
    scored = []
    for order, rule in enumerate(rules):
        pattern = _rule_pattern(rule.phrases)
        in_title = len(pattern.findall(title))
        in_abstract = len(pattern.findall(abstract))
        if in_title or in_abstract:
            scored.append((-(3 * in_title + in_abstract), order, rule.tag))
    # One passing mention in the abstract ("... and videos") is noise beside a topic the
    # paper is about (in its title, or mentioned three times): CLIP is not a video paper.
    if scored and min(scored)[0] <= -3:
        scored = [item for item in scored if item[0] < -1]
    return tuple(tag for _, _, tag in sorted(scored)[:limit])
