"""Nothing is lost (#6): builds and imports killed at any moment, builds started together, files
the user put in the output, and manifests that point outside it."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SEEDS, SITE_TOML, paper_text, run_sitegen
from support import write_site

from sitegen import cli, fsutil
from sitegen.config import load_config
from sitegen.errors import ConfigError, Problem
from sitegen.importers import plan as plan_module
from sitegen.importers.merge import run_import
from sitegen.output import journal, writer
from sitegen.output.writer import MANIFEST, output_lock

Snapshot = dict[str, bytes]
TALLY: dict[str, int] = {}


def count(kind: str, n: int = 1) -> None:
    TALLY[kind] = TALLY.get(kind, 0) + n


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    print("\nfault points tried:", dict(sorted(TALLY.items())))


def snapshot(folder: Path) -> Snapshot:
    """Every file under `folder` (symlinks as their target text) by relative path."""
    if not folder.exists():
        return {}
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            files[rel] = b"-> " + os.fsencode(os.readlink(path))
        elif path.is_file():
            files[rel] = path.read_bytes()
    return files


def restore(folder: Path, files: Snapshot) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


def same(a: Snapshot, b: Snapshot) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] for k in a)


# -- SIGKILL of a real `sitegen build` on a 180-paper site -------------------------------------


def _sitegen_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _make_big_site(root: Path) -> Path:
    papers = root / "content" / "papers"
    papers.mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for path in sorted((REPO / "content" / "papers").glob("*.md"))[:180]:
        shutil.copy(path, papers / path.name)
    return root


def _edit_site(root: Path) -> None:
    papers = sorted((root / "content" / "papers").glob("*.md"))
    for path in papers[:10]:
        path.write_text(path.read_text("utf-8") + "\nA note added later.\n", "utf-8")
    for path in papers[-5:]:
        path.unlink()
    for path in sorted((REPO / "content" / "papers").glob("*.md"))[180:185]:
        shutil.copy(path, root / "content" / "papers" / path.name)


def test_build_killed_at_random_moments_leaves_old_or_new_site(tmp_path: Path) -> None:
    site = _make_big_site(tmp_path / "site")
    out = tmp_path / "public"
    assert run_sitegen("build", "--site", site, "--out", out).code == 0
    (out / "CNAME").write_text("papers.example.org")  # the user's own file
    old = snapshot(out)
    _edit_site(site)
    assert run_sitegen("build", "--site", site, "--out", out).code == 0
    new = snapshot(out)
    restore(out, old)
    started = time.monotonic()  # timed with warm caches, as the killed builds will run
    assert run_sitegen("build", "--site", site, "--out", out).code == 0
    seconds = time.monotonic() - started
    assert not same(old, new) and new["CNAME"] == b"papers.example.org"
    rng = random.Random(6)
    outcomes = {"old": 0, "new": 0}
    staging = tmp_path / ".public.sitegen-staging"
    for trial in range(10):
        restore(out, old)
        if trial < 9:  # so its reappearance marks this build's write (the last is left over)
            shutil.rmtree(staging, ignore_errors=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out", str(out)],
            env=_sitegen_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if trial < 3:  # anywhere in the build
            time.sleep(seconds * rng.uniform(0.1, 0.9))
        else:  # in the write, the moment that matters: once staging has begun
            deadline = time.monotonic() + 30
            while not staging.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        writer._recover(out)  # what the next build does first
        now = snapshot(out)
        assert same(now, old) or same(now, new), f"trial {trial}: a mix"
        outcomes["old" if same(now, old) else "new"] += 1
        count("build SIGKILL (subprocess)")
    print(f"\nSIGKILL during `sitegen build`: {outcomes}")
    assert run_sitegen("build", "--site", site, "--out", out).code == 0
    assert same(snapshot(out), new)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]  # no leftovers


# -- SIGKILL at every file operation of the writer (forked, deterministic) ------------------

_PATCHED: list[tuple[Any, str]] = [
    (os, "link"),
    (os, "rename"),
    (os, "replace"),
    (os, "unlink"),
    (os, "rmdir"),
    (os, "mkdir"),
    (os, "open"),
    (shutil, "rmtree"),
]


def _kill_after(limit: int) -> None:
    """In a forked child: SIGKILL ourselves at file operation number `limit`."""
    done = [0]
    for owner, name in _PATCHED:
        original = getattr(owner, name)

        def wrapped(*args: Any, _original: Callable[..., Any] = original, **kw: Any) -> Any:
            if done[0] == limit:
                os.kill(os.getpid(), signal.SIGKILL)
            done[0] += 1
            return _original(*args, **kw)

        setattr(owner, name, wrapped)


def _in_child(work: Callable[[], object], limit: int) -> int:
    """Run `work` in a forked child killed at file operation `limit`: -1 if it was killed,
    1 if it finished first (no operation `limit`), 0 if it failed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            _kill_after(limit)
            work()
            os.write(write, b"done")
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    said = os.read(read, 100)
    os.close(read)
    return -1 if os.WIFSIGNALED(status) else (1 if said == b"done" else 0)


