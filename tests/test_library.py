"""The library pages (issue 14), built in tmp_path and read back: compact list rows, the
paginated home list, the list data file, queue, stats, authors index, 404 and Cite."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import paper_text, read_html, run_sitegen

MANY_AUTHORS = ", ".join(
    ["Aditya Kusupati", "Gantavya Bhatt"] + [f"Author{n} Person{n}" for n in range(10)]
)


def build_ok(site: Path) -> Path:
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    return site / "_site"


def rich_paper() -> str:
    return (
        "---\ntitle: Matryoshka Representation Learning\ndate: 2025-03-02\n"
        f"authors: [{MANY_AUTHORS}]\nyear: 2022\nvenue: NeurIPS\n"
        'arxiv: "2205.13147"\ndoi: 10.1000/mrl\nstatus: read\ntags: [vision]\n---\n'
        "Nested embeddings. More text.\n"
    )


def script_call(path: Path, call: str) -> dict[str, list]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"{call}(") and text.rstrip().endswith(");")
    return json.loads(text.strip()[len(call) + 1 : -2])


def list_data(out: Path) -> dict[str, list]:
    """The list's data as the browser joins it: list/papers.js's rows, each with its tags
    from list/tags.js appended (static/list/state.js)."""
    data = script_call(out / "list" / "papers.js", "SitegenList.receive")
    tagging = script_call(out / "list" / "tags.js", "SitegenList.receiveTags")
    assert tagging["order"] == data["order"] and len(data["papers"]) == len(tagging["paperTags"])
    for row, tags in zip(data["papers"], tagging["paperTags"], strict=True):
        row.append(tags)
    return data | {"tags": tagging["tags"]}


def test_a_list_row_shows_first_authors_year_venue_status_and_links(make_site):
    out = build_ok(make_site({"mrl": rich_paper(), "plain": paper_text("Plain", "2025-01-09")}))
    rows = read_html(out / "index.html").select(".paper-list .paper-item")
    mrl, plain = rows
    assert mrl.select_one(".row-authors").get_text() == "Kusupati, Bhatt, … +10"
    assert mrl.select_one(".row-when").get_text() == "2022"
    assert mrl.select_one(".row-venue").get_text() == "NeurIPS"
    assert mrl.select_one(".status").get_text() == "read"
    links = {a.get_text(): a["href"] for a in mrl.select(".row-links a")}
    assert links == {
        "arXiv": "https://arxiv.org/abs/2205.13147",
        "PDF": "https://arxiv.org/pdf/2205.13147",
        "DOI": "https://doi.org/10.1000/mrl",
    }
    # No year: the listing date; the default status (to read) goes unsaid in lists.
    assert plain.select_one(".row-when").get_text() == "9 January 2025"
    assert plain.select_one(".status") is None
    page = read_html(out / "papers" / "plain.html")
    assert page.select_one(".status").get_text() == "to read"


def test_the_home_list_is_paginated_and_reaches_every_paper(make_site):
    papers = {
        f"p{n:03d}": paper_text(f"Paper {n}", f"2025-01-{n % 28 + 1:02d}") for n in range(230)
    }
    out = build_ok(make_site(papers))
    seen = []
    for path, count in (("index.html", 100), ("page/2.html", 100), ("page/3.html", 30)):
        page = read_html(out / path)
        slugs = [li["data-slug"] for li in page.select(".paper-list .paper-item")]
        assert len(slugs) == count, path
        seen += slugs
        nav = page.select_one("nav.pagination")
        assert [a.get_text() for a in nav.select("ol a")] + [
            s.get_text() for s in nav.select("[aria-current=page]")
        ], path
    assert sorted(seen) == sorted(papers)
    middle = read_html(out / "page" / "2.html")
    assert middle.select_one("a[rel=prev]")["href"] == "../index.html"
    assert middle.select_one("a[rel=next]")["href"] == "../page/3.html"
    assert middle.select_one("[aria-current=page]").get_text() == "2"
    assert "Papers 101\u2013200 of 230" in middle.select_one(".page-range").get_text()
    # Only the first page counts papers, tags and statuses; every page links to the rest.
    first = read_html(out / "index.html").select_one(".counts").get_text(" ", strip=True)
    assert first.startswith("230 papers · 0 tags · 230 to read")
    links = "Tags · Queue · Stats · BibTeX · Atom feed"
    assert middle.select_one(".counts").get_text(" ", strip=True) == links
    assert middle.select_one(".paper-item-title a")["href"].startswith("../papers/")
    assert read_html(out / "index.html").select_one("a[rel=prev]") is None


def follow_pages(out: Path, first: str) -> tuple[list[str], list[str]]:
    """Slugs of a list's pages, from `first` on through its rel=next links, and the
    page list's links (resolved from the site root) seen on the way."""
    slugs: list[str] = []
    listed: list[str] = []
    path: Path | None = out / first
    while path is not None:
        page = read_html(path)
        slugs += [li["data-slug"] for li in page.select(".paper-list .paper-item")]
        for a in page.select("nav.pagination a"):
            target = (path.parent / a["href"]).resolve()
            assert target.is_file(), (path, a["href"])
            listed.append(target.relative_to(out.resolve()).as_posix())
        after = page.select_one("nav.pagination a[rel=next]")
        path = (path.parent / after["href"]).resolve() if after else None
    return slugs, listed


