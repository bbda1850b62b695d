"""Relevance: the queries of tests/data/relevance.toml, on sitegen's search and on Pagefind's.

Both run in Chromium over the same built paper pages (Pagefind from PyPI's `pagefind[bin]`,
indexing `papers/*.html`); a query scores when its paper is among the first 3 results. The
scores are printed (`-s`) and written to `relevance-scores.json` beside the built site.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import http_server, run_sitegen
from synthetic import seed_papers

pytestmark = pytest.mark.browser

RELEVANCE = Path(__file__).parent / "data" / "relevance.toml"
TOP = 3

SITEGEN_TOP = """async ([queries, top]) => {
  const engine = await SitegenSearch.load(), out = [];
  for (const q of queries) {
    const r = await engine.search(q);
    const entries = r.error ? [] : await engine.entries(r.results.slice(0, top).map((x) => +x.ref));
    out.push(entries.map((e) => e.slug));
  }
  return out;
}"""

PAGEFIND_TOP = """async ([queries, top]) => {
  const pagefind = await import("./pagefind/pagefind.js"), out = [];
  await pagefind.init();
  for (const q of queries) {
    const r = await pagefind.search(q);
    const data = await Promise.all(r.results.slice(0, top).map((x) => x.data()));
    out.push(data.map((d) => d.url.split("/").pop().replace(/\\.html$/, "")));
  }
  return out;
}"""


def _relevance() -> dict[str, Any]:
    return tomllib.loads(RELEVANCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def relevance_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The seed papers with the set's metadata, built by the CLI, and Pagefind's index of
    their pages; returns the output folder and the slug of each expected title."""
    data = _relevance()
    site = tmp_path_factory.mktemp("relevance")
    (site / "content" / "papers").mkdir(parents=True)
    (site / "site.toml").write_text('title = "Relevance"\n', encoding="utf-8")
    slugs: dict[str, str] = {}
    for paper in seed_papers():
        if paper.title in slugs:
            continue  # the seed dumps list some papers twice
        head: dict[str, Any] = {"title": paper.title, "date": paper.date.isoformat()}
        head |= {"tags": list(paper.tags), "authors": list(paper.authors)}
        for prefix, extra in data["metadata"].items():
            if paper.title.startswith(prefix):
                head |= extra
        lines = ["---", *(f"{key}: {json.dumps(value)}" for key, value in head.items()), "---"]
        text = "\n".join([*lines, paper.abstract, ""])
        (site / "content" / "papers" / f"{paper.slug}.md").write_text(text, encoding="utf-8")
        slugs[paper.title] = paper.slug
    out = site / "out"
    done = run_sitegen("build", "--site", site, "--out", out)
    assert done.code == 0, done.err
    pagefind = [sys.executable, "-m", "pagefind", "--site", str(out), "--glob", "papers/*.html"]
    indexed = subprocess.run(pagefind, capture_output=True, text=True, timeout=300, check=False)
    assert indexed.returncode == 0, indexed.stderr
    expected = {}
    for query in data["query"]:
        (title,) = [t for t in slugs if t.startswith(query["expect"])]
        expected[query["expect"]] = slugs[title]
    return out, expected


@pytest.fixture(scope="module")
def served(relevance_site: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with http_server(relevance_site[0]) as base:
        yield base


def _scores(found: list[list[str]], queries: list[dict[str, str]], slugs: dict[str, str]) -> int:
    return sum(slugs[q["expect"]] in top for q, top in zip(queries, found, strict=True))


def test_sitegen_finds_more_of_the_relevance_set_than_pagefind(
    chromium: Any, served: str, relevance_site: tuple[Path, dict[str, str]]
) -> None:
    queries = _relevance()["query"]
    assert len(queries) >= 40
    texts = [q["q"] for q in queries]
    page = chromium.new_page()
    page.goto(served + "search.html")
    page.wait_for_selector("#search-page[data-ready]")
    ours = page.evaluate(SITEGEN_TOP, [texts, TOP])
    theirs = page.evaluate(PAGEFIND_TOP, [texts, TOP])
    page.close()
    out, slugs = relevance_site
    report = {
        "queries": len(queries),
        "sitegen": _scores(ours, queries, slugs),
        "pagefind": _scores(theirs, queries, slugs),
        "missed": {
            "sitegen": [
                q["q"] for q, t in zip(queries, ours, strict=True) if slugs[q["expect"]] not in t
            ],
            "pagefind": [
                q["q"] for q, t in zip(queries, theirs, strict=True) if slugs[q["expect"]] not in t
            ],
        },
    }
    (out.parent / "relevance-scores.json").write_text(
        json.dumps(report, indent=1), encoding="utf-8"
    )
    print(json.dumps(report, indent=1))
    assert report["sitegen"] > report["pagefind"]
    assert report["sitegen"] >= len(queries) - 2, report["missed"]["sitegen"]
