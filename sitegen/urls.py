"""Every output path of a site, relative to its root: the one place that knows them.

Pages link to each other with these paths prefixed by `root` (`../` per folder level), so
the site works under any sub-path and from disk. The browser code gets the page patterns
from the search index (`BROWSER_PATTERNS`), never from its own copies.
"""

from __future__ import annotations

HOME = "index.html"
TAG_INDEX = "tags/index.html"
AUTHOR_INDEX = "authors/index.html"
SEARCH = "search.html"
NOT_FOUND = "404.html"
FEED = "feed.xml"
BIBLIOGRAPHY = "papers.bib"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
STATIC = "static/"
SEARCH_INDEX = "search/index.js"
LIST_DATA = "list/papers.js"
"""Every paper in a few fields, for the lists' sorting and filtering in the browser."""
LIST_TAGS = "list/tags.js"
"""The tags and each paper's tags of LIST_DATA, in its order: a file apart, as a tag edit
changes them alone (rewriting the big one for it cost a tenth of such an edit's build)."""
SUMMARIES_PATTERN = "list/summaries-{number}.js"
"""The abstracts' first sentences of SUMMARIES_CHUNK papers of LIST_DATA (the `number`th
chunk, from 0, in its order): the cards view loads only those it shows."""
SUMMARIES_CHUNK = 500
QUEUE = "queue.html"
STATS = "stats.html"
LIST_PAGE_SIZE = 100
"""Papers per page of the home, tag and author pages' static lists (without JavaScript)."""
MAP = "map.html"
MAP_DATA = "map/data.js"
"""The map's points, for static/map/*.js."""
MAP_TAGS = "map/tags.js"
"""The tags of MAP_DATA's points and the regions' labels: apart, as LIST_TAGS is."""

PAPER_PATTERN = "papers/{slug}.html"
TAG_PATTERN = "tags/{slug}.html"
AUTHOR_PATTERN = "authors/{slug}.html"


def home_page(number: int) -> str:
    """The `number`th page (from 1) of the home page's list: index.html, page/2.html, ..."""
    return HOME if number == 1 else f"page/{number}.html"


def paper_page(slug: str) -> str:
    return PAPER_PATTERN.format(slug=slug)


def map_region(number: int) -> str:
    """The page listing the papers of the map's `number`th region (from 1, biggest first)."""
    return f"map/region-{number}.html"


def list_summaries(number: int) -> str:
    return SUMMARIES_PATTERN.format(number=number)


def tag_page(slug: str, number: int = 1) -> str:
    """The `number`th page (from 1) of a tag's list: tags/<slug>.html, tags/<slug>/page/2.html."""
    return TAG_PATTERN.format(slug=slug) if number == 1 else f"tags/{slug}/page/{number}.html"


def tag_feed(slug: str) -> str:
    return f"tags/{slug}.xml"


def tag_bibliography(slug: str) -> str:
    return f"tags/{slug}.bib"


def author_page(slug: str, number: int = 1) -> str:
    """The `number`th page (from 1) of an author's list, as `tag_page`."""
    return AUTHOR_PATTERN.format(slug=slug) if number == 1 else f"authors/{slug}/page/{number}.html"


def static_file(relative: str) -> str:
    """A file of static/ (theme's or site's), by its path inside that folder."""
    return STATIC + relative


def search_shard(number: int) -> str:
    return f"search/terms-{number}.js"


def search_positions(number: int) -> str:
    return f"search/positions-{number}.js"


SEARCH_WORDS = "search/words.js"
SEARCH_TERM_LIST = "search/termlist.js"


def search_store(number: int) -> str:
    return f"search/store-{number}.js"


BROWSER_PATTERNS = {"paper": PAPER_PATTERN, "tag": TAG_PATTERN, "search": SEARCH}
"""What the search page's script needs to link results (it fills in `{slug}`)."""


SITE_FOLDERS = ("papers", "tags", "authors", "page")
"""Folders holding pages: 404.html's script finds the site root above them."""


def root_of(path: str) -> str:
    """The relative prefix from the page at `path` back to the site root."""
    return "../" * path.count("/")