def test_tag_and_author_pages_are_paginated_and_reach_every_paper(make_site):
    papers = {
        f"p{n:03d}": paper_text(f"Paper {n}", f"2025-02-{n % 28 + 1:02d}", ("vision",)).replace(
            'tags: ["vision"]', 'tags: ["vision"]\nauthors: [Ann Author]'
        )
        for n in range(205)
    }
    out = build_ok(make_site(papers))
    for first, pages in (
        ("tags/vision.html", "tags/vision"),
        ("authors/ann-author.html", "authors/ann-author"),
    ):
        slugs, listed = follow_pages(out, first)
        assert len(slugs) == 205 and sorted(slugs) == sorted(papers), first
        assert set(listed) == {first, f"{pages}/page/2.html", f"{pages}/page/3.html"}
        start = read_html(out / first)
        # The first page's script sorts and filters the whole list, not only its 100 rows.
        form = start.select_one("form.list-controls")
        assert sorted(form["data-members"].split(" ")) == sorted(papers)
        assert start.select_one("script[src$='list/main.js']") is not None
        last = read_html(out / pages / "page" / "3.html")
        assert len(last.select(".paper-item")) == 5
        assert "Papers 201\u2013205 of 205" in last.select_one(".page-range").get_text()
        assert last.select_one("form.list-controls") is None
        assert last.select_one(".paper-item-title a")["href"].startswith("../../../papers/")
        assert last.select_one("link[rel=stylesheet]")["href"].startswith("../../../static/")


def test_the_list_data_file_holds_every_paper_in_a_few_fields(make_site):
    out = build_ok(make_site({"mrl": rich_paper(), "plain": paper_text("Plain", "2025-01-09")}))
    data = list_data(out)
    assert data["statuses"] == ["to-read", "reading", "read"]
    assert data["pages"] == {"paper": "papers/{slug}.html", "tag": "tags/{slug}.html"}
    mrl, plain = data["papers"]
    assert mrl[:3] == ["mrl", "Matryoshka Representation Learning", "Kusupati, Bhatt, … +10"]
    assert "Person9" in mrl[3]  # authors the short form hides are still found
    assert mrl[5:8] == [2022, data["venues"].index("NeurIPS"), 2]
    assert mrl[8:10] == ["2205.13147", "10.1000/mrl"]
    assert [data["tags"][t][1] for t in mrl[11]] == ["vision"]
    assert plain[0] == "plain" and plain[5] == 0 and plain[6] == -1


def test_404_links_start_at_base_url_or_at_the_root_its_script_finds(make_site):
    out = build_ok(make_site({"a": paper_text("A")}))  # conftest's site has a base_url
    page = read_html(out / "404.html")
    assert page.select_one("link[rel=stylesheet]")["href"] == (
        "https://example.org/reading/static/style.css"
    )
    assert page.select_one("main a")["href"] == "https://example.org/reading/index.html"
    assert page.find("base") is None and 'document.createElement("base")' not in str(page)
    bare = build_ok(make_site({"a": paper_text("A")}, config='title = "x"\n', name="bare"))
    script = read_html(bare / "404.html").select_one("head script:not([src])").get_text()
    assert '"papers"' in script and 'createElement("base")' in script


