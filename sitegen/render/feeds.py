"""Atom feeds (site-wide and per tag), sitemap.xml and robots.txt: SiteGraph -> bytes.

Pure: no I/O. XML is built with ElementTree, never by pasting user text into markup, and
every text value passes through `clean_text` (XML 1.0 forbids most control characters and
ElementTree does not check). Same input, same bytes: no clock is read, so incremental
builds see an unchanged feed as unchanged.

Without a base URL the feeds fall back to relative links and `tag:` ids, and no sitemap is
written; `feed_warnings` says so (feed readers and crawlers need absolute URLs).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.fingerprint import digest
from sitegen.render.meta import (
    absolute_url,
    clean_text,
    one_line,
    plain_summary,
    site_base,
)
from sitegen.site.graph import SiteGraph

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_NS = "http://www.w3.org/XML/1998/namespace"
FEED_SIZE = 50
"""Newest papers per feed."""
SUMMARY_LIMIT = 300
"""Longest entry summary, in characters."""
DEFAULT_EXTRA_PAGES = (urls.SEARCH,)
"""Pages besides index, papers and tags that the default theme writes."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""`updated` of a feed with no papers: any fixed instant keeps the bytes stable."""
# RFC 4151 tag URIs need an authority; a site without base_url has none, and `.invalid`
# (RFC 2606) can never be anyone's domain, so these ids cannot clash with real ones.
TAG_AUTHORITY = "sitegen.invalid,2000"


def feed_note(config: SiteConfig) -> str | None:
    """A line of the build summary for a site without base_url (a new site's default, not a
    mistake: said once per build, not as a warning)."""
    if config.base_url.strip():
        return None
    return "no base_url in site.toml: feed links are relative, no sitemap.xml"


def feed_warnings(config: SiteConfig) -> list[str]:
    """What the feeds, sitemap and robots.txt lose with this config, and how to fix it."""
    fix = 'set base_url in site.toml to the address the site is published at ("https://…/")'
    raw = config.base_url.strip()
    if not raw:
        return [
            "no base_url: feed.xml uses relative links, which many feed readers cannot "
            f"follow, and sitemap.xml is not written (sitemaps need absolute URLs); {fix}"
        ]
    base = site_base(config)
    if base is None:
        return [
            f"base_url {config.base_url!r} is not an absolute http(s) URL: it is ignored, "
            f"feed links are relative and sitemap.xml is not written; {fix}"
        ]
    return []


def feed_files(
    config: SiteConfig,
    graph: SiteGraph,
    updated: dt.datetime | None = None,
    extra_pages: Sequence[str] = DEFAULT_EXTRA_PAGES,
    *,
    texts: MarkdownTexts | None = None,
) -> dict[str, bytes]:
    """feed.xml, tags/<slug>.xml per tag, sitemap.xml (only with a base URL) and robots.txt.

    `updated` overrides every feed's <updated> (default: its newest paper's date).
    `extra_pages` are further pages for the sitemap, relative to the site root (the
    default theme's search page; pass authors pages etc. here, with "search.html").
    `texts` converts the abstracts.
    """
    recipes = feed_recipes(config, graph, updated, extra_pages, texts=texts)
    return {path: recipe.make() for path, recipe in recipes.items()}


@dataclass(frozen=True, slots=True)
class FileRecipe:
    """A file, to be made only if the last build's was made from something else."""

    key: str
    """A digest of everything its bytes are made from (with equal code)."""
    make: Callable[[], bytes]
    """Makes its bytes."""


def feed_recipes(
    config: SiteConfig,
    graph: SiteGraph,
    updated: dt.datetime | None = None,
    extra_pages: Sequence[str] | None = DEFAULT_EXTRA_PAGES,
    *,
    texts: MarkdownTexts | None = None,
) -> dict[str, FileRecipe]:
    """`feed_files`, each file as a recipe keyed by what it shows (a feed: the site's
    settings and its newest papers' fields), so a build can keep the files that
    were made from the same things last time. `extra_pages` None: no sitemap (see
    `sitemap_recipe`)."""
    links = Links(site_base(config), _site_key(config))
    make = _FeedMaker(config, graph, links, updated, texts or MarkdownTexts())
    home = FeedSpec(urls.FEED, config.title, urls.HOME)
    specs = [(home, graph.papers)]
    for tag in graph.tags:
        feed = FeedSpec(
            path=urls.tag_feed(tag.slug),
            title=f"{config.title}: {tag.name}",
            alternate=urls.tag_page(tag.slug),
        )
        specs.append((feed, tag.papers))
    context = repr((config.settings_key, links, updated))
    files = {}
    for spec, papers in specs:
        entries = make.entries(papers)
        shown = "".join([_shown(paper, tags) for paper, tags in entries])
        key = _text_digest(f"{context}{spec!r}{shown}")
        files[spec.path] = FileRecipe(key, functools.partial(make.atom, spec, entries))
    files[urls.ROBOTS] = FileRecipe(digest(links.base), functools.partial(robots_txt, links.base))
    if extra_pages is not None:
        sitemap = sitemap_recipe(config, graph, lambda: extra_pages)
        if sitemap is not None:
            files[urls.SITEMAP] = sitemap
    return files


