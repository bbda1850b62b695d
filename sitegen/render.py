"""Jinja rendering: SiteGraph -> output files in memory (path -> bytes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta
from markupsafe import Markup

from sitegen.config import SiteConfig
from sitegen.errors import ContentError, Problem
from sitegen.graph import SiteGraph
from sitegen.models import Paper
from sitegen.pages import Page, PaperView, SitePages, paper_view, view_key
from sitegen.theme import theme_dir

ITEM_TEMPLATE = "_paper_item.html"


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
            # Every page shows the site's title and settings (raw_html changes views too).
            self._pages.clear()
            self._views.clear()
            self._items.clear()
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
        for page in SitePages(self, config, graph).pages():
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
        pages = SitePages(self, config, graph)
        pages.keys[paper.slug] = view_key(paper, graph)
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
        key = key or view_key(paper, graph)
        view = self._views.get(key)
        if view is None:
            raw_html = self._config.raw_html if self._config else False
            view = self._views[key] = paper_view(paper, graph, raw_html)
        return view

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


def _template_problem(err: jinja2.TemplateError, page: str) -> Problem:
    if isinstance(err, jinja2.TemplateSyntaxError):
        return Problem(Path(err.filename or err.name or "template"), err.lineno, err.message or "")
    return Problem(None, None, f"rendering {page}: {err}")
