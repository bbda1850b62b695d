"""Synthetic reading lists for the scale benchmark (issue #7), in sitegen's content format.

Wraps `synthetic_papers` (titles and abstracts recombined from the seed papers, unique titles)
and replaces what it fakes with what a real list has:

- tags chosen by the site's topic rules (`site.toml` [[topics]] + `match_topics`), 1 to 5 per
  paper, with the per-paper tag count drawn from the repo's own reading list's distribution;
- dates spread evenly over several years (newest first), not over a few months;
- short reader's notes on some papers, so a "one-paper edit" has notes to change.

    python benchmarks/corpus.py 10000 /tmp/site-10k
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_site import make_site  # noqa: E402
from sitegen.config import TopicRule, load_config  # noqa: E402
from sitegen.content.models import Paper  # noqa: E402
from sitegen.content.topics import match_topics  # noqa: E402
from tests.synthetic import synthetic_papers  # noqa: E402

NEWEST = dt.date(2025, 6, 1)
"""The date of the newest synthetic paper."""
YEARS = 6
"""Papers are spread evenly over this many years before NEWEST."""
TAG_COUNT_WEIGHTS = (25, 47, 65, 80, 87)
"""How many papers of the repo's own list have 1, 2, 3, 4 and 5 tags."""
NOTES_SHARE = 0.2
"""The share of papers that carry reader's notes."""
_NOTES = (
    "Skimmed the method section; the ablations are the interesting part.",
    "Compare with the baseline numbers in Table 2 before citing.",
    "Good related-work section, worth reading for references.",
    "The evaluation uses a small benchmark; check whether it holds at scale.",
)


def topic_rules(root: Path = ROOT) -> tuple[TopicRule, ...]:
    """The topic rules of the site at `root` (the repo's own site.toml by default)."""
    return load_config(root).topics


def corpus_papers(count: int, rules: Sequence[TopicRule], seed: int = 7) -> list[Paper]:
    """`count` deterministic papers, newest first, tagged by `rules`, over YEARS years."""
    rng = random.Random(seed)
    span_days = 365 * YEARS
    papers = []
    for i, paper in enumerate(synthetic_papers(count, seed=seed)):
        day = NEWEST - dt.timedelta(days=i * span_days // max(count, 1))
        notes = rng.choice(_NOTES) if rng.random() < NOTES_SHARE else ""
        tags = _topic_tags(rng, rules, paper)
        papers.append(dataclasses.replace(paper, date=day, tags=tags, notes=notes))
    return papers


def _topic_tags(rng: random.Random, rules: Sequence[TopicRule], paper: Paper) -> tuple[str, ...]:
    """1-5 tags: the strongest topic-rule matches, as many as a real paper would carry."""
    wanted = rng.choices(range(1, 6), weights=TAG_COUNT_WEIGHTS)[0]
    tags = match_topics(rules, paper.title, paper.abstract, wanted)
    if tags:
        return tags
    # Rare (about 1 in 2,000): no rule matches; any rule's tag keeps the 1-tag minimum.
    return (rng.choice(rules).tag,)


def write_corpus_site(count: int, folder: Path, seed: int = 7) -> list[Paper]:
    """A fresh sitegen site at `folder` of `count` corpus papers; returns the papers."""
    papers = corpus_papers(count, topic_rules(), seed=seed)
    make_site(count, folder, papers=papers)
    return papers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    write_corpus_site(args.count, args.folder)
    print(f"wrote {args.count} papers to {args.folder}")


if __name__ == "__main__":
    main()