def sitemap_recipe(
    config: SiteConfig, graph: SiteGraph, extra_pages: Callable[[], Iterable[str]]
) -> FileRecipe | None:
    """sitemap.xml's recipe, with `extra_pages()` as in `feed_files`; None without a base URL
    (and `extra_pages` is not called: a build may learn its pages only later)."""
    base = site_base(config)
    if base is None:
        return None
    pages = _site_pages(graph, extra_pages())
    return FileRecipe(digest((base, pages)), functools.partial(_sitemap, pages, base))


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _shown(paper: Paper, tag_names: Sequence[str]) -> str:
    """What a feed entry shows of a paper (`_entry`), as one string: each part after its
    length, so that no two entries differ only in where their parts end (a repr takes
    three times as long). A paper read from a file is shown by its identity (its file makes
    all but its tags' names): an edit of the file makes its feeds again, but no build
    strings 2,000 abstracts together to learn that its feeds are unchanged."""
    if paper.identity:
        parts = [paper.identity]
    else:
        parts = [paper.slug, paper.title, paper.date.isoformat(), str(len(paper.authors))]
        parts += paper.authors
        parts.append(paper.abstract)
    parts += tag_names
    return "".join([f"{len(part)}:{part}" for part in parts]) + "|"


@dataclass(frozen=True, slots=True)
class Links:
    """Turns site-relative paths into feed hrefs and ids."""

    base: str | None
    """The site's absolute base URL ending in '/', or None for relative links."""
    site_key: str
    """Names the site inside `tag:` ids when there is no base URL."""

    def href(self, path: str, feed_path: str) -> str:
        """Link to `path` from the feed at `feed_path`: absolute, else relative to the feed."""
        if self.base is not None:
            return absolute_url(self.base, path)
        folder = posixpath.dirname(feed_path) or "."
        return quote(posixpath.relpath(path, folder), safe="/")

    def id(self, path: str) -> str:
        """A permanent id for the thing at `path` (a paper page, a feed)."""
        if self.base is not None:
            return absolute_url(self.base, path)
        return f"tag:{TAG_AUTHORITY}:{self.site_key}/{quote(path, safe='/')}"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed file."""

    path: str
    """Where the feed is written, relative to the site root."""
    title: str
    alternate: str
    """The HTML page the feed mirrors, relative to the site root."""


@dataclass(frozen=True, slots=True)
class _FeedMaker:
    """What every feed of one build is made with."""

    config: SiteConfig
    graph: SiteGraph
    links: Links
    updated: dt.datetime | None
    texts: MarkdownTexts

    def entries(self, papers: Sequence[Paper]) -> tuple[tuple[Paper, tuple[str, ...]], ...]:
        """The newest FEED_SIZE of `papers` (newest first), with their tags as shown."""
        graph = self.graph
        return tuple((p, tuple(tag.name for tag in graph.tags_of(p))) for p in papers[:FEED_SIZE])

    def atom(self, spec: FeedSpec, entries: tuple[tuple[Paper, tuple[str, ...]], ...]) -> bytes:
        """An Atom 1.0 document (RFC 4287) of `entries`."""
        config, links = self.config, self.links
        newest = tuple(paper for paper, _ in entries)
        feed = ET.Element("feed", {"xmlns": ATOM_NS})
        if config.language.strip():
            feed.set(f"{{{XML_NS}}}lang", clean_text(config.language.strip()))
        _text(feed, "id", links.id(spec.path))
        _text(feed, "title", one_line(spec.title), type="text")
        if config.description.strip():
            _text(feed, "subtitle", config.description, type="text")
        _text(feed, "updated", _timestamp(self.updated or _newest_day(newest)))
        # RFC 4287 4.1.1: a feed needs an author unless every entry has one; the site is it.
        _author(feed, one_line(config.title) or "Reading list")
        self_href = links.href(spec.path, spec.path)
        self_link = {"rel": "self", "type": "application/atom+xml", "href": self_href}
        ET.SubElement(feed, "link", self_link)
        alternate = links.href(spec.alternate, spec.path)
        ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": alternate})
        _text(feed, "generator", "sitegen")
        for paper, tag_names in entries:
            feed.append(_entry(paper, tag_names, links, spec.path, self.texts))
        return _serialise(feed)


def _entry(
    paper: Paper, tag_names: Sequence[str], links: Links, feed_path: str, texts: MarkdownTexts
) -> ET.Element:
    entry = ET.Element("entry")
    page = urls.paper_page(paper.slug)
    _text(entry, "id", links.id(page))
    _text(entry, "title", one_line(paper.title), type="text")
    day = _timestamp(_midnight(paper.date))
    _text(entry, "published", day)
    _text(entry, "updated", day)
    href = links.href(page, feed_path)
    ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": href})
    for name in paper.authors:
        if one_line(name):
            _author(entry, name)
    for name in tag_names:
        ET.SubElement(entry, "category", {"term": one_line(name)})
    summary = plain_summary(texts, paper.abstract, SUMMARY_LIMIT)
    if summary:
        _text(entry, "summary", summary, type="text")
    content = _text(entry, "content", texts.abstract_html(paper.abstract), type="html")
    # Relative links in an abstract resolve against the paper's page, as on the site
    # (a relative xml:base is itself resolved against the feed's own URL).
    content.set(f"{{{XML_NS}}}base", href)
    return entry


def sitemap(graph: SiteGraph, base: str, extra_pages: Iterable[str] = ()) -> bytes:
    """sitemap.xml (sitemaps.org 0.9): every page the build writes, absolute, paper pages
    with the paper's date as <lastmod>. 404.html is left out: it is not a page to index."""
    return _sitemap(_site_pages(graph, extra_pages), base)