def _site_files(version: int) -> dict[str, bytes]:
    files = {f"papers/p{i}.html": f"paper {i} v1".encode() for i in range(20)}
    files.update({"index.html": b"index v1", "static/style.css": b"css"})
    if version == 2:
        files.update({f"papers/p{i}.html": f"paper {i} v2".encode() for i in range(5)})
        for i in range(15, 20):
            del files[f"papers/p{i}.html"]
        files.update({f"tags/t{i}.html": b"new tag" for i in range(5)})
        files["index.html"] = b"index v2"
    return files


def _built_twice(out: Path) -> tuple[Path, Snapshot, Snapshot]:
    """`out` written by two builds, with a file of the user's in it: (out, after the first
    build, after the second)."""
    write_site(out, _site_files(1))
    (out / "user-notes.txt").write_text("mine")
    old = snapshot(out)
    write_site(out, _site_files(2))
    return out, old, snapshot(out)


def _journal_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sitegen-staging" / journal.JOURNAL


@pytest.mark.parametrize("first", [False, True], ids=["edit", "first build"])
def test_writer_killed_at_every_operation_leaves_old_or_new(tmp_path: Path, first: bool) -> None:
    out = tmp_path / "out"
    if not first:
        write_site(out, _site_files(1))
        (out / "user-notes.txt").write_text("mine")
    old = snapshot(out)
    write_site(out, _site_files(2))
    new = snapshot(out)
    assert first or new["user-notes.txt"] == b"mine"
    outcomes = {"old": 0, "new": 0, "new after recovery": 0}
    limit = 0
    while True:
        restore(out, old)  # for a first build: no output folder
        for leftover in tmp_path.glob(".out.*"):
            shutil.rmtree(leftover)
        result = _in_child(lambda: write_site(out, _site_files(2)), limit)
        # Until the commit's journal is written the output is not touched at all.
        committing = _journal_of(out).exists()
        assert committing or same(snapshot(out), old) or same(snapshot(out), new), limit
        writer._recover(out)  # what the next build does first
        now = snapshot(out)
        assert same(now, old) or same(now, new), f"kill at operation {limit}: a mix"
        outcomes["new after recovery" if committing else "old" if same(now, old) else "new"] += 1
        write_site(out, _site_files(2))  # the next build finishes the job, losing nothing
        assert same(snapshot(out), new), f"kill at operation {limit}: not recovered"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
        count(f"writer SIGKILL ({'first build' if first else 'edit'})")
        if result != -1:
            break
        limit += 1
    print(f"\nwriter killed at each of {limit} operations: {outcomes}")
    assert limit > 5 if first else limit > 20 and outcomes["new after recovery"] > 10


def _killed_while_committing(out: Path, limit: int) -> bool:
    """Restore the old output, then kill a write of the new at operation `limit`: whether
    that left a commit under way."""
    _in_child(lambda: write_site(out, _site_files(2)), limit)
    return _journal_of(out).exists()


