"""A build that changes a few files touches only those, and its output equals a cold build's;
files sitegen did not write stay, even when they turn up while a build commits (#17)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import paper_text
from support import write_site

from sitegen.build import build
from sitegen.errors import UsageError
from sitegen.output import journal, writer
from sitegen.output.writer import MANIFEST


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under `folder`, the manifest included."""
    return {
        path.relative_to(folder).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in folder.rglob("*")
    }


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*")}


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}"))


def test_a_one_paper_edit_touches_only_the_files_it_changes(make_site, tmp_path):
    papers = {f"p{i}": paper_text(f"Paper {i}", tags=("vision",)) for i in range(8)}
    site = make_site(papers)
    out = site / "_site"
    build(site)
    before = inodes(out)
    (site / "content" / "papers" / "p3.md").write_text(
        paper_text("Paper 3", tags=("vision",), notes="A note added later.")
    )
    result = build(site)
    assert "papers/p3.html" in result.write.changed_paths
    after = inodes(out)
    touched = {p for p in after if after[p] != before.get(p)}
    assert touched == {*result.write.changed_paths, MANIFEST}
    assert len(touched) < len(after) / 3
    assert siblings(out) == []
    cold = tmp_path / "cold"
    build(site, cold)
    assert tree(out) == tree(cold)


def test_deleted_and_added_papers_and_a_file_deleted_by_hand_equal_a_cold_build(
    make_site, tmp_path
):
    papers = {f"p{i}": paper_text(f"Paper {i}", tags=(f"topic{i % 3}",)) for i in range(9)}
    site = make_site(papers)
    out = site / "_site"
    build(site)
    folder = site / "content" / "papers"
    for i in (0, 3, 6):  # every paper of topic0: its tag page goes
        (folder / f"p{i}.md").unlink()
    (folder / "fresh.md").write_text(paper_text("Fresh", tags=("newtopic",)))
    (out / "papers" / "p1.html").unlink()
    result = build(site)
    assert "tags/topic0.html" in result.write.changed_paths
    assert (out / "papers" / "p1.html").is_file()
    cold = tmp_path / "cold"
    build(site, cold)
    assert tree(out) == tree(cold)
    assert siblings(out) == []


def test_folders_left_empty_go_and_the_manifest_drops_files_deleted_by_hand(tmp_path):
    out = tmp_path / "out"
    first = {"index.html": b"1", "tags/x/page/2.html": b"2", "tags/y.html": b"3"}
    write_site(out, first)
    (out / "tags" / "y.html").unlink()  # by hand; the next build has no such page
    report = write_site(out, {"index.html": b"1"})
    assert report.removed == 1 and report.written == 0
    fresh = tmp_path / "fresh"
    write_site(fresh, {"index.html": b"1"})
    assert tree(out) == tree(fresh)
    assert json.loads((out / MANIFEST).read_text()) == {"index.html": writer_digest(b"1")}


def test_a_file_deleted_by_hand_is_written_again(tmp_path):
    out = tmp_path / "out"
    files = {"index.html": b"1", "papers/a.html": b"a", "papers/b.html": b"b"}
    write_site(out, files)
    (out / "papers" / "a.html").unlink()
    report = write_site(out, files)
    assert report.changed_paths == ("papers/a.html",)
    assert (out / "papers" / "a.html").read_bytes() == b"a"


def writer_digest(data: bytes) -> str:
    return writer.hashlib.sha1(data).hexdigest()


def test_a_user_file_in_the_way_of_a_page_is_refused_and_nothing_changes(tmp_path):
    out = tmp_path / "out"
    write_site(out, {"index.html": b"1"})
    (out / "tags").write_text("my own file, where the tags folder goes")
    (out / "extra.html").mkdir()
    (out / "extra.html" / "notes.txt").write_text("mine")
    before = tree(out)
    for page, blocker in (("tags/t.html", "tags"), ("extra.html", "extra.html/notes.txt")):
        with pytest.raises(UsageError) as refused:
            write_site(out, {"index.html": b"2", page: b"page"})
        assert f"{out / blocker} was not written by sitegen" in str(refused.value)
        assert tree(out) == before
        assert siblings(out) == []