def _sitemap(pages: Mapping[str, dt.date | None], base: str) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path, lastmod in pages.items():
        url = ET.SubElement(urlset, "url")
        _text(url, "loc", absolute_url(base, path))
        if lastmod is not None:
            _text(url, "lastmod", lastmod.isoformat())
    return _serialise(urlset)


def _site_pages(graph: SiteGraph, extra_pages: Iterable[str]) -> dict[str, dt.date | None]:
    pages: dict[str, dt.date | None] = {urls.HOME: None}
    pages.update((urls.paper_page(paper.slug), paper.date) for paper in graph.papers)
    pages[urls.TAG_INDEX] = None
    pages.update((urls.tag_page(tag.slug), None) for tag in graph.tags)
    for path in extra_pages:
        if path.startswith("/") or "://" in path or ".." in path.split("/"):
            raise ValueError(f"sitemap page {path!r} must be relative to the site root")
        pages.setdefault(path, None)
    return pages


def robots_txt(base: str | None) -> bytes:
    """Let every crawler in; point them at the sitemap when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if base is None:
        return _lines(lines)
    # site_base() refuses whitespace, so the URL cannot start a line of its own.
    lines.append(f"Sitemap: {absolute_url(base, urls.SITEMAP)}")
    parts = urlsplit(base)
    if parts.path not in ("", "/"):
        # Said here, not as a build warning: a site under a sub-path is correct as it is,
        # and a warning on every build would teach people to ignore warnings.
        root = f"{parts.scheme}://{parts.netloc}/robots.txt"
        lines[:0] = [
            f"# Crawlers read robots.txt only at {root}, not in {parts.path}:",
            "# copy the Sitemap line below into that file for them to find it.",
        ]
    return _lines(lines)


def _lines(lines: Sequence[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = clean_text(text)
    return element


def _author(parent: ET.Element, name: str) -> None:
    _text(ET.SubElement(parent, "author"), "name", one_line(name))


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _newest_day(papers: Sequence[Paper]) -> dt.datetime:
    return _midnight(max(p.date for p in papers)) if papers else EPOCH


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, whole seconds; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _site_key(config: SiteConfig) -> str:
    """The site's title, percent-encoded for a `tag:` id (ids stay put while it does)."""
    return quote(one_line(config.title) or "site", safe="")
