"""A paper page's <meta> tags: Highwire Press `citation_*` (Google Scholar) and Open Graph.

Pure: no I/O. Also the text clean-up the feeds share: every value that ends up in a
page's <head> or in an XML file passes through `clean_text` first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import quote, urljoin, urlsplit

from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.content.venues import venue_kind
from sitegen.text import clip, unix_newlines
from sitegen.urls import paper_page

MetaTag = tuple[str, str, str]
"""(attribute, name, content): rendered as `<meta {attribute}="{name}" content="{content}">`."""

DESCRIPTION_LIMIT = 300
"""Longest description/summary, in characters (cut at a word boundary)."""

# XML 1.0 allows only tab, LF and CR below U+0020, no surrogates and not U+FFFE/U+FFFF.
# C1 controls and DEL are allowed but "discouraged" (XML 1.0 section 2.2) and HTML calls
# them parse errors, so they go too: none of them is visible text.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """The text without characters XML 1.0 forbids or discourages; CR/CRLF become LF."""
    # XML parsers turn CR into LF anyway: normalising here keeps round trips exact.
    return _NOT_TEXT.sub("", unix_newlines(text))


def one_line(text: str) -> str:
    """Clean text on one line, runs of whitespace collapsed (titles, names, tags)."""
    return " ".join(clean_text(text).split())


def plain_summary(texts: MarkdownTexts, markdown: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The first `limit` characters a reader sees of some Markdown, as clean plain text."""
    return clip(clean_text(texts.plain(markdown)), limit)


def site_base(config: SiteConfig) -> str | None:
    """The base URL with a trailing slash, or None when it is not an absolute http(s) URL."""
    base = config.base_url.strip()
    if not base or any(c.isspace() for c in base) or clean_text(base) != base:
        return None
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # A base without a trailing slash is still the site's folder: urljoin would drop
    # its last segment ("https://x.org/reading" + "a.html" -> "https://x.org/a.html").
    return base if base.endswith("/") else base + "/"


def absolute_url(base: str, path: str) -> str:
    """`path` (relative to the site root, unescaped) under `base`, percent-encoded."""
    return urljoin(base, quote(path, safe="/"))


def paper_meta(
    config: SiteConfig,
    paper: Paper,
    authors: Sequence[str],
    tags: Sequence[str] | None = None,
    texts: MarkdownTexts | None = None,
) -> list[MetaTag]:
    """The <meta> tags of a paper's page, in a stable order; empty values are left out.

    `tags` are the tags' display names (SiteGraph.tags_of); default: the paper's own spelling.
    """
    description = plain_summary(texts or MarkdownTexts(), paper.abstract)
    tag_names = dict.fromkeys(paper.tags if tags is None else tags)
    base = site_base(config)
    # og:url must be absolute; without a base URL there is nothing right to put there.
    url = absolute_url(base, paper_page(paper.slug)) if base is not None else ""
    found: list[MetaTag] = [
        *_citation_meta(paper, authors),
        ("name", "description", description),
        ("property", "og:title", paper.title),
        ("property", "og:type", "article"),
        ("property", "og:url", url),
        ("property", "og:description", description),
        ("property", "og:site_name", config.title),
        ("property", "article:published_time", paper.date.isoformat()),
        *(("property", "article:tag", name) for name in tag_names),
    ]
    cleaned = [(attr, name, one_line(value)) for attr, name, value in found]
    return [tag for tag in cleaned if tag[2]]


def _citation_meta(paper: Paper, authors: Sequence[str]) -> list[MetaTag]:
    """Highwire Press tags, as Google Scholar's inclusion guidelines list them."""
    found: list[MetaTag] = [("name", "citation_title", paper.title)]
    found += [("name", "citation_author", author) for author in authors]
    found.append(("name", "citation_publication_date", publication_date(paper)))
    if paper.venue:
        # Scholar has no tag for other venues; a journal title is its catch-all.
        kind = "conference" if venue_kind(paper.venue) == "conference" else "journal"
        found.append(("name", f"citation_{kind}_title", paper.venue))
    if paper.doi:
        found.append(("name", "citation_doi", paper.doi))
    if paper.arxiv:
        # arXiv's own abstract pages carry citation_arxiv_id; Scholar wants the PDF's URL.
        found.append(("name", "citation_arxiv_id", paper.arxiv))
        pdf = "https://arxiv.org/pdf/" + quote(paper.arxiv.strip(), safe="/")
        found.append(("name", "citation_pdf_url", pdf))
    return found


def publication_date(paper: Paper) -> str:
    """Scholar's `citation_publication_date`: the published year when known, else the listed
    day as YYYY/MM/DD (a listed day is close to an arXiv paper's publication)."""
    if paper.year is not None:
        return str(paper.year)
    day: dt.date = paper.date
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
