"""site.toml: the site's title, base URL and topic rules."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.errors import ConfigError, Problem
from sitegen.fsutil import leaves_site, read_bounded
from sitegen.text import is_web_address

CONFIG_NAME = "site.toml"
DEFAULT_OUT = "_site"
"""The output folder, inside the site, unless --out says otherwise."""
CACHE_DIR = ".sitegen-cache"
"""Per-site cache of slow results (related papers, search index, last build), safe to delete."""


def output_folder(site_root: Path, out: Path | None) -> Path:
    """Where a build of `site_root` goes: `out`, or `SITE/_site` by default. A symlink is
    resolved: the build goes into the folder it points to, and the link (the user's) stays."""
    return (out if out is not None else site_root / DEFAULT_OUT).resolve()


def cache_folder(site_root: Path) -> Path:
    return site_root / CACHE_DIR


@dataclass(frozen=True, slots=True)
class TopicRule:
    """A tag and the words or phrases that mark a paper as being about it."""

    tag: str
    """The tag given to matching papers."""
    phrases: tuple[str, ...]
    """Words/phrases matched case-insensitively on whole words; a trailing `*` matches any
    ending (`transformer*` matches `transformers`)."""


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """Where `sitegen add` looks papers up, and how patiently (the `[sources]` table)."""

    arxiv_api: str = "https://export.arxiv.org/api/query"
    """arXiv's query API (env SITEGEN_ARXIV_API overrides it), e.g. a mirror."""
    doi_resolver: str = "https://doi.org/"
    """The DOI resolver a DOI is appended to (env SITEGEN_DOI_RESOLVER overrides it)."""
    timeout: float = 30.0
    """Seconds to wait for a server to connect or answer, per try."""
    retries: int = 3
    """Tries after the first when a server is unreachable or answers 429 or 5xx."""
    retry_delay: float = 3.0
    """Seconds between two requests to one service, retries included (arXiv asks for 3);
    retries wait longer each time."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """A site's settings, read from `site.toml` at the site root."""

    root: Path
    """The site's folder (where site.toml is)."""
    title: str = "Reading list"
    """Shown in every page's header and <title>."""
    description: str = ""
    """One line about the site, shown on the home page and in meta tags."""
    base_url: str = ""
    """Absolute URL the site is published at (used only where absolute URLs are required)."""
    language: str = "en"
    """The `lang` of every page."""
    max_tags: int = 5
    """At most this many topic tags are given to an imported paper."""
    topics: tuple[TopicRule, ...] = ()
    """Topic rules used to tag imported papers."""
    aliases: tuple[tuple[str, str], ...] = ()
    """(synonym, tag) pairs: a paper tagged with the synonym is listed under the tag."""
    sources: SourcesConfig = SourcesConfig()
    """Where and how `sitegen add` looks papers up."""
    raw_html: bool = False
    """UNSAFE: let HTML written in notes through as HTML (scripts included). Off by default:
    notes then show HTML as text. Abstracts, imported from elsewhere, are always escaped."""
    source_path: Path | None = field(default=None, compare=False)
    """The site.toml file read (None when the site has none)."""

    @property
    def settings_key(self) -> str:
        """The settings as the output depends on them, without where the site's folder is
        or how it was named (`.` from inside it, a path from elsewhere): what a build keeps
        for the next one still holds when that one runs from another folder."""
        return repr(replace(self, root=Path(), source_path=None))

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def papers_dir(self) -> Path:
        return self.root / "content" / "papers"


_KNOWN_KEYS = (
    "title",
    "description",
    "base_url",
    "language",
    "max_tags",
    "topics",
    "aliases",
    "raw_html",
    "sources",
)
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def load_config(root: Path) -> SiteConfig:
    """Read `root/site.toml`; every bad key is reported at once as a ConfigError."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError.single(
            path, None, "no site.toml here: run `sitegen new DIR` to start a site"
        )
    outside = leaves_site(path, root)
    if outside is not None:
        raise ConfigError.single(
            path, None, f"symlink to {outside} leaves the site: not read (copy the file here)"
        )
    try:
        raw = read_bounded(path)
    except OSError as err:
        raise ConfigError.single(path, None, f"cannot read: {err.strerror or err}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ConfigError.single(path, _line_of_offset(raw, err.start), "not valid UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        line = _toml_error_line(str(err)) or max(1, raw.count(b"\n"))  # "at end of document"
        raise ConfigError.single(path, line, f"invalid TOML: {err}") from None
    return parse_config(root, path, data, raw.decode("utf-8-sig"))


def parse_config(root: Path, path: Path, data: dict[str, object], text: str = "") -> SiteConfig:
    """Check a parsed site.toml and turn it into a SiteConfig."""
    problems: list[Problem] = []

    def line_of(key: str) -> int | None:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith(key):
                return number
        return None

    def text_value(key: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            problems.append(Problem(path, line_of(key), f"`{key}` must be a string"))
            return default
        return value

    for key in data:
        if key not in _KNOWN_KEYS:
            problems.append(Problem(path, line_of(key), f"unknown key `{key}`{_hint(key)}"))
    max_tags = data.get("max_tags", 5)
    if not isinstance(max_tags, int) or isinstance(max_tags, bool) or max_tags < 1:
        problems.append(Problem(path, line_of("max_tags"), "`max_tags` must be a positive integer"))
        max_tags = 5
    raw_html = data.get("raw_html", False)
    if not isinstance(raw_html, bool):
        problems.append(Problem(path, line_of("raw_html"), "`raw_html` must be true or false"))
        raw_html = False
    topics = _parse_topics(path, data.get("topics", []), line_of("[[topics]]"), problems)
    aliases = _parse_aliases(path, data.get("aliases", {}), line_of("[aliases]"), problems)
    sources = _parse_sources(path, data.get("sources", {}), line_of("[sources]"), problems)
    config = SiteConfig(
        root=root,
        title=text_value("title", "Reading list"),
        description=text_value("description", ""),
        base_url=text_value("base_url", ""),
        language=text_value("language", "en"),
        max_tags=max_tags,
        topics=topics,
        aliases=aliases,
        sources=sources,
        raw_html=raw_html,
        source_path=path,
    )
    _check_addresses(config, line_of, problems)
    if problems:
        raise ConfigError(problems)
    return config


def _hint(key: str) -> str:
    close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _check_addresses(
    config: SiteConfig, line_of: Callable[[str], int | None], problems: list[Problem]
) -> None:
    """base_url ends up in every feed and sitemap link, language in every page's `lang`."""
    path = config.source_path
    if config.base_url and not is_web_address(config.base_url):
        message = "`base_url` must be a web address starting http:// or https://"
        problems.append(Problem(path, line_of("base_url"), message))
    if not _LANGUAGE.fullmatch(config.language):
        shown = config.language[:40]
        message = f"`language` must be a language tag such as en or pt-BR, not {shown!r}"
        problems.append(Problem(path, line_of("language"), message))


def _parse_topics(
    path: Path, raw: object, line: int | None, problems: list[Problem]
) -> tuple[TopicRule, ...]:
    if not isinstance(raw, list):
        problems.append(Problem(path, line, "`topics` must be an array of tables ([[topics]])"))
        return ()
    rules = []
    for number, item in enumerate(raw, start=1):
        where = f"topic #{number}"
        if not isinstance(item, dict):
            problems.append(Problem(path, line, f"{where} must be a table with `tag` and `match`"))
            continue
        tag, match = item.get("tag"), item.get("match")
        if not isinstance(tag, str) or not tag.strip():
            problems.append(Problem(path, line, f"{where}: `tag` must be a non-empty string"))
            continue
        if (
            not isinstance(match, list)
            or not match
            or not all(isinstance(m, str) and m.strip() for m in match)
        ):
            problems.append(
                Problem(path, line, f"{where} ({tag}): `match` must be a list of non-empty strings")
            )
            continue
        unknown = set(item) - {"tag", "match"}
        if unknown:
            problems.append(
                Problem(path, line, f"{where} ({tag}): unknown key `{sorted(unknown)[0]}`")
            )
        rules.append(TopicRule(tag.strip(), tuple(m.strip() for m in match)))
    return tuple(rules)


def _parse_aliases(
    path: Path, raw: object, line: int | None, problems: list[Problem]
) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        problems.append(Problem(path, line, '`aliases` must be a table: [aliases] "LLM" = "..."'))
        return ()
    pairs = []
    for synonym, tag in raw.items():
        if not isinstance(tag, str) or not tag.strip() or not synonym.strip():
            problems.append(Problem(path, line, f"alias {synonym!r} must map to a non-empty tag"))
            continue
        pairs.append((synonym.strip(), tag.strip()))
    return tuple(pairs)


def _parse_sources(
    path: Path, raw: object, line: int | None, problems: list[Problem]
) -> SourcesConfig:
    if not isinstance(raw, dict):
        problems.append(Problem(path, line, "`sources` must be a table: [sources]"))
        return SourcesConfig()
    default = SourcesConfig()
    values: dict[str, object] = {}
    for key, value in raw.items():
        where = f"[sources] `{key}`"
        if key not in SourcesConfig.__dataclass_fields__:
            close = difflib.get_close_matches(key, SourcesConfig.__dataclass_fields__, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(Problem(path, line, f"unknown key {where}{hint}"))
            continue
        expected = getattr(default, key)
        if isinstance(expected, str):
            if isinstance(value, str) and re.match(r"https?://[^\s/]+", value, re.IGNORECASE):
                values[key] = value
            else:
                message = f"{where} must be a web address starting http:// or https://"
                problems.append(Problem(path, line, message))
        elif isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            if isinstance(expected, int) and not isinstance(value, int):
                problems.append(Problem(path, line, f"{where} must be a whole number"))
            elif key == "timeout" and value == 0:
                problems.append(Problem(path, line, f"{where} must be more than 0 seconds"))
            else:
                values[key] = value
        else:
            problems.append(Problem(path, line, f"{where} must be a number of at least 0"))
    return replace(default, **values)  # type: ignore[arg-type]


def _toml_error_line(message: str) -> int | None:
    # tomllib reports "... (at line 3, column 7)".
    marker = "at line "
    if marker not in message:
        return None
    digits = message.split(marker, 1)[1].split(",")[0].split(")")[0]
    return int(digits) if digits.isdigit() else None


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1