def test_the_authors_index_is_by_family_name_with_letter_jumps(make_site):
    authors = "[Zoe Adams, Bob van Zandt, Ann Young, Émile Ørsted, Carl Oakes]"
    text = f"---\ntitle: T\ndate: 2025-01-01\nauthors: {authors}\n---\nA.\n"
    out = build_ok(make_site({"t": text}))
    page = read_html(out / "authors" / "index.html")
    names = [a.get_text() for a in page.select(".name-index a")]
    assert names == ["Adams, Zoe", "Oakes, Carl", "Ørsted, Émile", "Young, Ann", "van Zandt, Bob"]
    jumps = [(a.get_text(), a["href"]) for a in page.select(".letter-jumps a")]
    assert [letter for letter, _ in jumps] == ["A", "O", "Y", "Z"]
    for _, href in jumps:
        assert page.select_one(href).name == "h2"


def test_cite_shows_the_entry_without_the_abstract_and_keys_without_authors(make_site):
    papers = {"calico": paper_text("CALICO: camera and lidar", "2025-03-11", abstract="Long text.")}
    out = build_ok(make_site(papers))
    page = read_html(out / "papers" / "calico.html")
    short = page.select_one("#bibtex").get_text()
    assert short.startswith("@misc{calico2025,") and "abstract" not in short
    full = page.select_one("details.bibtex-full #bibtex-full").get_text()
    assert "abstract = {Long text.}" in full


def test_queue_page_reading_now_to_read_oldest_first_and_recently_read(make_site):
    papers = {
        "new": paper_text("New unread", "2025-03-03"),
        "old": paper_text("Old unread", "2025-01-01"),
        "now": paper_text("Being read", "2025-02-02", status="reading"),
        "done": paper_text("Finished", "2025-02-01", status="read"),
    }
    out = build_ok(make_site(papers))
    page = read_html(out / "queue.html")
    parts = {
        section.h2["id"]: [a.get_text() for a in section.select(".paper-item-title a")]
        for section in page.select(".queue-part")
    }
    assert parts == {
        "queue-reading": ["Being read"],
        "queue-to-read": ["Old unread", "New unread"],
        "queue-read": ["Finished"],
    }
    assert page.select_one(".counts").get_text(" ", strip=True) == "2 to read · 1 reading · 1 read"


def test_stats_page_draws_papers_added_per_month_with_a_table(make_site):
    papers = {
        "a": paper_text("A", "2024-11-03", status="read"),
        "b": paper_text("B", "2024-11-20"),
        "c": paper_text("C", "2025-01-02"),
    }
    out = build_ok(make_site(papers))
    page = read_html(out / "stats.html")
    svg = page.select_one("svg.timeline")
    assert svg["role"] == "img" and "per month" in svg["aria-label"]
    bars = [rect.title.get_text() for rect in svg.select("rect")]
    assert bars == ["2024-11: 1 to read", "2024-11: 1 read", "2025-01: 1 to read"]
    rows = [
        [cell.get_text() for cell in tr.select("th, td")]
        for tr in page.select("#added-table tbody tr")
    ]
    assert rows == [
        ["2025-01", "1", "0", "0", "1"],
        ["2024-12", "0", "0", "0", "0"],
        ["2024-11", "1", "0", "1", "2"],
    ]


def table_rows(page, selector: str) -> list[list[str]]:
    return [[cell.get_text() for cell in tr.select("th, td")] for tr in page.select(selector)]


def bar_titles(svg) -> list[str]:
    return [rect.title.get_text() for rect in svg.select("rect")]


def test_a_bad_read_date_is_an_error_at_its_line(make_site):
    text = "---\ntitle: T\ndate: 2025-01-01\nstatus: read\nread: 3 March\n---\nx\n"
    site = make_site({"t": text})
    run = run_sitegen("build", "--site", site)
    path = site / "content" / "papers" / "t.md"
    assert run.code == 1
    assert f"{path}:5: `read` must be a date written YYYY-MM-DD, not '3 March'" in run.err
    assert "Traceback" not in run.err and not (site / "_site").exists()


