"""Front matter's guard against YAML nested too deeply or expanding without end answers alike
whether it counts a flat front matter at once or walks it node by node."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.content import frontmatter
from sitegen.errors import ContentError

SHAPES = [
    "title: T\ndate: 2025-01-01\ntags: [a, b, c]\nauthors: [A]\nstatus: read\n",
    "a: 1\nb: 2\nc: 3\n",
    "tags: []\n",
    "x: &a [1, 2]\ny: *a\nz: *a\n",
    "x: &a v\ny: [*a, *a, *a, *a, *a]\n",
    "x: [[1, 2], 3]\n",
    "x: {a: 1, b: [2, 3]}\n",
    "sources: [{file: a.bib, kind: bibtex}]\n",
    "x: &a [1]\ny: [*a, *a, *a]\n",
    "? [a, b]\n: c\n",
    "{}\n",
]


@pytest.mark.parametrize("text", SHAPES)
@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 9, 11, 13, 16, 1_000_000])
def test_flat_front_matter_is_counted_as_the_walk_counts_it(
    monkeypatch: pytest.MonkeyPatch, text: str, limit: int
) -> None:
    monkeypatch.setattr(frontmatter, "MAX_VALUES", limit)
    node = frontmatter._Loader(text).get_single_node()
    counted = frontmatter._too_deep(node)
    monkeypatch.setattr(frontmatter, "_flat_size", lambda node: None)
    assert frontmatter._too_deep(node) == counted


def test_a_flat_front_matter_too_big_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frontmatter, "MAX_VALUES", 8)
    text = "---\ntitle: T\nx: &a v\ny: [*a, *a, *a, *a]\n---\n"
    with pytest.raises(ContentError, match="nests more than"):
        frontmatter.split_front_matter(Path("bad.md"), text)
