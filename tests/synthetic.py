"""Seed papers and synthetic reading lists made by recombining them (benchmarks and tests)."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

from sitegen.content.models import Paper

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
"""Seed files: 5 header lines, then blank-line separated title / abstract pairs."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_TAGS = (
    "contrastive learning",
    "multi-task",
    "pre-training",
    "transfer learning",
    "vision-language",
    "LLM",
    "video",
    "audio",
    "robotics",
    "benchmark",
    "diffusion",
    "retrieval",
    "efficiency",
    "self-supervised",
    "reinforcement learning",
    "graph",
    "speech",
    "3D",
    "medical",
    "theory",
)
_FIRST = (
    "Ada",
    "Wei",
    "Lena",
    "Omar",
    "Priya",
    "Jonas",
    "Mei",
    "Ravi",
    "Sofia",
    "Kenji",
    "Ana",
    "Tomás",
    "Zoë",
    "Ilya",
    "Fatima",
    "Lars",
    "Nia",
    "Hugo",
    "Yuki",
    "Chen",
)
_LAST = (
    "Nguyen",
    "Schmidt",
    "Okafor",
    "García",
    "Kowalski",
    "Tanaka",
    "Haddad",
    "Rossi",
    "Ivanova",
    "Müller",
    "Dubois",
    "Kim",
    "Silva",
    "Novak",
    "Larsen",
    "Patel",
    "Moreau",
    "Zhang",
    "Costa",
)


def seed_pairs(folder: Path = SEEDS) -> list[tuple[str, str]]:
    """(title, abstract) of every seed paper, in file order."""
    pairs = []
    for path in sorted(folder.glob("*.txt")):
        body = "\n".join(path.read_text(encoding="utf-8").splitlines()[5:])
        blocks = [block.strip() for block in body.split("\n\n") if block.strip()]
        pairs.extend(zip(blocks[0::2], blocks[1::2], strict=False))
    return pairs


def slug_of(title: str, taken: set[str]) -> str:
    """A unique URL slug for `title`."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "paper"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def seed_papers(folder: Path = SEEDS) -> list[Paper]:
    """The seed papers, newest first, with deterministic dates, tags and authors."""
    rng = random.Random(3)
    taken: set[str] = set()
    day = dt.date(2025, 3, 17)
    papers = []
    for i, (title, abstract) in enumerate(seed_pairs(folder)):
        papers.append(_paper(rng, title, abstract, day - dt.timedelta(days=i // 3), taken))
    return papers


def synthetic_papers(count: int, seed: int = 7, folder: Path = SEEDS) -> list[Paper]:
    """`count` papers, newest first: titles and abstracts recombined from seed sentences."""
    rng = random.Random(seed)
    pairs = seed_pairs(folder)
    sentences = [s for _, abstract in pairs for s in _SENTENCE_END.split(abstract)]
    title_words = [title.split() for title, _ in pairs]
    taken: set[str] = set()
    titles: set[str] = set()
    day = dt.date(2025, 6, 1)
    papers = []
    for i in range(count):
        head, tail = rng.choice(title_words), rng.choice(title_words)
        title = " ".join(head[: max(2, len(head) // 2)] + tail[len(tail) // 2 :])
        if title.casefold() in titles:  # a reading list holds each paper once
            title = f"{title} (part {i})"
        titles.add(title.casefold())
        abstract = " ".join(rng.sample(sentences, rng.randint(5, 9)))
        papers.append(_paper(rng, title, abstract, day - dt.timedelta(days=i // 8), taken))
    return papers


def _paper(rng: random.Random, title: str, abstract: str, date: dt.date, taken: set[str]) -> Paper:
    authors = tuple(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 5)))
    tags = tuple(rng.sample(_TAGS, rng.randint(1, 3)))
    return Paper(
        slug=slug_of(title, taken),
        title=title,
        date=date,
        abstract=abstract,
        tags=tags,
        authors=authors,
    )