def test_stats_page_draws_papers_read_per_month_and_counts_undated_ones(make_site):
    papers = {
        "a": paper_text("A", "2024-10-01", status="read", read="2025-01-05"),
        "b": paper_text("B", "2024-10-02", status="read", read="2025-03-30"),
        "c": paper_text("C", "2024-10-03", status="read", read="2025-03-01"),
        "d": paper_text("D", "2024-10-04", status="read"),
        "e": paper_text("E", "2024-10-05", status="reading", read="2025-02-01"),  # read again
    }
    page = read_html(build_ok(make_site(papers)) / "stats.html")
    svg = page.select_one("#read svg.timeline")
    assert svg["aria-label"] == "Papers read per month"
    assert bar_titles(svg) == ["2025-01: 1 read", "2025-03: 2 read"]
    heights = [float(rect["height"]) for rect in svg.select("rect")]
    assert heights[1] == 2 * heights[0]
    assert table_rows(page, "#read-table tr") == [
        ["Month", "read"],
        ["2025-03", "2"],
        ["2025-02", "0"],
        ["2025-01", "1"],
    ]
    note = page.select_one(".chart-note strong").parent.get_text(" ", strip=True)
    assert note.startswith("1 read paper has no read date")
    # Without any read date the page says how to record one, and draws no empty chart.
    bare = read_html(build_ok(make_site({"d": papers["d"]}, name="bare")) / "stats.html")
    assert bare.select_one("#read") is None
    assert "1 read paper has no read date" in bare.get_text(" ", strip=True)


def test_recently_read_is_ordered_by_read_date_and_pages_show_it(make_site):
    papers = {
        "late": paper_text(
            "Added late, read first", "2025-03-01", status="read", read="2025-03-02"
        ),
        "early": paper_text(
            "Added early, read last", "2025-01-01", status="read", read="2025-04-01"
        ),
        "undated": paper_text("Read, no date", "2025-02-01", status="read"),
    }
    out = build_ok(make_site(papers))
    queue = read_html(out / "queue.html").select_one("#queue-read").parent
    titles = [a.get_text() for a in queue.select(".paper-item-title a")]
    assert titles == ["Added early, read last", "Added late, read first", "Read, no date"]
    meta = read_html(out / "papers" / "early.html").select_one(".meta .read-on")
    assert meta.get_text() == "read 1 April 2025" and meta.time["datetime"] == "2025-04-01"
    assert read_html(out / "papers" / "undated.html").select_one(".read-on") is None


def test_a_tag_page_shows_its_papers_added_per_month_by_status(make_site):
    papers = {
        "a": paper_text("A", "2025-01-03", ("vision",), status="read"),
        "b": paper_text("B", "2025-03-20", ("vision",)),
        "c": paper_text("C", "2025-03-21", ("vision",), status="reading"),
        "d": paper_text("D", "2024-06-01", ("speech",)),
    }
    out = build_ok(make_site(papers))
    page = read_html(out / "tags" / "vision.html")
    svg = page.select_one(".tag-timeline svg.timeline")
    assert svg["aria-label"] == "Papers tagged vision added per month, by status"
    assert bar_titles(svg) == ["2025-01: 1 read", "2025-03: 1 to read", "2025-03: 1 reading"]
    assert table_rows(page, ".tag-timeline tbody tr") == [
        ["2025-03", "1", "1", "0", "2"],
        ["2025-02", "0", "0", "0", "0"],
        ["2025-01", "0", "0", "1", "1"],
    ]
    speech = read_html(out / "tags" / "speech.html")
    assert bar_titles(speech.select_one(".tag-timeline svg")) == ["2024-06: 1 to read"]


def test_summary_files_hold_every_papers_summary_in_the_data_files_order(make_site):
    papers = {
        f"p{n:03d}": paper_text(
            f"Paper {n}", f"2024-{n % 12 + 1:02d}-01", abstract=f"About {n}. More."
        )
        for n in range(3)
    }
    papers["evil"] = paper_text("Evil", "2023-01-01", abstract="</script><!-- x --> *b*. Rest.")
    out = build_ok(make_site(papers))
    data = list_data(out)
    assert data["summaries"] == {"path": "list/summaries-{number}.js", "chunk": 500}
    text = (out / "list" / "summaries-0.js").read_text(encoding="utf-8")
    assert "<" not in text  # written \\u003c: no summary can end the script
    prefix = "SitegenList.receiveSummaries(0, "
    assert text.startswith(prefix) and text.rstrip().endswith(");")
    summaries = json.loads(text.strip()[len(prefix) : -2])
    expected = {f"p{n:03d}": f"About {n}." for n in range(3)} | {"evil": "</script><!-- x --> b."}
    assert summaries == [expected[row[0]] for row in data["papers"]]
    assert not (out / "list" / "summaries-1.js").exists()
