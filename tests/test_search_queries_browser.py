"""What a researcher types, in Chromium over HTTP and file://: all words required (with the
any-word fallback), phrases, typo correction, accents, hyphens, fields, bare arXiv ids and DOIs;
and the browser folds text exactly as the build does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import http_server, run_sitegen
from synthetic import seed_papers
from test_search_browser import open_search, titles, type_query

from sitegen.search.fold import fold

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent

PAPERS = {
    "quokka-both": {
        "title": "Quokka Robotics at Scale",
        "authors": ["Hu Xu", "Hinrich Schütze"],
        "tags": ["contrastive learning"],
        "year": 2022,
        "venue": "ICLR",
        "arxiv": "2205.13147",
        "status": "read",
        "abstract": 'Quokka robots learn multi-task policies near a wombat; T\\"ulu.',
    },
    "quokka-only": {
        "title": "Quokka Habitats",
        "authors": ["Hu Li", "Wei Xu"],
        "tags": ["contrastive", "learning theory"],
        "venue": "NeurIPS",
        "doi": "10.48550/arXiv.2210.10716",
        "status": "to-read",
        "abstract": "Zebrafish and quokka habitats; a multitask survey with pre-trained encoders.",
    },
    "masked-apart": {
        "title": "Autoencoder Masked Tokens, Autoencoder Masked Inputs",
        "date": "2022-05-01",
        "year": 2019,
        "abstract": "The autoencoder is masked; masked tokens feed the autoencoder.",
    },
    "masked-phrase": {
        "title": "A Masked Autoencoder Study",
        "abstract": "We study pretrained encoders in multi task settings.",
    },
}
"""Papers built for these tests (slug: front matter and abstract), beside 30 seed papers."""


def _content(paper: dict[str, Any]) -> str:
    head = {"date": "2025-03-01", "tags": [], **paper}
    abstract = head.pop("abstract")
    return "\n".join(["---", *(f"{k}: {json.dumps(v)}" for k, v in head.items()), "---", abstract])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("queries-site")
    folder = site / "content" / "papers"
    folder.mkdir(parents=True)
    (site / "site.toml").write_text('title = "Queries"\ndescription = "x"\n', encoding="utf-8")
    for seed in seed_papers()[:30]:
        fields = {"title": seed.title, "date": seed.date.isoformat(), "tags": list(seed.tags)}
        fields |= {"authors": list(seed.authors), "abstract": seed.abstract}
        (folder / f"{seed.slug}.md").write_text(_content(fields), encoding="utf-8")
    for slug, paper in PAPERS.items():
        (folder / f"{slug}.md").write_text(_content(paper), encoding="utf-8")
    out = site / "out"
    done = run_sitegen("build", "--site", site, "--out", out)
    assert done.code == 0, done.err
    return out


@pytest.fixture(scope="module", params=["http", "file"])
def base(request: pytest.FixtureRequest, built: Path) -> Iterator[str]:
    if request.param == "file":
        yield built.as_uri() + "/"
        return
    with http_server(built) as url:
        yield url


@pytest.fixture
def page(chromium: Any, base: str) -> Iterator[Any]:
    """The search page; no console error or failed request is allowed."""
    context = chromium.new_context()
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("requestfailed", lambda r: problems.append("failed: " + r.url))
    open_search(tab, base)
    yield tab
    context.close()
    assert problems == []


def found(page: Any, query: str) -> list[str]:
    type_query(page, query)
    return titles(page)


def status(page: Any) -> str:
    return str(page.inner_text("#search-status"))


def title(slug: str) -> str:
    return str(PAPERS[slug]["title"])


def test_all_words_are_required_else_some_with_a_message(page: Any) -> None:
    assert set(found(page, "quokka ")) == {title("quokka-both"), title("quokka-only")}
    assert found(page, "quokka robotics ") == [title("quokka-both")]
    assert "some of them" not in status(page)
    some = found(page, "wombat zebrafish ")
    assert set(some) == {title("quokka-both"), title("quokka-only")}
    assert "No paper has all the words; showing papers with some of them." in status(page)


def test_a_quoted_phrase_ranks_its_papers_first(page: Any) -> None:
    both = [title("masked-apart"), title("masked-phrase")]
    assert found(page, "+masked +autoencoder ") == both  # lunr's own ranking: the other first
    assert found(page, '"masked autoencoder" ') == both[::-1]
    assert found(page, 'title:"autoencoder study" ')[0] == title("masked-phrase")


def test_a_typo_is_corrected_from_the_vocabulary(page: Any) -> None:
    assert found(page, "quokka robotcs ") == [title("quokka-both")]
    assert "Showing results for robotcs \u2192 robotics." in status(page)
    assert title("quokka-only") in found(page, "zebrafsh ")
    assert "zebrafsh \u2192 zebrafish" in status(page)
    assert found(page, "qzxv ") == []  # nothing near enough: no correction


@pytest.mark.parametrize("query", ["Schutze ", "Schütze ", 'Sch\\"utze ', "SCHÜTZE "])
def test_accents_and_tex_accents_fold(page: Any, query: str) -> None:
    assert found(page, query) == [title("quokka-both")]


def test_tex_accents_in_abstracts_fold(page: Any) -> None:
    assert found(page, "tulu ") == [title("quokka-both")]
    assert found(page, "tülu ") == [title("quokka-both")]


def test_hyphenated_solid_and_spaced_compounds_find_the_same_papers(page: Any) -> None:
    hyphenated = set(found(page, "multi-task "))
    assert {title("quokka-both"), title("quokka-only")} <= hyphenated
    assert set(found(page, "multitask ")) == hyphenated
    # Also papers that write "multi task" apart (only the spaced query finds those).
    assert set(found(page, "multi task ")) >= hyphenated | {title("masked-phrase")}
    pretrain = set(found(page, "pretrain*"))
    assert {title("quokka-only"), title("masked-phrase")} <= pretrain
    assert set(found(page, "pre-train*")) == pretrain


def test_author_and_tag_fields_take_full_names(page: Any) -> None:
    assert found(page, 'author:"Hu Xu" ')[0] == title("quokka-both")
    assert set(found(page, "author:xu ")) == {title("quokka-both"), title("quokka-only")}
    by_name = found(page, 'tag:"contrastive learning" ')
    # Tagged "contrastive learning" first, then "contrastive" and "learning theory".
    assert by_name.index(title("quokka-both")) < by_name.index(title("quokka-only"))
    assert by_name.index(title("quokka-only")) == len(by_name) - 1
    assert found(page, "tag:contrastive-learning ") == by_name


def test_year_venue_and_status_fields(page: Any) -> None:
    # year: the publication year, else the year the paper was listed.
    assert found(page, "year:2022 ") == [title("quokka-both")]
    assert found(page, "year:2019 ") == [title("masked-apart")]
    assert found(page, "venue:iclr ") == [title("quokka-both")]
    assert found(page, "venue:NeurIPS ") == [title("quokka-only")]
    assert found(page, "status:read quokka ") == [title("quokka-both")]
    assert found(page, "status:to-read quokka ") == [title("quokka-only")]


@pytest.mark.parametrize(
    ("query", "slug"),
    [("2205.13147", "quokka-both"), ("10.48550/arXiv.2210.10716", "quokka-only")],
)
def test_a_bare_arxiv_id_or_doi_finds_its_paper(page: Any, query: str, slug: str) -> None:
    assert found(page, query)[0] == title(slug)


FOLD_CASES = [
    "Schütze",
    'Sch\\"utze',
    'Sch\\"{u}tze',
    "{\\'E}cole Normale",
    "\\c{c}a va, \\v s",
    "Łukasz Kaiser, Søren, Straße, Æsir, œuvre, Þór, Đorđe",
    "naïve café, Ångström, ﬁne ligature, ²",
    "Ελληνικά άλφα, Русский й, 日本語",
    "plain ASCII, multi-task",
]


def test_the_browser_folds_as_python_does(chromium: Any) -> None:
    seeds = seed_papers()
    texts = FOLD_CASES + [p.title for p in seeds] + [a for p in seeds for a in p.authors]
    texts += [p.abstract for p in seeds[:50]]
    page = chromium.new_page()
    page.set_content("<script>window.SitegenSearch = {};</script>")
    page.add_script_tag(path=str(REPO / "static" / "search" / "fold.js"))
    browser = page.evaluate("ts => ts.map(t => SitegenSearch.fold(t))", texts)
    page.close()
    assert browser == [fold(t) for t in texts]
    assert fold(FOLD_CASES[0]) == fold(FOLD_CASES[1]) == fold(FOLD_CASES[2]) == "Schutze"
