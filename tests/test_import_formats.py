"""`sitegen import x.ris` and `x.json` (CSL-JSON): the real exports in ../shared/fixtures/ris/,
a hand-written CSL-JSON file and the CSL-JSON a DOI resolver answered."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_sitegen

FIXTURES = REPO.parent / "shared" / "fixtures"
RIS = FIXTURES / "ris"
SHANNON = "A Mathematical Theory of Communication"
# file -> (titles imported, lines of the records skipped)
EXPECTED = {
    "example_basic.ris": ([SHANNON], []),
    "example_bom.ris": ([], [1]),
    "example_custom_list_tags.ris": ([], [2]),
    "example_empty_tag.ris": (
        [
            "Outcome Measures After Shoulder Stabilization in the Athletic Population: A "
            "Systematic Review of Clinical and Patient-Reported Metrics"
        ],
        [],
    ),
    "example_extraneous_data.ris": (["Title of reference", "The title of the reference"], []),
    "example_full.ris": (["Title of reference", "The title of the reference"], []),
    "example_full_without_whitespace.ris": (
        ["Title of reference", "The title of the reference"],
        [],
    ),
    "example_multi_unknown_tags.ris": ([SHANNON], []),
    "example_multiline.ris": ([], [1, 8, 17]),
    "example_single_unknown_tag.ris": ([SHANNON], []),
    "example_starting_newlines.ris": ([SHANNON], []),
    "example_urls.ris": ([SHANNON], [12, 24, 35]),
}


def papers(site: Path) -> dict[str, dict[str, object]]:
    found = {}
    for path in sorted((site / "content" / "papers").glob("*.md")):
        found[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return found


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (site / "content" / "papers").glob("*.md")}


def test_the_fixture_table_lists_every_ris_file() -> None:
    assert sorted(p.name for p in RIS.glob("*.ris")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_ris_export_imports(make_site: Callable[..., Path], name: str) -> None:
    site = make_site()
    done = run_sitegen("import", RIS / name, "--site", site)
    titles, skipped_lines = EXPECTED[name]
    assert done.code == (0 if titles else 1), done.err
    assert sorted(str(p["title"]) for p in papers(site).values()) == sorted(titles)
    for line in skipped_lines:
        assert f"{RIS / name}:{line}: " in done.out
    assert f"{len(skipped_lines)} skipped" in done.out
    before = snapshot(site)
    again = run_sitegen("import", RIS / name, "--site", site)
    assert again.code == done.code and snapshot(site) == before


def test_ris_fields(make_site: Callable[..., Path]) -> None:
    site = make_site()
    assert run_sitegen("import", RIS / "example_full.ris", "--site", site).code == 0
    paper = papers(site)["title-of-reference"]
    assert paper["authors"] == ["Karl Marx", "Astrid Lindgren"]
    assert paper["year"] == 2014 and paper["url"] == "http://example_url.com"
    assert paper["tags"][:3] == ["Pippi", "Nordwind", "Piraten"]
    assert paper["sources"] == [
        {"file": "example_full.ris", "kind": "ris", "imported": paper["date"]}
    ]
    empty = papers(make_site(name="b"))
    assert empty == {}
    site_b = make_site(name="c")
    run_sitegen("import", RIS / "example_empty_tag.ris", "--site", site_b)
    [other] = papers(site_b).values()
    assert other["doi"] == "10.1177/2325967120950040"  # from a dx.doi.org link
    assert other["tags"][0] == "athlete"  # Embase's `*` for a major topic dropped
    assert other["venue"] == "Orthopaedic Journal of Sports Medicine"


def test_exported_bibtex_reimports_to_the_same_papers(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    site = make_site()
    files = [RIS / name for name, (titles, _) in EXPECTED.items() if titles]
    run_sitegen("import", *files, "--site", site)
    assert run_sitegen("build", "--site", site).code == 0
    exported = tmp_path / "papers.bib"
    shutil.copy(site / "_site" / "papers.bib", exported)
    again = make_site(name="again")
    done = run_sitegen("import", exported, "--site", again)
    assert done.code == 0, done.out + done.err
    keys = ("title", "authors", "year", "venue", "doi", "url", "arxiv")
    first = sorted(tuple(str(p.get(k)) for k in keys) for p in papers(site).values())
    second = sorted(tuple(str(p.get(k)) for k in keys) for p in papers(again).values())
    assert first == second


CSL = [
    {
        "id": "mueller2020",
        "type": "article-journal",
        "title": 'BERT and the M{\\"u}ller &amp; <i>École</i> of 50% gains',
        "author": [{"family": "Müller", "given": "Jörg"}, {"literal": "The ACME Consortium"}],
        "issued": {"date-parts": [[2020, 3]]},
        "DOI": "https://doi.org/10.1000/ABC.123",
        "container-title": "Journal of Things",
        "abstract": "<jats:p>First paragraph.</jats:p><jats:p>Second &lt;one&gt;.</jats:p>",
        "keyword": "contrastive learning, images",
    },
    {"id": "preprint", "title": "A preprint", "URL": "https://arxiv.org/abs/2402.05678v2"},
    {"id": "untitled", "author": [{"family": "Doe"}]},
    "not a record",
    {"id": "baddoi", "title": "Bad DOI", "DOI": "12.34/x"},
]


def test_a_hand_written_csl_json_file(make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site()
    path = tmp_path / "library.json"
    path.write_text(json.dumps(CSL, indent=2, ensure_ascii=False), encoding="utf-8")
    done = run_sitegen("import", path, "--site", site)
    assert done.code == 0, done.err
    assert "2 new, 0 already present, 3 skipped" in done.out
    text = path.read_text(encoding="utf-8").splitlines()
    lines = [n for n, line in enumerate(text, 1) if line == "  {" or line.startswith('  "not')]
    assert f"library.json:{lines[2]}: record `untitled`: no `title`" in done.out
    assert f"library.json:{lines[3]}: record 4 is not a JSON object" in done.out
    assert f"library.json:{lines[4]}: record `baddoi`: DOI '12.34/x' is not a DOI" in done.out
    found = {str(p["title"]): p for p in papers(site).values()}
    bert = found["BERT and the Müller & École of 50% gains"]
    assert bert["authors"] == ["Jörg Müller", "The ACME Consortium"]
    assert bert["year"] == 2020 and bert["doi"] == "10.1000/ABC.123"
    assert bert["venue"] == "Journal of Things"
    assert bert["tags"][:2] == ["contrastive learning", "images"]
    body = (site / "content" / "papers" / "bert-and-the-muller-ecole-of-50-gains.md").read_text()
    assert "First paragraph.\n\nSecond <one>." in body
    assert found["A preprint"]["arxiv"] == "2402.05678v2"
    before = snapshot(site)
    assert run_sitegen("import", path, "--site", site).code == 0
    assert snapshot(site) == before


def test_the_csl_json_a_doi_resolver_answered(
    make_site: Callable[..., Path], tmp_path: Path
) -> None:
    recorded = json.loads((FIXTURES / "doi" / "csljson_science.169.3946.635.json").read_text())
    body = next(e["body"] for e in recorded["exchanges"] if e["status"] == 200)
    path = tmp_path / "frank1970.json"
    path.write_text(body, encoding="utf-8")
    site = make_site()
    done = run_sitegen("import", path, "--site", site)
    assert done.code == 0, done.err
    [paper] = papers(site).values()
    assert str(paper["title"]).startswith("The Structure of Ordinary Water: New data")
    assert paper["authors"] == ["Henry S. Frank"] and paper["year"] == 1970
    assert paper["doi"] == "10.1126/science.169.3946.635" and paper["venue"] == "Science"
