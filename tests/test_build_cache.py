"""Builds in separate runs reuse what the last one parsed and rendered (.sitegen-cache), on
every core; whatever the edit, the output equals a cold build of the same files."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, paper_text, run_sitegen
from jinja2.bccache import bc_magic
from test_incremental import EDITS, WORDS, many_papers, snapshot, touch_later

from sitegen import urls
from sitegen.build import build, companions, papercache
from sitegen.build import pipeline as build_module
from sitegen.build.pipeline import Builder
from sitegen.build.result import BuildResult
from sitegen.config import CACHE_DIR, load_config
from sitegen.content.models import Paper
from sitegen.render import environment
from sitegen.render import renderer as render
from sitegen.render.itemcache import KeptItems
from sitegen.search import assets as search_assets
from sitegen.search.state import IndexState
from sitegen.workers.forked import can_fork


@pytest.fixture(params=["serial", "parallel"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with work done here, and again split over forked workers."""
    if request.param == "parallel":
        monkeypatch.setattr(render, "PARALLEL_RENDER_FROM", 1)
        monkeypatch.setattr(papercache, "PARALLEL_PARSE_FROM", 1)
    return str(request.param)


def rendered_html(result: BuildResult) -> int:
    """HTML pages rendered (BuildResult.pages counts those; list/papers.js renders too)."""
    return sum(1 for path in result.rendered if path.endswith(".html"))


def fresh_build(site: Path) -> BuildResult:
    """A build by a new Builder, as a new `sitegen build` process makes it."""
    return Builder(site).build()


def cold_copy_build(site: Path, tmp_path: Path) -> Path:
    """The same files built from scratch elsewhere: no cache, no earlier output; only the
    paper map's layout comes along, which is history, not a cache of the papers (a point
    stays put as papers come and go: see site/layout.py)."""
    copy = tmp_path / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("_site", CACHE_DIR))
    if (site / CACHE_DIR / "layout.json").exists():
        (copy / CACHE_DIR).mkdir()
        shutil.copy(site / CACHE_DIR / "layout.json", copy / CACHE_DIR / "layout.json")
    Builder(copy).build()
    return copy / "_site"


ALL_EDITS: dict[str, Callable[[Path], object]] = {
    **EDITS,
    "notes only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "Abstract4 echox.", "New notes."),
    ),
    "abstract only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "A new abstract, echox."),
    ),
    "status only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "Abstract4 echox.", status="read"),
    ),
    "title only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 renamed", "2025-01-05", ("nlp",), "Abstract4 echox."),
    ),
    "date only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2026-01-05", ("nlp",), "Abstract4 echox."),
    ),
    "authors only": lambda s: touch_later(
        s / "content/papers/p04.md",
        paper_text("Paper4 echo", "2025-01-05", ("nlp",), "Abstract4 echox.").replace(
            "tags:", "authors: [Ann Lee, Bo Chen]\ntags:"
        ),
    ),
    "renamed file": lambda s: (s / "content/papers/p04.md").rename(s / "content/papers/p4.md"),
    "alias in config": lambda s: touch_later(
        s / "site.toml", 'title = "T"\n[aliases]\n"nlp" = "language"\n'
    ),
    "theme item template": lambda s: touch_later(
        s / "templates/_paper_item.html", "<li>{{ paper.title }} ({{ root }})</li>\n"
    ),
}