def test_recovery_killed_at_every_operation_still_ends_whole_new(tmp_path: Path) -> None:
    out, old, new = _built_twice(tmp_path / "out")
    commit_points = 0
    for limit in range(200):
        restore(out, old)
        for leftover in tmp_path.glob(".out.*"):
            shutil.rmtree(leftover)
        if not _killed_while_committing(out, limit):
            continue
        commit_points += 1
        recovery_kill = 0
        while _in_child(lambda: writer._recover(out), recovery_kill) == -1:
            recovery_kill += 1  # killed again: the next run resumes once more
            count("recovery SIGKILL")
        writer._recover(out)
        assert same(snapshot(out), new), f"commit killed at {limit}, recovery at {recovery_kill}"
        write_site(out, _site_files(2))
        assert same(snapshot(out), new)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert commit_points > 10


def _fail_once_at(patch: pytest.MonkeyPatch, limit: int) -> list[int]:
    """Make file operation number `limit` fail with an OSError (a full disk, say); the
    number of operations so far."""
    done = [0]
    for owner, name in _PATCHED:
        original = getattr(owner, name)

        def wrapped(*args: Any, _original: Callable[..., Any] = original, **kw: Any) -> Any:
            done[0] += 1
            if done[0] - 1 == limit:
                raise OSError(28, "No space left on device (test)")
            return _original(*args, **kw)

        patch.setattr(owner, name, wrapped)
    return done


def test_writer_failing_at_any_operation_leaves_old_or_new_and_the_next_build_is_whole(
    tmp_path: Path,
) -> None:
    out, old, new = _built_twice(tmp_path / "out")
    failed = {"old": 0, "new": 0}
    for limit in range(200):
        restore(out, old)
        for leftover in tmp_path.glob(".out.*"):
            shutil.rmtree(leftover)
        with pytest.MonkeyPatch.context() as patch:
            done = _fail_once_at(patch, limit)
            try:
                write_site(out, _site_files(2))
            except OSError:
                failed["old" if same(snapshot(out), old) else "new"] += 1
        if done[0] <= limit:
            break  # the write has no operation `limit`
        now = snapshot(out)  # no recovery: the failed build cleaned up after itself
        assert same(now, old) or same(now, new), f"failure at operation {limit}: a mix"
        write_site(out, _site_files(2))
        assert same(snapshot(out), new)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
        count("writer OSError")
    print(f"\nwriter failing at each of {limit} operations: {failed}")
    assert failed["old"] >= 3 and failed["new"] > 10, failed


# -- SIGKILL during `import` -------------------------------------------------------------------