def test_a_file_the_user_makes_while_a_build_commits_wins_and_is_reported(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_site(out, {"index.html": b"1"})
    apply = journal._apply

    def user_first(staging: Path, out_: Path, plan: journal.Plan) -> list[str]:
        (out / "new.html").write_text("the user's")
        return apply(staging, out_, plan)

    monkeypatch.setattr(journal, "_apply", user_first)
    report = write_site(out, {"index.html": b"2", "new.html": b"sitegen's"})
    assert (out / "new.html").read_text() == "the user's"
    assert (out / "index.html").read_bytes() == b"2"
    assert report.foreign == ["new.html"]
    assert "new.html" not in json.loads((out / MANIFEST).read_text())
    monkeypatch.undo()
    with pytest.raises(UsageError, match=r"new\.html was not written by sitegen"):
        write_site(out, {"index.html": b"3", "new.html": b"sitegen's"})


def test_a_folder_the_user_puts_where_a_page_is_replaced_stays_and_is_reported(
    tmp_path, monkeypatch
):
    out = tmp_path / "out"
    write_site(out, {"index.html": b"1", "about.html": b"1"})
    apply = journal._apply

    def user_first(staging: Path, out_: Path, plan: journal.Plan) -> list[str]:
        (out / "about.html").unlink()
        (out / "about.html").mkdir()
        (out / "about.html" / "draft.txt").write_text("the user's")
        return apply(staging, out_, plan)

    monkeypatch.setattr(journal, "_apply", user_first)
    report = write_site(out, {"index.html": b"2", "about.html": b"2"})
    assert (out / "about.html" / "draft.txt").read_text() == "the user's"
    assert (out / "index.html").read_bytes() == b"2"
    assert report.foreign == ["about.html"]
    assert "about.html" not in json.loads((out / MANIFEST).read_text())


def test_a_folder_turned_into_a_link_out_during_a_build_is_not_written_through(
    tmp_path, monkeypatch
):
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "old.html").write_text("not the output's")
    write_site(out, {"index.html": b"1", "papers/old.html": b"old", "papers/a.html": b"a"})
    apply = journal._apply

    def swap_folder_first(staging: Path, out_: Path, plan: journal.Plan) -> list[str]:
        shutil.rmtree(out / "papers")
        (out / "papers").symlink_to(elsewhere)
        return apply(staging, out_, plan)

    monkeypatch.setattr(journal, "_apply", swap_folder_first)
    report = write_site(out, {"index.html": b"2", "papers/a.html": b"a2", "papers/b.html": b"b"})
    assert sorted(p.name for p in elsewhere.iterdir()) == ["old.html"]
    assert (elsewhere / "old.html").read_text() == "not the output's"
    assert sorted(report.foreign) == ["papers/a.html", "papers/b.html"]
    assert json.loads((out / MANIFEST).read_text()) == {"index.html": writer_digest(b"2")}


def test_a_damaged_journal_or_one_leading_outside_is_never_followed(tmp_path):
    out = tmp_path / "out"
    write_site(out, {"index.html": b"1"})
    (tmp_path / "neighbour.txt").write_text("keep")
    (tmp_path / "escape.html").write_text("not to be moved")
    before = tree(out)
    staging = tmp_path / ".out.sitegen-staging"
    staging.mkdir()
    (staging / MANIFEST).write_text("{}")
    outside = json.dumps({"create": ["../escape.html"], "remove": ["../neighbour.txt", "/x"]})
    for damaged in ('{"create": ["index.html"', "[1]", '{"create": 7}', outside):
        (staging / journal.NEXT_MANIFEST).write_bytes((out / MANIFEST).read_bytes())
        (staging / journal.JOURNAL).write_text(damaged)
        writer._recover(out)
        assert tree(out) == before
        assert (tmp_path / "neighbour.txt").read_text() == "keep"
        assert (tmp_path / "escape.html").read_text() == "not to be moved"
    write_site(out, {"index.html": b"2"})
    assert siblings(out) == []


def test_a_build_that_changes_nothing_makes_no_staging_commit(tmp_path, monkeypatch):
    out = tmp_path / "out"
    files = {"index.html": b"1", "papers/a.html": b"a"}
    write_site(out, files)
    before = {**inodes(out), "mtime": os.stat(out / MANIFEST).st_mtime_ns}
    monkeypatch.setattr(journal, "commit", None)  # would fail if called
    report = write_site(out, files)
    assert report.written == report.removed == 0
    assert {**inodes(out), "mtime": os.stat(out / MANIFEST).st_mtime_ns} == before
    assert siblings(out) == []


def test_the_manifest_reads_as_before_sorted_one_entry_a_line():
    hashes = {"b.html": "2", "a/é.html": "1", 'odd"name,\n.html': "3"}
    assert journal.manifest_bytes(hashes) == json.dumps(hashes, sort_keys=True, indent=0).encode()
    assert journal.manifest_bytes({}) == b"{}"
