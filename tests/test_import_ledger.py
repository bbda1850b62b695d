"""A list that only grows when you want it to (issue 13): deleted papers stay deleted,
near-duplicates are caught, every new paper gets a tag."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen.content.papers import load_papers

ABSTRACT = "We study {topic} in depth. Experiments on ten benchmarks show consistent gains."


def dump(folder: Path, titles: list[str], topic: str = "images", name: str = "d.txt") -> Path:
    blocks = ["Daily Papers", "Mar 17"]
    for title in titles:
        blocks += [title, ABSTRACT.format(topic=topic)]
    path = folder / name
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def slugs(site: Path) -> list[str]:
    return sorted(p.stem for p in (site / "content" / "papers").glob("*.md"))


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Path:
    return make_site()


def test_deleted_papers_stay_deleted_until_restored(site: Path, tmp_path: Path) -> None:
    source = dump(tmp_path, ["First paper", "Second paper", "Third paper"])
    assert run_sitegen("import", source, "--site", site, "--year", "2025").code == 0
    ledger = site / "content" / ".sitegen-ledger.yaml"
    assert "slug: first-paper" in ledger.read_text("utf-8")
    (site / "content" / "papers" / "first-paper.md").unlink()  # deleted by hand
    done = run_sitegen("remove", "second-paper", "--site", site)
    assert done.code == 0, done.err
    assert slugs(site) == ["third-paper"]
    again = run_sitegen("import", source, "--site", site, "--year", "2025")
    assert again.out.splitlines()[:2] == [
        "0 new, 1 already present, 0 skipped",
        "Not imported again, deleted earlier: first-paper, second-paper "
        "(`sitegen import --restore` brings them back)",
    ]
    assert slugs(site) == ["third-paper"]
    assert ledger.read_text("utf-8").count("removed:") == 2
    built = run_sitegen("build", "--site", site)
    assert built.code == 0 and "ledger" not in built.err
    assert not list((site / "_site").rglob("*ledger*"))
    back = run_sitegen("import", source, "--site", site, "--year", "2025", "--restore")
    assert "Restored (deleted earlier): first-paper, second-paper" in back.out
    assert slugs(site) == ["first-paper", "second-paper", "third-paper"]
    assert "removed:" not in ledger.read_text("utf-8")


def test_remove_refuses_unknown_slugs_and_deletes_nothing(site: Path, tmp_path: Path) -> None:
    run_sitegen("import", dump(tmp_path, ["First paper"]), "--site", site, "--year", "2025")
    done = run_sitegen("remove", "first-paper", "no-such-paper", "--site", site)
    assert done.code == 1
    assert "no-such-paper.md: no such paper: nothing was removed" in done.err
    assert slugs(site) == ["first-paper"]


def test_near_duplicate_titles_are_one_paper_or_listed(site: Path, tmp_path: Path) -> None:
    first = dump(tmp_path, ["Masked Auto-encoders Are Scalable Vision Learners"], name="a.txt")
    second = dump(
        tmp_path,
        [
            "Masked Autoencoders are scalable vision learners\u2019",  # a stray quote
            "Self\u2013supervised pretraining for images",  # an en dash
            "Self-supervised pre-training for images",
            "Masked Autoencoders Are Scalable Vision Learner",
        ],
        name="b.txt",
    )
    done = run_sitegen("import", first, second, "--site", site, "--year", "2025")
    assert done.code == 0, done.err
    assert slugs(site) == [
        "masked-auto-encoders-are-scalable-vision-learners",
        "masked-autoencoders-are-scalable-vision-learner",
        "self-supervised-pretraining-for-images",
    ]
    assert (
        "  masked-autoencoders-are-scalable-vision-learner: possible duplicate of "
        "masked-auto-encoders-are-scalable-vision-learners" in done.out.splitlines()
    )


def test_every_new_paper_gets_a_tag(site: Path, tmp_path: Path) -> None:
    # The topic rules tag these by their titles; nothing in the last one matches a rule.
    tagged = dump(tmp_path, [f"Contrastive study {n}" for n in range(3)], "banana ripeness")
    untagged = dump(tmp_path, ["A quiet paper"], "banana ripeness", name="u.txt")
    run_sitegen("import", tagged, "--site", site, "--year", "2025")
    done = run_sitegen("import", untagged, "--site", site, "--year", "2025")
    lines = done.out.splitlines()
    heading = "Suggested tags (no keyword or topic rule matched; tagged like the nearest papers):"
    assert lines[lines.index(heading) + 1] == "  a-quiet-paper: contrastive learning"
    papers = {p.slug: p for p in load_papers(site / "content" / "papers")[0]}
    assert papers["a-quiet-paper"].tags == ("contrastive learning",)