def test_import_killed_midway_leaves_every_file_untouched_or_complete(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    dumps = sorted(SEEDS.glob("*.txt"))
    config = load_config(site)
    today = dt.date(2026, 1, 15)
    run_import(config, dumps[:1], 2025, today)
    papers = site / "content" / "papers"
    before = snapshot(papers)
    # The import ledger too: papers it lists that are missing would count as deleted.
    ledger = site / "content" / ".sitegen-ledger.yaml"
    ledger_before = ledger.read_bytes()
    run_import(config, dumps[1:2], 2025, today)
    after = snapshot(papers)
    assert len(after) > len(before) and any(before[k] != after[k] for k in before)
    limits = list(range(0, 16)) + list(range(16, 4000, 61))
    killed = 0
    for limit in limits:
        restore(papers, before)
        ledger.write_bytes(ledger_before)
        result = _in_child(lambda: run_import(config, dumps[1:2], 2025, today), limit)
        now = {k: v for k, v in snapshot(papers).items() if not k.startswith(".")}
        for name, data in now.items():
            assert data in (before.get(name), after.get(name)), f"{name} half-written at {limit}"
        assert before.keys() <= now.keys() <= after.keys()
        count("import SIGKILL")
        if result != -1:
            break
        killed += 1
    assert killed > 20
    print(f"\nimport killed at {killed} points: every file old or complete")


def test_import_never_overwrites_a_file_edited_or_created_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    papers = site / "content" / "papers"
    papers.mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    dumps = sorted(SEEDS.glob("*.txt"))
    config = load_config(site)
    run_import(config, dumps[:1], 2025, dt.date(2026, 1, 15))
    original_write = plan_module.ImportPlan.write
    edited: dict[Path, bytes] = {}

    def write_after_the_user(self: plan_module.ImportPlan) -> list[Any]:
        changed = [s for s, p in self.original.items() if self.current[s] != p]
        path = papers / f"{changed[0]}.md"
        edited[path] = path.read_bytes() + b"\nMy own note, typed during the import.\n"
        path.write_bytes(edited[path])
        fresh = papers / f"{self.new[0]}.md"
        edited[fresh] = b"---\ntitle: Mine\ndate: 2025-01-01\n---\nI wrote this first.\n"
        fresh.write_bytes(edited[fresh])
        return original_write(self)

    monkeypatch.setattr(plan_module.ImportPlan, "write", write_after_the_user)
    report = run_import(config, dumps[1:2], 2025, dt.date(2026, 1, 15))
    for path, data in edited.items():
        assert path.read_bytes() == data
    messages = [str(p) for p in report.failed_files]
    assert any("was edited while importing: left alone" in m for m in messages), messages
    assert any("was created while importing: left alone" in m for m in messages), messages
    count("import race", 2)


def test_atomic_create_refuses_to_replace(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("user")
    with pytest.raises(FileExistsError):
        fsutil.atomic_create_bytes(path, b"import")
    assert path.read_text() == "user" and [p.name for p in tmp_path.iterdir()] == ["a.md"]


# -- builds at once ----------------------------------------------------------------------------


def _small_site(root: Path) -> Path:
    papers = root / "content" / "papers"
    papers.mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for i in range(30):
        (papers / f"p{i}.md").write_text(paper_text(f"Paper {i}", tags=("vision",)), "utf-8")
    return root


def test_two_builds_at_once_both_finish_and_the_output_is_whole(tmp_path: Path) -> None:
    site = _small_site(tmp_path / "site")
    reference = tmp_path / "reference"
    assert run_sitegen("build", "--site", site, "--out", reference).code == 0
    command = [sys.executable, "-m", "sitegen", "build", "--site", str(site)]
    runs = [
        subprocess.Popen(command, env=_sitegen_env(), stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0 and "Traceback" not in err, err
    assert same(snapshot(site / "_site"), snapshot(reference))
    count("concurrent builds", 3)


def test_a_build_waits_for_the_lock_then_writes(tmp_path: Path) -> None:
    site = _small_site(tmp_path / "site")
    out = site / "_site"
    holder = threading.Event()

    def hold() -> None:
        with output_lock(out):
            holder.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold)
    thread.start()
    holder.wait()
    started = time.monotonic()
    run = run_sitegen("build", "--site", site)
    thread.join()
    assert run.code == 0, run.err
    assert time.monotonic() - started >= 1.4
    count("concurrent builds")


def test_a_build_that_cannot_get_the_lock_refuses_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = _small_site(tmp_path / "site")
    monkeypatch.setattr(writer, "LOCK_WAIT_SECONDS", 0.3)
    with output_lock(site / "_site"):
        code = cli.main(["build", "--site", str(site)])
    err = capsys.readouterr().err
    assert code == 1
    assert (
        f"sitegen: error: another sitegen build (or serve) has been writing {site / '_site'}" in err
    )
    assert not (site / "_site").exists()
    count("concurrent builds")


# -- the output folder and nothing else --------------------------------------------------------


def test_build_touches_nothing_outside_its_output(tmp_path: Path) -> None:
    site = _small_site(tmp_path / "site")
    (tmp_path / "neighbour.txt").write_text("keep")
    before = snapshot(tmp_path)
    assert run_sitegen("build", "--site", site).code == 0
    after = snapshot(tmp_path)
    outside = {
        k
        for k in after.keys() ^ before.keys()
        if not k.startswith(("site/_site/", "site/.sitegen-cache/"))
    }
    assert outside == set()
    assert all(after[k] == v for k, v in before.items())


def test_manifest_pointing_outside_the_output_deletes_nothing_there(tmp_path: Path) -> None:
    site = _small_site(tmp_path / "site")
    out = site / "_site"
    assert run_sitegen("build", "--site", site).code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest.update({"../../victim.txt": "x", str(victim): "x", "papers/../../../victim.txt": "x"})
    (out / MANIFEST).write_text(json.dumps(manifest))
    (site / "content" / "papers" / "p0.md").unlink()
    assert run_sitegen("build", "--site", site).code == 0
    write_site(out, {"index.html": b"x"}, in_place=True)
    (out / MANIFEST).write_text(json.dumps({"../../victim.txt": "x"}))
    write_site(out, {"index.html": b"y"}, in_place=True)
    assert victim.read_text() == "precious"
    count("hostile manifest", 2)


def test_writer_refuses_paths_leading_outside(tmp_path: Path) -> None:
    for bad in ("../x.html", "/etc/x", "a/../../x", "a\\..\\x", "C:/x", "a\x00b", "", "a//b"):
        with pytest.raises(writer.SiteError):
            write_site(tmp_path / "out", {bad: b"x"})
        count("unsafe output path")
    assert not (tmp_path / "out").exists() and not list(tmp_path.iterdir())


def test_a_manifest_is_read_without_the_paths_that_would_lead_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    good = {"index.html": "a", "tags/x.html": "b", ".hidden": "c", "a..b/c.": "d"}
    (out / MANIFEST).write_text(json.dumps(good))
    assert writer.read_manifest(out) == good
    for bad in (
        "../x.html",
        "/etc/x",
        "a/../../x",
        "a\\..\\x",
        "C:/x",
        "a\x00b",
        "",
        "a//b",
        "./x",
    ):
        (out / MANIFEST).write_text(json.dumps({**good, bad: "x"}))
        assert writer.read_manifest(out) == good, bad


def test_user_file_where_a_page_goes_is_refused_not_replaced(tmp_path: Path) -> None:
    site = _small_site(tmp_path / "site")
    assert run_sitegen("build", "--site", site).code == 0
    (site / "_site" / "tags" / "vision.html").unlink()
    manifest = json.loads((site / "_site" / MANIFEST).read_text())
    del manifest["tags/vision.html"]
    (site / "_site" / MANIFEST).write_text(json.dumps(manifest))
    (site / "_site" / "tags" / "vision.html").write_text("my own page")
    run = run_sitegen("build", "--site", site)
    assert run.code == 2 and "was not written by sitegen" in run.err
    assert (site / "_site" / "tags" / "vision.html").read_text() == "my own page"


def test_foreign_file_added_while_a_staging_folder_is_discarded_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_site(out, _site_files(1))
    staging = tmp_path / ".out.sitegen-staging"
    shutil.copytree(out, staging)
    (staging / "dropped-during-build.txt").write_text("mine")
    write_site(out, _site_files(2))
    assert (out / "dropped-during-build.txt").read_text() == "mine"
    assert not staging.exists()
    (staging).mkdir()
    (staging / "thesis.tex").write_text("not sitegen's")
    with pytest.raises(writer.UsageError):
        write_site(out, _site_files(1))
    assert (staging / "thesis.tex").read_text() == "not sitegen's"


def _fail_with_content_error(path: str) -> None:
    raise ConfigError(
        [Problem(Path(path), 7, "`base_url` must be a URL"), Problem(None, None, "x")]
    )


def test_an_input_error_raised_in_a_worker_process_reaches_the_build_whole() -> None:
    """Feeds, .bib files and the search index are made in worker processes: a problem found
    there must reach the user as the same file:line message, not a pickling traceback."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        future = pool.submit(_fail_with_content_error, "site.toml")
        with pytest.raises(ConfigError) as caught:
            future.result()
    assert str(caught.value) == "x\nsite.toml:7: `base_url` must be a URL"
    assert [(p.path, p.line) for p in caught.value.problems] == [
        (None, None),
        (Path("site.toml"), 7),
    ]
