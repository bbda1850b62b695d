"""The static files of a site: the theme's static/ overlaid by the site's own, file by file."""

from __future__ import annotations

from collections.abc import Iterable

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.errors import ContentError, Problem
from sitegen.fsutil import is_editor_temp
from sitegen.theme import theme_dir


def static_files(config: SiteConfig) -> dict[str, bytes]:
    """Every static file by output path; the site's own win over the theme's."""
    files: dict[str, bytes] = {}
    for folder in dict.fromkeys((theme_dir() / "static", config.root / "static")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not is_editor_temp(path.name):
                files[urls.static_file(path.relative_to(folder).as_posix())] = path.read_bytes()
    return files


def add_static_files(files: dict[str, bytes], config: SiteConfig, pages: Iterable[str]) -> None:
    """Add the static files to a build's `files`; one that would replace a page or another
    generated file is an error."""
    static = static_files(config)
    taken = set(files).union(pages)
    clashes = [path for path in static if path in taken]
    if clashes:
        folder = config.root / "static"
        raise ContentError([Problem(folder, None, f"{p} clashes with a page") for p in clashes])
    files.update(static)
