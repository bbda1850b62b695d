"""Topic rules: the default rule set on the seeds, and how rules match."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, SEEDS

from sitegen.config import TopicRule, parse_config
from sitegen.content.topics import match_topics, normalise_tag
from sitegen.importers.daily_papers import decode_dump, parse_daily_papers
from sitegen.importers.merge import normalise_title

DEFAULT = REPO / "sitegen" / "default_site.toml"


def load_rules(path: Path) -> tuple[int, tuple[TopicRule, ...]]:
    config = parse_config(path.parent, path, tomllib.loads(path.read_text(encoding="utf-8")))
    return config.max_tags, config.topics


def seed_papers() -> list[tuple[str, str]]:
    papers: dict[str, tuple[str, str]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        dump = parse_daily_papers(path, decode_dump(path, path.read_bytes()))
        for entry in dump.entries:
            papers.setdefault(normalise_title(entry.title), (entry.title, entry.abstract))
    return list(papers.values())


def test_default_rules_give_every_seed_paper_one_to_five_tags() -> None:
    max_tags, rules = load_rules(DEFAULT)
    papers = seed_papers()
    assert len(papers) == 304 and max_tags == 5
    counts: Counter[str] = Counter()
    for title, abstract in papers:
        tags = match_topics(rules, title, abstract, max_tags)
        assert 1 <= len(tags) <= 5, title
        counts.update(tags)
    assert max(counts.values()) <= len(papers) / 2, counts.most_common(3)
    assert len(counts) >= 15  # most rules are in use, not dead weight


def test_default_rules_are_15_to_40_readable_tags() -> None:
    _, rules = load_rules(DEFAULT)
    assert 15 <= len(rules) <= 40
    tags = [rule.tag for rule in rules]
    assert len({normalise_tag(t) for t in tags}) == len(tags)
    assert all(t == t.lower() and t.strip() == t for t in tags)
    for expected in (
        "contrastive learning",
        "multi-task learning",
        "vision-language",
        "large language models",
        "reinforcement learning",
        "transfer learning",
    ):
        assert expected in tags


def test_repo_site_uses_the_default_rules_with_its_own_title() -> None:
    repo = tomllib.loads((REPO / "site.toml").read_text(encoding="utf-8"))
    default = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    assert repo["topics"] == default["topics"] and repo["max_tags"] == default["max_tags"] == 5
    assert repo["title"] == "sitegen reading list" != default["title"]


RULES = (
    TopicRule("graphs", ("graph",)),
    TopicRule("transformers", ("transformer*",)),
    TopicRule("multi-task learning", ("multi task",)),
    TopicRule("llms", ("LLM*",)),
)


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("A Graph of Papers", ("graphs",)),
        ("GRAPH", ("graphs",)),
        ("paragraph and telegraph", ()),  # whole words only
        ("graphs", ()),  # no `*`, no other endings
        ("Transformers and transformer-based models", ("transformers",)),
        ("transformation", ()),
        ("Multi-Task and multi task and MULTI  TASK", ("multi-task learning",)),
        ("multitask", ()),
        ("LLMs", ("llms",)),
        ("fullLLM", ()),
    ],
)
def test_rules_match_whole_words_case_insensitively(text: str, tags: tuple[str, ...]) -> None:
    assert match_topics(RULES, text, "", 5) == tags


def test_title_matches_count_more_than_abstract_matches() -> None:
    tags = match_topics(RULES, "A graph method", "transformer transformer graph", 5)
    assert tags == ("graphs", "transformers")
    assert match_topics(RULES, "A graph method", "transformer transformer", 1) == ("graphs",)
