"""The paper map: map.html with its regions and data script, the small map on each paper page,
and the layout (deterministic, cached, new papers placed without moving the others)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import paper_text, read_html, run_sitegen

from sitegen.build.pipeline import Builder
from sitegen.content.models import Paper
from sitegen.site import layout as layout_module
from sitegen.site import related as related_module
from sitegen.site.layout import LayoutCache, compute_layout
from sitegen.site.related import TextModel, compute_related

TOPICS = {
    "vision": "image pixels convolution segmentation detection camera",
    "language": "text tokens translation grammar sentence vocabulary",
    "audio": "speech sound waveform acoustic spectrogram microphone",
}


def topic_papers(per_topic: int = 4) -> dict[str, str]:
    papers = {}
    for topic, words in TOPICS.items():
        for n in range(per_topic):
            papers[f"{topic}-{n}"] = paper_text(
                f"{topic.title()} study {n}: {words.split()[n]}",
                f"2025-0{1 + n % 3}-0{1 + n}",
                (topic,),
                f"We study {words} with {words.split()[-1 - n]} {n}.",
            ).replace("\ntags:", f"\nyear: {2020 + n}\ntags:", 1)
    return papers


def map_script(path: Path, name: str) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    prefix = f"window.{name}="
    assert text.startswith(prefix)
    return dict(json.loads(text[len(prefix) :].rstrip().removesuffix(";")))


def map_data(site: Path) -> dict[str, object]:
    """The map's points with their tags, as static/map/ui.js joins its two files."""
    points = map_script(site / "_site" / "map" / "data.js", "SitegenMapData")
    tagging = map_script(site / "_site" / "map" / "tags.js", "SitegenMapTags")
    assert points["order"] == tagging["order"]
    return points | tagging


def points(site: Path) -> dict[str, tuple[int, int]]:
    data = map_data(site)
    xy = list(data["xy"])  # type: ignore[call-overload]
    slugs = list(data["slug"])  # type: ignore[call-overload]
    return {slug: (xy[2 * i], xy[2 * i + 1]) for i, slug in enumerate(slugs)}


def build(site: Path, *extra: str) -> None:
    run = run_sitegen("build", "--site", site, *extra)
    assert run.code == 0, run.err


def region_papers(site: Path) -> dict[str, list[str]]:
    """Region label -> the paper links of its page, following map.html's region links."""
    page = read_html(site / "_site" / "map.html")
    found = {}
    for link in page.select(".map-regions ul a"):
        region = read_html(site / "_site" / link["href"])
        assert region.select_one("h1").text == link.text
        assert region.select_one(".breadcrumb a")["href"] == "../map.html"
        found[link.text] = [a["href"] for a in region.select(".map-region-papers a")]
    return found


def test_map_page_lists_every_paper_by_region_and_is_linked_from_the_header(make_site):
    site = make_site(topic_papers())
    build(site)
    found = region_papers(site)
    links = [href for hrefs in found.values() for href in hrefs]
    assert sorted(links) == sorted(f"../papers/{slug}.html" for slug in topic_papers())
    assert set(found) <= {"vision", "language", "audio"} | {
        f"{a} · {b}" for a in TOPICS for b in TOPICS
    }
    page = read_html(site / "_site" / "map.html")
    assert page.select_one("canvas#map-canvas")["tabindex"] == "0"
    assert "map/data.js" in [s["src"] for s in page.select("script[src]")]
    home = read_html(site / "_site" / "index.html")
    assert home.select_one(".site-nav a[href='map.html']").text == "Map"
    paper = read_html(site / "_site" / "papers" / "vision-0.html")
    assert paper.select_one(".site-nav a[href='../map.html']") is not None


def test_map_data_carries_every_paper_newest_first(make_site):
    site = make_site(topic_papers())
    build(site)
    data = map_data(site)
    assert data["count"] == 12
    assert data["slug"][:3] == ["audio-2", "language-2", "vision-2"]  # type: ignore[index]
    assert data["tags"] == ["audio", "language", "vision"]
    assert all(0 <= v <= 10000 for v in data["xy"])  # type: ignore[attr-defined]
    assert data["year"][:1] == [2022] and data["added"][:1] == [2025]  # type: ignore[index]


def test_papers_of_a_topic_sit_together_on_the_map(make_site):
    site = make_site(topic_papers(5))
    build(site)
    found = points(site)
    for slug, (x, y) in found.items():
        nearest = sorted(
            (other for other in found if other != slug),
            key=lambda o: (found[o][0] - x) ** 2 + (found[o][1] - y) ** 2,
        )
        same = sum(other.split("-")[0] == slug.split("-")[0] for other in nearest[:3])
        assert same >= 2, (slug, nearest[:3])


def test_paper_page_shows_a_small_map_linking_its_neighbours(make_site):
    papers = topic_papers()
    papers["vision-0"] = paper_text(
        "<script>alert(1)</script> image pixels", "2025-01-01", ("vision",), "image pixels"
    )
    site = make_site(papers)
    build(site)
    page = read_html(site / "_site" / "papers" / "vision-0.html")
    svg = page.select_one("section.nearby svg.nearby-map")
    anchors = svg.select("a")
    assert len(anchors) == 9  # the paper and its 8 nearest
    assert anchors[0]["aria-current"] == "page"
    assert anchors[0]["href"] == "../papers/vision-0.html"
    assert anchors[0].title.text == "<script>alert(1)</script> image pixels"
    assert svg.find("script") is None
    for anchor in anchors[1:]:
        assert (site / "_site" / "papers" / anchor["href"].removeprefix("../papers/")).is_file()
    more = page.select_one(".nearby-more a")["href"]
    assert more == "../map.html?paper=vision-0"


