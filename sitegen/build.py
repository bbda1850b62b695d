"""build(site, out): load -> graph -> render -> write. Nothing is written unless all succeed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sitegen.config import SiteConfig, load_config
from sitegen.content import load_papers
from sitegen.errors import ContentError, Problem
from sitegen.graph import build_graph
from sitegen.render import Renderer, theme_dir
from sitegen.writer import WriteReport, check_output_folder, output_lock, write_site

DEFAULT_OUT = "_site"


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made, for the CLI's summary line."""

    out: Path
    papers: int
    tags: int
    pages: int
    write: WriteReport
    warnings: list[Problem]
    seconds: float


def build(site_root: Path, out: Path | None = None) -> BuildResult:
    """Build the site at `site_root` into `out` (default `<site>/_site`)."""
    started = time.perf_counter()
    config = load_config(site_root)
    out = out if out is not None else site_root / DEFAULT_OUT
    check_output_folder(out, site_root)
    papers, warnings = load_papers(config.papers_dir)
    graph = build_graph(papers)
    files = Renderer(config, graph).render_all()
    _add_static(files, config)
    with output_lock(out):
        report = write_site(out, files)
    return BuildResult(
        out=out,
        papers=len(graph.papers),
        tags=len(graph.tags),
        pages=sum(1 for path in files if path.endswith(".html")),
        write=report,
        warnings=warnings,
        seconds=time.perf_counter() - started,
    )


def static_files(config: SiteConfig) -> dict[str, bytes]:
    """The theme's static/ overlaid by the site's own static/, file by file."""
    files: dict[str, bytes] = {}
    for folder in dict.fromkeys((theme_dir() / "static", config.root / "static")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not _is_editor_temp(path.name):
                files[f"static/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return files


def _add_static(files: dict[str, bytes], config: SiteConfig) -> None:
    static = static_files(config)
    clashes = [path for path in static if path in files]
    if clashes:
        folder = config.root / "static"
        raise ContentError([Problem(folder, None, f"{p} clashes with a page") for p in clashes])
    files.update(static)


def _is_editor_temp(name: str) -> bool:
    return name.startswith((".#", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))
