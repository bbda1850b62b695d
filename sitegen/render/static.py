"""The static files of a site: the theme's static/ overlaid by the site's own, file by file."""

from __future__ import annotations

from collections.abc import Iterable

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.errors import ContentError, Problem
from sitegen.fsutil import site_tree
from sitegen.theme import theme_dir


def static_files(config: SiteConfig) -> tuple[dict[str, bytes], list[Problem]]:
    """Every static file by output path (the site's own win over the theme's), and a warning
    for each symlink in the site's static/ that leads out of the site (not copied)."""
    theme, _ = site_tree(theme_dir() / "static", theme_dir())
    own, skipped = site_tree(config.root / "static", config.root)
    files = {urls.static_file(rel): path.read_bytes() for rel, path in {**theme, **own}.items()}
    return files, skipped


def add_static_files(
    files: dict[str, bytes], config: SiteConfig, pages: Iterable[str]
) -> list[Problem]:
    """Add the static files to a build's `files`; one that would replace a page or another
    generated file is an error. Returns the warnings about links left out."""
    static, skipped = static_files(config)
    taken = set(files).union(pages)
    clashes = [path for path in static if path in taken]
    if clashes:
        folder = config.root / "static"
        raise ContentError([Problem(folder, None, f"{p} clashes with a page") for p in clashes])
    files.update(static)
    return skipped
