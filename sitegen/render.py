"""Jinja rendering: SiteGraph -> output files in memory (path -> bytes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from sitegen.config import SiteConfig
from sitegen.errors import ContentError, Problem
from sitegen.graph import SiteGraph
from sitegen.markdown import first_sentence, markdown_to_text, render_markdown
from sitegen.models import Paper, Tag

PACKAGE_DIR = Path(__file__).resolve().parent


def theme_dir() -> Path:
    """The default theme: inside the installed wheel, else the source checkout's root."""
    packaged = PACKAGE_DIR / "theme"
    return packaged if (packaged / "templates").is_dir() else PACKAGE_DIR.parent


@dataclass(frozen=True, slots=True)
class TagLink:
    """A tag as a paper page shows it."""

    name: str
    href: str
    """Path of the tag page relative to the site root."""
    count: int


@dataclass(frozen=True, slots=True)
class PaperView:
    """What templates see of a paper: display-ready values, relative hrefs."""

    slug: str
    title: str
    href: str
    """Path of the paper page relative to the site root."""
    date: dt.date
    status: str
    authors: tuple[str, ...]
    url: str | None
    arxiv: str | None
    tags: tuple[TagLink, ...]
    summary: str
    """The abstract's first sentence, plain text."""
    abstract_html: str
    notes_html: str


def make_environment(site_root: Path) -> jinja2.Environment:
    """Autoescaping, strict Jinja; the site's own templates/ override the theme file by file."""
    loaders = [jinja2.FileSystemLoader(str(theme_dir() / "templates"))]
    if (site_root / "templates").is_dir():
        loaders.insert(0, jinja2.FileSystemLoader(str(site_root / "templates")))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["isodate"] = lambda d: d.isoformat()
    env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}"
    return env


def paper_view(paper: Paper, graph: SiteGraph) -> PaperView:
    tags = tuple(
        TagLink(t.name, f"tags/{t.slug}.html", len(t.papers)) for t in graph.tags_of(paper)
    )
    return PaperView(
        slug=paper.slug,
        title=paper.title,
        href=f"papers/{paper.slug}.html",
        date=paper.date,
        status=paper.status,
        authors=paper.authors,
        url=paper.url,
        arxiv=paper.arxiv,
        tags=tags,
        summary=first_sentence(markdown_to_text(paper.abstract)),
        abstract_html=render_markdown(paper.abstract),
        notes_html=render_markdown(paper.notes) if paper.notes.strip() else "",
    )


class Renderer:
    """Renders every page of a site into memory."""

    def __init__(self, config: SiteConfig, graph: SiteGraph) -> None:
        self.config = config
        self.graph = graph
        self.env = make_environment(config.root)
        self.views = {paper.slug: paper_view(paper, graph) for paper in graph.papers}

    def render_all(self) -> dict[str, bytes]:
        """Every page, keyed by its path relative to the output root."""
        files: dict[str, bytes] = {}
        problems: list[Problem] = []
        for path, template, context in self.pages():
            try:
                files[path] = self.render(template, path, context)
            except jinja2.TemplateError as err:
                problems.append(_template_problem(err, path))
        if problems:
            raise ContentError(problems)
        return files

    def pages(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        papers = [self.views[p.slug] for p in self.graph.papers]
        yield (
            "index.html",
            "index.html",
            {
                "papers": papers,
                "tags": self._tag_links(),
                "status_counts": self.graph.status_counts(),
            },
        )
        for index, paper in enumerate(self.graph.papers):
            newer, older = self.graph.neighbours(index)
            yield (
                f"papers/{paper.slug}.html",
                "paper.html",
                {
                    "paper": self.views[paper.slug],
                    "newer": self.views[newer.slug] if newer else None,
                    "older": self.views[older.slug] if older else None,
                },
            )
        yield "tags/index.html", "tags.html", {"tags": self._tag_links()}
        for tag in self.graph.tags:
            yield (
                f"tags/{tag.slug}.html",
                "tag.html",
                {
                    "tag": self._tag_link(tag),
                    "papers": [self.views[p.slug] for p in tag.papers],
                },
            )
        yield "404.html", "404.html", {}
        if self._has_template("search.html"):
            yield "search.html", "search.html", {}

    def render(self, template: str, path: str, context: Mapping[str, Any]) -> bytes:
        root = "../" * path.count("/")
        html = self.env.get_template(template).render(
            site=self.config,
            root=root,
            page_path=path,
            paper_count=len(self.graph.papers),
            tag_count=len(self.graph.tags),
            **context,
        )
        return html.encode("utf-8")

    def _tag_link(self, tag: Tag) -> TagLink:
        return TagLink(tag.name, f"tags/{tag.slug}.html", len(tag.papers))

    def _tag_links(self) -> list[TagLink]:
        return [self._tag_link(tag) for tag in self.graph.tags]

    def _has_template(self, name: str) -> bool:
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        return True


def _template_problem(err: jinja2.TemplateError, page: str) -> Problem:
    if isinstance(err, jinja2.TemplateSyntaxError):
        return Problem(Path(err.filename or err.name or "template"), err.lineno, err.message or "")
    return Problem(None, None, f"rendering {page}: {err}")