def test_unchanged_text_reuses_the_layout_and_a_new_paper_moves_no_other_point(make_site):
    site = make_site(topic_papers())
    build(site)
    before = points(site)
    notes = site / "content" / "papers" / "audio-1.md"
    notes.write_text(notes.read_text() + "\n## Notes\n\nA new note.\n")
    build(site)
    assert points(site) == before
    (site / "content" / "papers" / "audio-9.md").write_text(
        paper_text("Audio study 9", "2025-04-01", ("audio",), "speech sound waveform acoustic")
    )
    build(site)
    after = points(site)
    assert {slug: after[slug] for slug in before} == before
    nearest = sorted(
        before,
        key=lambda s: sum((a - b) ** 2 for a, b in zip(before[s], after["audio-9"], strict=True)),
    )
    assert nearest[0].startswith("audio")


def test_relayout_lays_out_afresh_and_the_same_papers_get_the_same_points(make_site):
    site = make_site(topic_papers())
    build(site)
    first = points(site)
    (site / "content" / "papers" / "audio-9.md").write_text(
        paper_text("Audio study 9", "2025-04-01", ("audio",), "speech sound waveform acoustic")
    )
    build(site)
    (site / "content" / "papers" / "audio-9.md").unlink()
    build(site, "--relayout")
    assert points(site) == first


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_tiny_lists_get_a_map(make_site, count):
    papers = dict(list(topic_papers().items())[:count])
    site = make_site(papers)
    build(site)
    assert map_data(site)["count"] == count
    assert sum(len(hrefs) for hrefs in region_papers(site).values()) == count


def paper(slug: str, words: str) -> Paper:
    return Paper(slug=slug, title=words, date=dt.date(2025, 1, 1), abstract=words)


def synthetic(count: int) -> list[Paper]:
    topics = list(TOPICS.values())
    return [
        paper(f"p{i:03d}", f"{topics[i % 3]} {topics[i % 3].split()[i % 6]} w{chr(97 + i)}")
        for i in range(count)
    ]


def test_big_lists_lay_out_landmarks_and_place_the_rest(monkeypatch):
    monkeypatch.setattr(layout_module, "TSNE_MAX", 12)
    papers = synthetic(40)
    found = compute_layout(papers)
    assert found == compute_layout(papers)
    assert set(found) == {p.slug for p in papers}
    assert all(0 <= v <= 1 for xy in found.values() for v in xy)
    for slug, (x, y) in found.items():
        nearest = sorted(
            (other for other in found if other != slug),
            key=lambda o: (found[o][0] - x) ** 2 + (found[o][1] - y) ** 2,
        )
        same = sum(int(o[1:]) % 3 == int(slug[1:]) % 3 for o in nearest[:3])
        assert same >= 2, (slug, nearest[:3])


def test_many_changed_papers_lay_the_map_out_afresh(tmp_path, monkeypatch):
    calls = []
    real = layout_module.compute_layout
    monkeypatch.setattr(
        layout_module, "compute_layout", lambda p, *a: calls.append(1) or real(p, *a)
    )
    monkeypatch.setattr(layout_module, "RELAYOUT_MIN", 2)
    cache = LayoutCache(tmp_path)
    papers = synthetic(30)
    cache.get(papers)
    cache.get([*papers, paper("new1", "speech sound")])
    assert len(calls) == 1  # one new paper: placed
    cache.get([*papers, *(paper(f"new{i}", "speech sound") for i in range(5))])
    assert len(calls) == 2  # five: laid out afresh
    LayoutCache(tmp_path).get([*papers, *(paper(f"new{i}", "speech sound") for i in range(5))])
    assert len(calls) == 2  # read back from the cache folder


def test_a_build_computes_tfidf_once_for_related_papers_and_the_map(make_site, monkeypatch):
    site = make_site(topic_papers())
    calls = []
    real = related_module.tfidf
    monkeypatch.setattr(related_module, "tfidf", lambda texts: calls.append(1) or real(texts))
    Builder(site).build()
    assert len(calls) == 1  # related papers and the first layout, from the same rows
    (site / "content" / "papers" / "audio-9.md").write_text(
        paper_text("Audio study 9", "2025-04-01", ("audio",), "speech sound waveform acoustic")
    )
    Builder(site).build()
    assert len(calls) == 2  # related papers anew, the new paper placed from the same rows
    Builder(site).build()
    assert len(calls) == 2  # nothing changed: neither needs the rows


def test_a_paper_placed_from_shared_rows_gets_the_point_of_rows_made_for_it(tmp_path):
    papers = synthetic(30)
    grown = [*papers, paper("new1", "speech sound waveform")]
    for folder in ("shared", "alone"):
        LayoutCache(tmp_path / folder).get(papers)
    model = TextModel()
    compute_related(grown, model=model)  # as a build does, before the layout
    shared = LayoutCache(tmp_path / "shared", model).get(grown)
    assert shared == LayoutCache(tmp_path / "alone").get(grown)
    kept = LayoutCache(tmp_path / "kept").get(papers)
    assert {slug: shared[slug] for slug in kept} == kept