@pytest.mark.parametrize("edit", sorted(ALL_EDITS))
def test_a_rebuild_after_any_edit_equals_a_cold_build(
    make_site: Callable[..., Path], tmp_path: Path, mode: str, edit: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    ALL_EDITS[edit](site)
    fresh_build(site)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def _tagged(number: int, *tags: str) -> Callable[[Path], object]:
    """An edit giving many_papers()'s paper `number` these tags (its other fields kept)."""
    word = WORDS[number]
    date = f"2025-01-{number + 1:02d}"
    text = paper_text(f"Paper{number} {word}", date, tags, f"Abstract{number} {word}x.")
    return lambda s: touch_later(s / f"content/papers/p{number:02d}.md", text)


TAG_EDITS: dict[str, tuple[Sequence[Callable[[Path], object]], Callable[[Path], object]]] = {
    # (made before the first build, the edit)
    "new tag": ((), _tagged(3, "vision", "robots")),
    "tag removed from its last paper": ((_tagged(3, "vision", "robots"),), _tagged(3, "vision")),
    # Two papers tagged "robots", one spelling it "Robots": the tie goes to "Robots", which
    # the other paper's page, its listing entries and the tag's pages show.
    "tag respelled on one of its two papers": (
        (_tagged(3, "vision", "robots"), _tagged(5, "vision", "robots")),
        _tagged(5, "vision", "Robots"),
    ),
    "tag moved to another paper": (
        (_tagged(3, "vision", "robots"),),
        lambda s: (_tagged(3, "vision")(s), _tagged(5, "vision", "robots")(s)),
    ),
}


@pytest.mark.parametrize("edit", sorted(TAG_EDITS))
def test_a_rebuild_after_a_tag_edit_equals_a_cold_build(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    edit: str,
) -> None:
    """Tags appearing, vanishing or respelled change pages of other papers (a tag's name,
    the number of tags on every home page, most of which do not list the paper), or none
    of them."""
    monkeypatch.setattr(urls, "LIST_PAGE_SIZE", 4)
    site = make_site(many_papers())
    before, change = TAG_EDITS[edit]
    for step in before:
        step(site)
    fresh_build(site)
    change(site)
    fresh_build(site)
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_a_new_tag_renders_no_other_paper_s_page(make_site: Callable[..., Path], mode: str) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    TAG_EDITS["new tag"][1](site)
    result = fresh_build(site)
    assert [path for path in result.rendered if path.startswith("papers/")] == ["papers/p03.html"]
    assert "robots" in (site / "_site/index.html").read_text()


def test_a_new_run_renders_only_what_an_edit_shows(
    make_site: Callable[..., Path], mode: str
) -> None:
    site = make_site(many_papers())
    first = fresh_build(site)
    assert rendered_html(first) == first.pages
    assert fresh_build(site).rendered == ()
    ALL_EDITS["notes only"](site)
    again = fresh_build(site)
    assert again.rendered == ("papers/p04.html",)
    assert "New notes." in (site / "_site/papers/p04.html").read_text()


def test_a_page_removed_from_the_output_is_rendered_again(
    make_site: Callable[..., Path], mode: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    (site / "_site/papers/p02.html").unlink()
    (site / "_site/index.html").write_text("defaced")
    result = fresh_build(site)
    assert "papers/p02.html" in result.rendered
    assert "Paper2" in (site / "_site/papers/p02.html").read_text()


def test_damaged_caches_are_rebuilt_not_trusted(
    make_site: Callable[..., Path], tmp_path: Path, mode: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    caches = [
        site / CACHE_DIR / build_module.PAPERS_CACHE,
        site / CACHE_DIR / build_module.COMPANIONS_CACHE,
        *(site / CACHE_DIR).glob("pages-*.pickle"),
        *(site / CACHE_DIR).glob("items-*.pickle"),  # forked workers' too
    ]
    assert len(caches) == 4
    for path in caches:
        path.write_bytes(b"\x80\x05garbage{")
    ALL_EDITS["edit paper"](site)
    result = fresh_build(site)
    assert rendered_html(result) == result.pages  # nothing could be reused
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.parametrize("cut", [False, True], ids=["as appended", "cut short"])
def test_listing_items_a_retag_adds_are_appended_to_those_kept(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: bool
) -> None:
    """The theme's listing items a run rendered are kept for the next: a retag's few are
    appended to the file, not written with every other again, and a new run reads them
    all. Appended items cut short (a run killed meanwhile) are rendered again, and the file
    is then written whole."""
    site = make_site(many_papers())
    fresh_build(site)
    [items] = (site / CACHE_DIR).glob("items-*.pickle")
    first = items.read_bytes()
    to_robots, back = (
        replaced("p03", '"vision"', '"robots"'),
        replaced("p03", '"robots"', '"vision"'),
    )
    to_robots(site)
    fresh_build(site)
    appended = items.read_bytes()
    assert appended.startswith(first) and len(appended) > len(first)
    if cut:
        items.write_bytes(appended[: len(first) + 20])
    added: list[str] = []
    add = KeptItems.add

    def recording(kept: KeptItems, key: str, html: str) -> None:
        added.append(key)
        add(kept, key, html)

    monkeypatch.setattr(KeptItems, "add", recording)
    back(site)
    fresh_build(site)  # p03's items as first rendered: all kept
    assert added == []
    to_robots(site)
    fresh_build(site)  # as appended: kept, unless cut short
    assert len(added) == (1 if cut else 0)
    if cut:
        assert not items.read_bytes().startswith(first)  # written whole: nothing after a cut
        for edit in (back, to_robots):
            edit(site)
            fresh_build(site)
        assert len(added) == 1  # both read from the file written whole
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_listing_items_rendered_by_workers_are_kept_for_the_next_run(
    make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The theme's listing items that forked workers rendered are kept (they ended with the
    workers: a cold build's first retag rendered every item of its listings again)."""
    monkeypatch.setattr(render, "PARALLEL_RENDER_FROM", 1)
    site = make_site(many_papers())
    fresh_build(site)
    [items] = (site / CACHE_DIR).glob("items-*.pickle")
    kept = pickle.loads(items.read_bytes())["items"]
    assert sorted(re.findall(r"Paper\d+", "".join(kept.values()))) == sorted(
        f"Paper{i}" for i in range(12)
    )
    added: list[str] = []
    add = KeptItems.add
    monkeypatch.setattr(
        KeptItems, "add", lambda kept, key, html: (added.append(key), add(kept, key, html))
    )
    monkeypatch.setattr(render, "PARALLEL_RENDER_FROM", 10_000)  # the retag renders here
    replaced("p03", '"vision"', '"robots"')(site)
    result = fresh_build(site)
    assert "index.html" in result.rendered
    assert len(added) == 1  # p03's item, and no other


def test_caches_made_by_other_code_are_not_used(
    make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    monkeypatch.setattr(render, "code_fingerprint", lambda: "another sitegen")
    monkeypatch.setattr(papercache, "code_fingerprint", lambda: "another sitegen")
    result = fresh_build(site)
    assert rendered_html(result) == result.pages


def test_compiled_templates_kept_between_runs_follow_edits_damage_and_code(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    [folder] = (site / CACHE_DIR).glob(f"{environment.CompiledTemplates.PREFIX}*")
    compiled = list(folder.iterdir())
    assert compiled  # the templates a build used, compiled
    for path in compiled:
        path.write_bytes(bc_magic + b"\x80garbage")  # Jinja's header, then damage
    ALL_EDITS["theme item template"](site)  # a site template over the theme's, compiled anew
    fresh_build(site)
    assert "Paper4 echo (../)</li>" in (site / "_site/tags/nlp.html").read_text()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
    monkeypatch.setattr(environment, "code_fingerprint", lambda: "another sitegen")
    touch_later(site / "templates/_paper_item.html", "<li>{{ paper.title }}!</li>\n")
    fresh_build(site)
    assert "Paper4 echo!</li>" in (site / "_site/tags/nlp.html").read_text()
    [other] = (site / CACHE_DIR).glob(f"{environment.CompiledTemplates.PREFIX}*")
    assert other != folder  # the other code's compiled templates are gone, not read
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_the_command_line_rebuild_writes_only_the_edited_page(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = make_site(many_papers())
    assert run_sitegen("build", "--site", site).code == 0
    ALL_EDITS["notes only"](site)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert "papers/p04.html" in (site / "_site/.sitegen-manifest.json").read_text()
    written = int(re.search(r"(\d+) written", run.out).group(1))  # type: ignore[union-attr]
    # The page, and the search files its words are in: index.js, a term shard, its
    # positions, the vocabulary (words.js), the term list (termlist.js) and a store chunk.
    assert 1 <= written <= 7, run.out
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_listings_of_a_custom_item_template_follow_everything_it_shows(
    make_site: Callable[..., Path], mode: str
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    touch_later(
        site / "templates/_paper_item.html", "<li>{{ paper.title }}: {{ paper.notes_html }}</li>\n"
    )
    fresh_build(site)
    ALL_EDITS["notes only"](site)
    result = fresh_build(site)
    assert "index.html" in result.rendered
    assert "New notes." in (site / "_site/index.html").read_text()


def test_builds_into_two_output_folders_keep_their_own_page_caches(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = make_site(many_papers())
    fresh_build(site)
    Builder(site, tmp_path / "elsewhere").build()
    assert fresh_build(site).rendered == ()


def test_a_build_run_from_another_folder_keeps_what_the_last_one_made(
    make_site: Callable[..., Path],
    mode: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`sitegen build` inside the site names its folder `.`, `--site DIR` from elsewhere by
    a path: each keeps what the other made (each parsed and rendered every paper again, and
    made every feed and .bib file anew: 6 s of a one-paper edit at 10,000 papers)."""
    site = make_site(many_papers(), config='title = "T"\nbase_url = "https://example.org/"\n')
    monkeypatch.chdir(site)
    first = build(Path("."))
    assert rendered_html(first) == first.pages
    made, entries = companion_file_rows(site), bib_entry_rows(site)
    monkeypatch.chdir(tmp_path)
    assert build(site).skipped  # the same inputs, however the folder is named
    parsed: list[str] = []
    parse_all = papercache._parse_all

    def counting(paths: list[Path], *args: Any) -> Any:
        parsed.extend(path.name for path in paths)
        return parse_all(paths, *args)

    monkeypatch.setattr(papercache, "_parse_all", counting)
    TAG_EDITS["new tag"][1](site)  # p03, of vision, is of robots too
    retagged = build(site)
    assert [path for path in retagged.rendered if path.startswith("papers/")] == ["papers/p03.html"]
    kept = companion_file_rows(site)
    assert [kept[f"f:tags/nlp.{kind}"] for kind in ("xml", "bib")] == [
        made[f"f:tags/nlp.{kind}"] for kind in ("xml", "bib")
    ]
    assert kept["f:tags/vision.xml"] != made["f:tags/vision.xml"]
    assert {slug: row for slug, row in bib_entry_rows(site).items() if slug != "p03"} == {
        slug: row for slug, row in entries.items() if slug != "p03"
    }
    ALL_EDITS["notes only"](site)
    again = build(Path(os.path.relpath(site)))
    assert (parsed, again.rendered) == (["p03.md", "p04.md"], ("papers/p04.html",))
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def companion_file_rows(site: Path) -> dict[str, bytes]:
    """The companion cache's rows of files: what each was made from, and its digest."""
    with contextlib.closing(
        sqlite3.connect(site / CACHE_DIR / build_module.COMPANIONS_CACHE)
    ) as db:
        rows = db.execute("SELECT key, value FROM rows WHERE key LIKE 'f:%'")
        return dict(rows)


def bib_entry_rows(site: Path) -> dict[str, tuple[str, str, str]]:
    """The companion cache's BibTeX entries: each paper's key between runs, citation key and
    the digest of its entry, by slug."""
    with contextlib.closing(
        sqlite3.connect(site / CACHE_DIR / build_module.COMPANIONS_CACHE)
    ) as db:
        (row,) = db.execute("SELECT value FROM rows WHERE key = ?", (companions.ENTRIES,))
        return companions._read_entries(row[0])


SEARCH_EDITS = ["notes only", "edit paper", "retag paper", "add paper", "delete paper"]
"""The edits of a big site's search: papers only edited (the index updated) or added or
deleted (every later ref moves: built afresh)."""


@pytest.mark.parametrize("edit", SEARCH_EDITS)
def test_serve_updates_a_big_sites_search_in_its_own_process_or_builds_it_in_another(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """`serve`'s builds (in place) build a big site's search index in a spawned process, or
    update the last one in their own process when papers were only edited (no process
    spawned then)."""
    site = make_site(many_papers())
    monkeypatch.setattr(build_module, "SPAWN_SEARCH_FROM", 1)
    Builder(site, in_place=True).build()
    ALL_EDITS[edit](site)
    spawned: list[bool] = []
    real_start = build_module.SearchJob.start

    def start(job: build_module.SearchJob) -> None:
        spawned.append(job.spawned)
        real_start(job)

    monkeypatch.setattr(build_module.SearchJob, "start", start)
    Builder(site, in_place=True).build()
    assert spawned == [edit in ("add paper", "delete paper")]
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("edit", SEARCH_EDITS)
def test_build_updates_a_big_sites_search_in_the_process_it_forks(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """`sitegen build` forks a big site's search as soon as the papers are read; that process
    updates the last index when papers were only edited, else builds it afresh, and saves
    it for the next build once it has sent the files. The build's own process does none of
    it (nor makes the documents' keys), and the process is gone when the build returns."""
    site = make_site(many_papers())
    monkeypatch.setattr(build_module, "SPAWN_SEARCH_FROM", 1)
    fresh_build(site)
    ALL_EDITS[edit](site)
    log = tmp_path / "search-log"  # appended to by whichever process makes the index
    monkeypatch.setattr(search_assets, "build_state", _logged(search_assets.build_state, log))
    monkeypatch.setattr(IndexState, "update", _logged(IndexState.update, log))
    monkeypatch.setattr(search_assets, "save_cache", _logged(search_assets.save_cache, log))
    monkeypatch.setattr(Connection, "send", _logged(Connection.send, log))
    monkeypatch.setattr(build_module, "search_keys", _logged(build_module.search_keys, log))
    fresh_build(site)
    assert multiprocessing.active_children() == []
    calls = [line.split(":") for line in log.read_text().split()]
    made_by = {pid for pid, name in calls if name != "send"}
    assert len(made_by) == 1 and made_by != {str(os.getpid())}
    assert [name for pid, name in calls if pid in made_by] == [
        "search_keys",
        "build_state" if edit in ("add paper", "delete paper") else "update",
        "send",
        "save_cache",
    ]
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.skipif(not can_fork(), reason="forks a process")
@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("lost", [False, True], ids=["output whole", "a search file lost"])
def test_a_forked_search_sends_back_the_bytes_of_changed_files_only(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lost: bool
) -> None:
    """The files the output holds already come back as their digests: the build's own
    process keeps them. One the output lost comes back whole, and is written again."""
    site = make_site(many_papers())
    monkeypatch.setattr(build_module, "SPAWN_SEARCH_FROM", 1)
    fresh_build(site)
    ALL_EDITS["notes only"](site)
    # The store's last chunk holds the oldest papers, not the edited one: unchanged.
    oldest = sorted((site / "_site" / "search").glob("store-*.js"))[-1]
    if lost:
        oldest.unlink()
    sent = tmp_path / "sent"  # what the forked process sent: file bytes, or digests

    def logged(files: Mapping[str, bytes], writer: object) -> object:
        found = unless_held(files, writer)
        kinds = [f"{p}:{'bytes' if isinstance(d, bytes) else 'kept'}" for p, d in found.items()]
        sent.write_text(" ".join(kinds))
        return found

    unless_held = build_module._unless_held
    monkeypatch.setattr(build_module, "_unless_held", logged)
    made_here: list[int] = []
    make = build_module.SearchJob.make
    monkeypatch.setattr(
        build_module.SearchJob, "make", lambda job, *a: made_here.append(1) or make(job, *a)
    )
    result = fresh_build(site)
    kinds = dict(pair.split(":") for pair in sent.read_text().split())
    written = [path for path in result.write.changed_paths if path.startswith("search/")]
    assert kinds[f"search/{oldest.name}"] == ("bytes" if lost else "kept")
    assert "papers/p04.html" in result.write.changed_paths
    # The bytes sent are those of the files written, and only those.
    assert {p for p, kind in kinds.items() if kind == "bytes"} == set(written)
    assert (f"search/{oldest.name}" in written) == lost
    assert made_here == []  # (the forked process's call is not seen here)
    assert oldest.is_file()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def _logged(function: Callable[..., object], log: Path) -> Callable[..., object]:
    """`function`, noting each call's process and name in `log`."""

    def logged(*args: object, **kwargs: object) -> object:
        with log.open("a") as file:
            file.write(f"{os.getpid()}:{function.__name__}\n")
        return function(*args, **kwargs)

    return logged


# `sitegen build -q` with the search index updated in place however few the papers (as a
# big site's is), then which of the heavy numeric libraries the build imported.
BUILD_LISTING_IMPORTS = (
    "import sys; import sitegen.build.pipeline as p; p.SPAWN_SEARCH_FROM = 1; "
    "from sitegen.cli import main; code = main(['build', '-q']); "
    "print('imported:', *(m for m in ('numpy', 'scipy', 'sklearn') if m in sys.modules)); "
    "sys.exit(code)"
)


def imports_of_a_build(site: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", BUILD_LISTING_IMPORTS],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.splitlines()[-1].removeprefix("imported:").strip()


def with_notes(notes: str, tags: tuple[str, ...] = ("nlp",)) -> str:
    return paper_text("Paper4 echo", "2025-01-05", tags, "Abstract4 echox.", notes)


@pytest.mark.parametrize("edit", ["notes", "tags"])
def test_a_notes_or_tags_edit_is_built_without_numpy(
    make_site: Callable[..., Path], tmp_path: Path, edit: str
) -> None:
    """No title or abstract changed: related papers and the map's points and regions stay as
    cached and the search index is updated in place, none of which needs numpy, scipy or
    scikit-learn (importing numpy alone took a tenth of the second a one-paper edit of
    10,000 papers took)."""
    site = make_site({**many_papers(), "p04": with_notes("Notes.")})
    assert "numpy" in imports_of_a_build(site)  # a cold build lays out the map, for one
    if edit == "notes":
        touch_later(site / "content/papers/p04.md", with_notes("Notes, and a second thought."))
    else:
        touch_later(site / "content/papers/p04.md", with_notes("Notes.", ("nlp", "robots")))
    assert imports_of_a_build(site) == ""
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


def test_caches_kept_between_runs_know_a_paper_by_its_file_only_as_parsed(
    make_site: Callable[..., Path],
) -> None:
    site = make_site(many_papers())
    builder = Builder(site)
    graph, _ = builder.load(load_config(site), None)
    paper = graph.papers[0]
    assert builder.papers.key_of(paper) == (f"content/papers/{paper.slug}.md", paper.digest)
    changed = replace(paper, title="Another title")
    assert builder.papers.key_of(changed) is changed


def linked_papers() -> dict[str, str]:
    """Papers that show each other on their pages: each topic's papers share words and tags
    (related papers, with their shared tags), notes cite the paper before (cited by), and
    the map puts each among its neighbours (small maps)."""
    topics = {"vision": "image pixels convolution camera", "speech": "audio waveform acoustic"}
    papers = {}
    for t, (topic, words) in enumerate(topics.items()):
        for n in range(5):
            papers[f"{topic}{n}"] = paper_text(
                f"{topic.title()} paper {n}",
                f"2025-0{t + 1}-{n + 1:02d}",
                (topic, f"{topic} {n % 2}"),
                f"We study {words} in setting {n}.",
                f"Builds on [[{topic}{n - 1}]]." if n else "",
            )
    return papers


def retitled(slug: str, title: str) -> Callable[[Path], object]:
    def edit(site: Path) -> None:
        path = site / f"content/papers/{slug}.md"
        text = path.read_text()
        touch_later(path, re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.M))

    return edit


def replaced(slug: str, old: str, new: str) -> Callable[[Path], object]:
    def edit(site: Path) -> None:
        path = site / f"content/papers/{slug}.md"
        touch_later(path, path.read_text().replace(old, new, 1))

    return edit


SHOWN_EDITS: dict[str, Callable[[Path], object]] = {
    # vision2 is related to the other vision papers, cites vision1, is cited by vision3,
    # sits next to vision1 and vision3 in the list and on their small maps.
    "title of a paper others show": retitled("vision2", "Vision paper two, renamed"),
    "tag count": replaced("speech1", '"speech 1"]', '"speech 1", "vision 0"]'),
    "tag spelling": replaced("vision1", '"vision 1"]', '"Vision 1"]'),  # a tie: "V" first
    "citation added": replaced("speech4", "Builds on", "See [[vision4]]. Builds on"),
    "citation removed": replaced("vision3", "Builds on [[vision2]].", "Builds on nothing."),
    "point moved": replaced("vision2", "We study", "Acoustic audio, we study"),
    "status of a paper others show": replaced("vision2", "\ntags:", "\nstatus: read\ntags:"),
}
COUNTS_PAGE = """{% extends "base.html" %}{% block content %}<h1>{{ paper.title }}</h1>
{% for t in paper.tags %}<i>{{ t.name }} {{ t.count }}</i>{% endfor %}
{% for r in related %}<p>{{ r.title }}: {% for t in r.shared_tags %}{{ t.name }} {{ t.count }}
{% endfor %}</p>{% endfor %}{% for c in cited_by %}<b>{{ c.title }}</b>{% endfor %}
{% for p in nearby %}<a href="{{ p.href }}">{{ p.title }} {{ p.x }} {{ p.y }}</a>{% endfor %}
{{ newer.summary if newer }} {{ older.summary if older }}{% endblock %}"""


SCENARIOS = {
    "theme's templates, new run": ({}, False, "by text"),
    "theme's templates, fixed points": ({}, False, "fixed"),
    "theme's templates, no map": ({}, False, "fixed, no map"),
    "counts shown, kept builder": ({"templates/paper.html": COUNTS_PAGE}, True, "by text"),
    "counts shown, no map": ({"templates/paper.html": COUNTS_PAGE}, True, "fixed, no map"),
}
"""(site's own templates, whether one Builder builds again, how papers are related and
placed): on a site this small every paper is on every small map, and an edit moves points and
reorders related papers by their text, which would hide an edit's other ways to a page."""


def same_topic(_builder: Builder, papers: Sequence[Paper]) -> dict[str, tuple[str, ...]]:
    """Related papers that no edit changes: the others of the topic, by slug."""
    slugs = sorted(p.slug for p in papers)
    return {s: tuple(o for o in slugs if o != s and o[:6] == s[:6]) for s in slugs}


def fixed_points(_builder: Builder, papers: Sequence[Paper]) -> dict[str, tuple[float, float]]:
    """Points that keep their order of distance from each other: a topic a row, a paper
    whose abstract says "Acoustic" a little lower."""
    return {
        p.slug: (
            0.1 * int(p.slug[-1]) ** 1.3,
            (0.2 if p.slug[0] == "v" else 0.8) + 0.002 * ("Acoustic" in p.abstract),
        )
        for p in papers
    }


@pytest.mark.parametrize("edit", sorted(SHOWN_EDITS))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_pages_showing_other_papers_follow_every_edit_of_them(
    make_site: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: str,
    scenario: str,
) -> None:
    """Paper pages are keyed by the faces of the papers and tags they show (see
    SitePages._paper_shows), and the map's neighbours are remembered between runs."""
    files, kept, links = SCENARIOS[scenario]
    if links != "by text":
        monkeypatch.setattr(Builder, "related_of", same_topic)
        monkeypatch.setattr(Builder, "layout_of", fixed_points)
    if links.endswith("no map"):
        monkeypatch.setattr(Builder, "layout_of", lambda self, papers: {})
    site = make_site(linked_papers(), files)
    builder = Builder(site)
    builder.build()
    page = (site / "_site/papers/vision2.html").read_text()
    assert "Vision paper 1" in page and "Vision paper 3" in page  # it shows other papers
    SHOWN_EDITS[edit](site)
    (builder if kept else Builder(site)).build()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


@pytest.mark.parametrize("edit", ["retag paper", "delete paper", "status only"])
def test_every_page_of_a_long_list_follows_what_it_counts(
    make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """The first page of the home list counts tags and statuses, though it lists few papers."""
    monkeypatch.setattr(urls, "LIST_PAGE_SIZE", 4)
    site = make_site(many_papers())
    fresh_build(site)
    ALL_EDITS[edit](site)
    fresh_build(site)
    assert (site / "_site/page/3.html").is_file()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))


INCLUDING = '{% extends "base.html" %}{% block content %}{% include "_part_a.html" %}{% endblock %}'


def test_a_template_that_includes_another_template_now_is_read_again(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    # What a template includes is remembered between runs, by the template's text: once it
    # includes another part, an edit of that part re-renders its pages.
    files = {
        "templates/paper.html": INCLUDING,
        "templates/_part_a.html": "A {{ paper.title }}",
        "templates/_part_b.html": "B {{ paper.title }}",
    }
    site = make_site(many_papers(), files)
    fresh_build(site)
    touch_later(site / "templates/paper.html", INCLUDING.replace("_part_a", "_part_b"))
    fresh_build(site)
    touch_later(site / "templates/_part_b.html", "B, edited: {{ paper.title }}")
    fresh_build(site)
    assert "B, edited: Paper2" in (site / "_site/papers/p02.html").read_text()
    assert snapshot(site / "_site") == snapshot(cold_copy_build(site, tmp_path))
