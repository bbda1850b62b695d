"""Jinja rendering: SiteGraph -> output files in memory (path -> bytes)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from markupsafe import Markup

from sitegen.bibtex import entry_keys, paper_bibtex
from sitegen.config import SiteConfig
from sitegen.errors import ContentError, Problem
from sitegen.graph import SiteGraph
from sitegen.markdown import first_sentence, markdown_to_text, render_markdown
from sitegen.meta import paper_meta
from sitegen.models import Author, Paper, Tag

PACKAGE_DIR = Path(__file__).resolve().parent
ITEM_TEMPLATE = "_paper_item.html"


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

    @property
    def slug(self) -> str:
        """The page's file name without `.html` (feeds and .bib files share it)."""
        return self.href.rsplit("/", 1)[-1].removesuffix(".html")


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A related paper as a paper page lists it."""

    title: str
    href: str
    """Path of its page relative to the site root."""
    shared_tags: tuple[TagLink, ...]
    """The tags both papers carry."""


@dataclass(frozen=True, slots=True)
class PaperView:
    """What templates see of a paper: display-ready values, relative hrefs."""

    slug: str
    title: str
    href: str
    """Path of the paper page relative to the site root."""
    date: dt.date
    status: str
    authors: tuple[TagLink, ...]
    """Each author as the paper writes the name, linking to their page (count unused)."""
    url: str | None
    arxiv: str | None
    doi: str | None
    venue: str | None
    year: int | None
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
        auto_reload=True,
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
        authors=tuple(
            TagLink(name, f"authors/{graph.author_slugs[name]}.html", 0)
            for name in dict.fromkeys(paper.authors)
        ),
        url=paper.url,
        arxiv=paper.arxiv,
        doi=paper.doi,
        venue=paper.venue,
        year=paper.year,
        tags=tags,
        summary=first_sentence(markdown_to_text(paper.abstract)),
        abstract_html=render_markdown(paper.abstract),
        notes_html=render_markdown(paper.notes, graph.links.index) if paper.notes.strip() else "",
    )


@dataclass(frozen=True, slots=True)
class Page:
    """One page to render: equal fingerprints guarantee equal output bytes."""

    path: str
    """Output path relative to the site root."""
    template: str
    fingerprint: tuple[object, ...]
    """Everything the page shows (plus its templates' sources and the config)."""
    context: Callable[[], dict[str, Any]]
    """Builds the template context; only called when the page must be rendered."""


@dataclass(frozen=True, slots=True)
class RenderResult:
    files: dict[str, bytes]
    """Every page, keyed by output path."""
    rendered: tuple[str, ...]
    """The pages actually rendered this time (the rest came from the cache)."""


class Renderer:
    """Renders a site's pages; kept between builds, it re-renders only changed pages."""

    def __init__(self, site_root: Path) -> None:
        self.env = make_environment(site_root)
        self._pages: dict[str, tuple[tuple[object, ...], bytes]] = {}
        self._views: dict[tuple[object, ...], PaperView] = {}
        self._template_fps: dict[str, str] = {}
        self._config: SiteConfig | None = None
        self._refs: dict[str, tuple[str, ...]] = {}
        self._items: dict[tuple[int, str], tuple[PaperView, Markup]] = {}
        self.env.globals["paper_item"] = self.paper_item

    def render_site(self, config: SiteConfig, graph: SiteGraph) -> RenderResult:
        """Every page of the site; pages whose fingerprint is unchanged are reused."""
        if config != self._config:
            self._pages.clear()  # every page shows the site's title and settings
            self._config = config
        template_fps: dict[str, str] = {}
        files: dict[str, bytes] = {}
        rendered: list[str] = []
        problems: list[Problem] = []
        fresh: dict[str, tuple[tuple[object, ...], bytes]] = {}
        # Listings embed the item template through a function, invisible to Jinja's
        # reference scan, so every page's fingerprint carries it.
        item_fp = self._template_fingerprint(ITEM_TEMPLATE)
        if item_fp != self._template_fps.get(ITEM_TEMPLATE, item_fp):
            self._items.clear()
            self.env.cache.clear()  # type: ignore[union-attr]
        for page in _SitePages(self, config, graph).pages():
            if page.template not in template_fps:
                template_fps[page.template] = self._template_fingerprint(page.template)
                if (
                    self._template_fps.get(page.template, template_fps[page.template])
                    != (template_fps[page.template])
                ):
                    # Jinja's own reload check is by mtime, which a quick save can keep.
                    self.env.cache.clear()  # type: ignore[union-attr]
            key = (template_fps[page.template], item_fp, *page.fingerprint)
            cached = self._pages.get(page.path)
            if cached is not None and cached[0] == key:
                fresh[page.path] = cached
                files[page.path] = cached[1]
                continue
            try:
                html = self._render(page, config)
            except jinja2.TemplateError as err:
                problems.append(_template_problem(err, page.path))
                continue
            fresh[page.path] = (key, html)
            files[page.path] = html
            rendered.append(page.path)
        if problems:
            raise ContentError(problems)
        self._pages = fresh
        self._template_fps = {**template_fps, ITEM_TEMPLATE: item_fp}
        return RenderResult(files, tuple(rendered))

    def render_paper(self, config: SiteConfig, graph: SiteGraph, paper: Paper) -> tuple[str, bytes]:
        """Only `paper`'s own page, against the last build's `graph` (serve's quick path:
        the paper's listing entry, links and neighbours are unchanged). The page is
        remembered, so the full render that follows reuses it."""
        if config != self._config or not self._template_fps:
            raise LookupError("no earlier full render to build on")
        pages = _SitePages(self, config, graph)
        pages.keys[paper.slug] = Renderer.view_key(paper, graph)
        index = next(i for i, p in enumerate(graph.papers) if p.slug == paper.slug)
        page = pages._paper_page(index, paper)
        key = (
            self._template_fps[page.template],
            self._template_fps[ITEM_TEMPLATE],
            *page.fingerprint,
        )
        html = self._render(page, config)
        self._pages[page.path] = (key, html)
        return page.path, html

    def paper_item(self, view: PaperView, root: str) -> Markup:
        """A paper's entry in a listing; rendered once per paper version and page depth."""
        cached = self._items.get((id(view), root))
        if cached is None or cached[0] is not view:
            html = Markup(self.env.get_template(ITEM_TEMPLATE).render(paper=view, root=root))
            cached = self._items[(id(view), root)] = (view, html)
        return cached[1]

    def view(
        self, paper: Paper, graph: SiteGraph, key: tuple[object, ...] | None = None
    ) -> PaperView:
        """The paper as templates see it; Markdown is rendered once per paper version."""
        key = key or self.view_key(paper, graph)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = paper_view(paper, graph)
        return view

    @staticmethod
    def view_key(paper: Paper, graph: SiteGraph) -> tuple[object, ...]:
        # A view shows its tags' display names, which depend on every paper's spelling:
        # the graph's tag table stands in for them (it rarely changes).
        return (paper.slug, paper.digest, graph.tag_table, graph.links.outgoing[paper.slug])

    def has_template(self, name: str) -> bool:
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        return True

    def _render(self, page: Page, config: SiteConfig) -> bytes:
        root = "../" * page.path.count("/")
        template = self.env.get_template(page.template)
        html = template.render(site=config, root=root, page_path=page.path, **page.context())
        return html.encode("utf-8")

    def _references(self, source: str) -> tuple[str, ...]:
        """Templates a template's source extends, includes or imports (parsed once)."""
        refs = self._refs.get(source)
        if refs is None:
            try:
                ast = self.env.parse(source)
            except jinja2.TemplateSyntaxError:
                return ()  # reported when the page renders
            refs = self._refs[source] = tuple(
                ref for ref in meta.find_referenced_templates(ast) if ref
            )
        return refs

    def _template_fingerprint(self, name: str) -> str:
        """Hash of a template and every template it extends, includes or imports."""
        digest = hashlib.blake2b(digest_size=16)
        todo, seen = [name], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            try:
                source, _, _ = self.env.loader.get_source(self.env, current)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                continue  # reported when the page renders
            digest.update(current.encode() + b"\0" + source.encode() + b"\0")
            todo.extend(self._references(source))
        return digest.hexdigest()


class _SitePages:
    """The pages of one build, each with the fingerprint of what it shows."""

    def __init__(self, renderer: Renderer, config: SiteConfig, graph: SiteGraph) -> None:
        self.renderer, self.config, self.graph = renderer, config, graph
        self.keys = {p.slug: Renderer.view_key(p, graph) for p in graph.papers}
        self.bib_keys = entry_keys(graph.papers)

    def view(self, paper: Paper) -> PaperView:
        return self.renderer.view(paper, self.graph, self.keys[paper.slug])

    def pages(self) -> Iterator[Page]:
        graph = self.graph
        yield Page(
            "index.html",
            "index.html",
            (tuple(self.keys.values()), self._tag_fp()),
            lambda: {
                "papers": [self.view(p) for p in graph.papers],
                "tags": self._tag_links(),
                "status_counts": graph.status_counts(),
            },
        )
        for index, paper in enumerate(graph.papers):
            yield self._paper_page(index, paper)
        yield Page(
            "tags/index.html",
            "tags.html",
            (self._tag_fp(), len(graph.papers)),
            lambda: {"tags": self._tag_links(), "paper_count": len(graph.papers)},
        )
        for tag in graph.tags:
            yield self._tag_page(tag)
        yield from self._author_pages()
        yield Page("404.html", "404.html", (), dict)
        if self.renderer.has_template("search.html"):
            yield Page("search.html", "search.html", (), dict)

    def _paper_page(self, index: int, paper: Paper) -> Page:
        newer, older = self.graph.neighbours(index)
        near = tuple((p.slug, p.title) if p else None for p in (newer, older))
        related = self._related(paper)
        cited_by = tuple(
            RelatedLink(p.title, f"papers/{p.slug}.html", ())
            for p in self.graph.links.incoming.get(paper.slug, ())
        )
        return Page(
            f"papers/{paper.slug}.html",
            "paper.html",
            (self.keys[paper.slug], near, related, cited_by, self.bib_keys[paper.slug]),
            lambda: {
                "paper": self.view(paper),
                "newer": self.view(newer) if newer else None,
                "older": self.view(older) if older else None,
                "related": related,
                "cited_by": cited_by,
                "bibtex": paper_bibtex(paper, self.bib_keys[paper.slug]),
                "meta": [
                    m
                    for m in paper_meta(
                        self.config,
                        paper,
                        paper.authors,
                        [t.name for t in self.graph.tags_of(paper)],
                    )
                    if m[1] != "description"  # base.html writes the description
                ],
            },
        )

    def _related(self, paper: Paper) -> tuple[RelatedLink, ...]:
        mine = {tag.slug for tag in self.graph.tags_of(paper)}
        return tuple(
            RelatedLink(
                other.title,
                f"papers/{other.slug}.html",
                tuple(_tag_link(t) for t in self.graph.tags_of(other) if t.slug in mine),
            )
            for other in self.graph.related.get(paper.slug, ())
        )

    def _tag_page(self, tag: Tag) -> Page:
        members = tuple(self.keys[p.slug] for p in tag.papers)
        return Page(
            f"tags/{tag.slug}.html",
            "tag.html",
            (tag.name, members),
            lambda: {"tag": _tag_link(tag), "papers": [self.view(p) for p in tag.papers]},
        )

    def _author_pages(self) -> Iterator[Page]:
        authors = [
            TagLink(a.name, f"authors/{a.slug}.html", len(a.papers)) for a in self.graph.authors
        ]
        yield Page(
            "authors/index.html", "authors.html", (tuple(authors),), lambda: {"authors": authors}
        )
        for author, link in zip(self.graph.authors, authors, strict=True):
            members = tuple(self.keys[p.slug] for p in author.papers)
            yield Page(
                link.href, "author.html", (link, members), self._author_context(author, link)
            )

    def _author_context(self, author: Author, link: TagLink) -> Callable[[], dict[str, Any]]:
        return lambda: {"author": link, "papers": [self.view(p) for p in author.papers]}

    def _tag_fp(self) -> tuple[object, ...]:
        return tuple((t.name, t.slug, len(t.papers)) for t in self.graph.tags)

    def _tag_links(self) -> list[TagLink]:
        return [_tag_link(tag) for tag in self.graph.tags]


def _tag_link(tag: Tag) -> TagLink:
    return TagLink(tag.name, f"tags/{tag.slug}.html", len(tag.papers))


def _template_problem(err: jinja2.TemplateError, page: str) -> Problem:
    if isinstance(err, jinja2.TemplateSyntaxError):
        return Problem(Path(err.filename or err.name or "template"), err.lineno, err.message or "")
    return Problem(None, None, f"rendering {page}: {err}")
