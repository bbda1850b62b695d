"""`sitegen add ID_OR_URL...`: arXiv ids and DOIs looked up on a local server replaying the
recorded answers in ../shared/fixtures/ (see recorded_services.py); never the network."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from conftest import paper_text, run_sitegen
from recorded_services import Services, recorded_services

from sitegen.importers.ids import parse_paper_id

TODAY = dt.date.today()
CONFIG = """\
title = "Add tests"

[[topics]]
tag = "graphs"
match = ["graph*"]

[[topics]]
tag = "physics of water"
match = ["water"]

[sources]
arxiv_api = "{base}api/query"
doi_resolver = "{base}"
retries = 2
retry_delay = 0.01
timeout = 5
"""
HEAT_BATH = "Heat-bath random walks with Markov bases"


@pytest.fixture
def services() -> Iterator[Services]:
    with recorded_services() as running:
        yield running


@pytest.fixture
def site(make_site: Callable[..., Path], services: Services) -> Path:
    return make_site(config=CONFIG.format(base=services.base))


def front(site: Path) -> dict[str, tuple[dict[str, object], str]]:
    """Every paper file of the site: its front matter and its body, by slug."""
    papers = {}
    for path in sorted((site / "content" / "papers").glob("*.md")):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        papers[path.stem] = (yaml.safe_load(head), body)
    return papers


def add(site: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_sitegen("add", *args, "--site", site, env=env)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("2205.13147", "arxiv", "2205.13147"),
        ("2205.13147v2", "arxiv", "2205.13147v2"),
        ("arXiv:2205.13147", "arxiv", "2205.13147"),
        ("https://arxiv.org/abs/2205.13147", "arxiv", "2205.13147"),
        ("https://arxiv.org/abs/2205.13147v2", "arxiv", "2205.13147v2"),
        ("http://export.arxiv.org/pdf/2205.13147v2", "arxiv", "2205.13147v2"),
        ("https://arxiv.org/pdf/2205.13147.pdf", "arxiv", "2205.13147"),
        ("https://arxiv.org/pdf/2205.13147v1.pdf", "arxiv", "2205.13147v1"),
        ("hep-th/9901001", "arxiv", "hep-th/9901001"),
        ("quant-ph/0201082v1", "arxiv", "quant-ph/0201082v1"),
        ("https://arxiv.org/abs/quant-ph/0201082v1", "arxiv", "quant-ph/0201082v1"),
        ("10.48550/arXiv.2205.13147", "arxiv", "2205.13147"),
        ("https://doi.org/10.48550/arXiv.2205.13147", "arxiv", "2205.13147"),
        ("10.1126/science.169.3946.635", "doi", "10.1126/science.169.3946.635"),
        ("doi:10.1126/science.169.3946.635", "doi", "10.1126/science.169.3946.635"),
        ("https://doi.org/10.1126/science.169.3946.635", "doi", "10.1126/science.169.3946.635"),
        ("http://dx.doi.org/10.1126/science.169.3946.635", "doi", "10.1126/science.169.3946.635"),
        ("https://doi.org/10.1002%2Fanie.201", "doi", "10.1002/anie.201"),
    ],
)
def test_every_pasted_form_is_understood(text: str, kind: str, value: str) -> None:
    found = parse_paper_id(text)
    assert found is not None and (found.kind, found.value) == (kind, value)


@pytest.mark.parametrize("text", ["abc", "2205", "arXiv:", "10.12/x", "https://example.org/a"])
def test_malformed_ids_are_refused(text: str) -> None:
    assert parse_paper_id(text) is None


ARXIV_FORMS = [
    "1605.08386",
    "1605.08386v1",
    "arXiv:1605.08386",
    "https://arxiv.org/abs/1605.08386",
    "https://arxiv.org/abs/1605.08386v1",
    "https://arxiv.org/pdf/1605.08386v1",
    "https://arxiv.org/pdf/1605.08386.pdf",
    "10.48550/arXiv.1605.08386",
]


@pytest.mark.parametrize("form", ARXIV_FORMS)
def test_add_an_arxiv_paper_in_any_form(site: Path, services: Services, form: str) -> None:
    done = add(site, form, "--tags", "mixing, Markov chains", "--status", "reading")
    assert done.code == 0, done.err
    assert "1 new, 0 already present, 0 skipped" in done.out
    [(data, body)] = front(site).values()
    value = form.rsplit("/", 1)[-1].removesuffix(".pdf").removeprefix("arXiv:")
    value = value.removeprefix("arXiv.")
    assert data == {
        "title": HEAT_BATH,
        "date": TODAY,
        "tags": ["mixing", "Markov chains", "graphs"],
        "authors": ["Caprice Stanley", "Tobias Windisch"],
        "url": "https://arxiv.org/abs/1605.08386v1",
        "arxiv": value,
        "year": 2016,
        "venue": "arXiv preprint (math.CO)",
        "status": "reading",
        "sources": [
            {
                "file": f"arXiv:{value}",
                "kind": "arxiv",
                "listed": dt.date(2016, 5, 26),
                "imported": TODAY,
            }
        ],
    }
    assert body.startswith("\nGraphs on lattice points are studied whose edges come from")
    assert body.rstrip().endswith("is an expander in fixed dimension.\n\n## Notes")
    [(path, _accept, agent)] = services.requests
    assert "id_list=1605.08386" in path and agent.startswith("sitegen/")


def test_ids_are_batched_into_one_request(site: Path, services: Services) -> None:
    done = add(site, "1605.08386", "2104.12255v1", "astro-ph/0601001", "1707.08567")
    assert done.code == 0, done.err
    assert "4 new" in done.out
    [(path, _accept, _agent)] = services.requests
    assert "id_list=1605.08386%2C2104.12255v1%2Castro-ph%2F0601001%2C1707.08567" in path
    papers = {data["arxiv"]: data for data, _body in front(site).values()}
    assert papers["2104.12255v1"]["title"] == "0"
    assert papers["2104.12255v1"]["authors"] == ["Quan Thoi Minh Nguyen"]
    old = papers["astro-ph/0601001"]
    assert old["venue"] == "ActaAstron.56:1-50,2006" and old["year"] == 2006
    assert old["authors"][:2] == ["Andrew Gould", "Susan Dorsher"]
    many = papers["1707.08567"]["authors"]
    assert len(many) == 34 and "Dirk Wübben" in many  # UTF-8 as arXiv sent it


def test_a_doi_by_csl_json(site: Path, services: Services) -> None:
    done = add(site, "https://doi.org/10.1126/science.169.3946.635", "--tags", "water")
    assert done.code == 0, done.err
    [(data, body)] = front(site).values()
    assert data == {
        "title": "The Structure of Ordinary Water: New data and interpretations are yielding "
        "new insights into this fascinating substance.",
        "date": TODAY,
        "tags": ["water", "physics of water"],
        "authors": ["Henry S. Frank"],
        "url": "http://dx.doi.org/10.1126/science.169.3946.635",
        "doi": "10.1126/science.169.3946.635",
        "year": 1970,
        "venue": "Science",
        "status": "to-read",
        "sources": [{"file": "doi:10.1126/science.169.3946.635", "kind": "doi", "imported": TODAY}],
    }
    assert body.startswith("\nThe train of thought pursued in this article")
    assert "<jats:p>" not in body and '"subject to change without notice."' in body
    accepts = [accept for _path, accept, _agent in services.requests]
    assert accepts[0] == "application/vnd.citationstyles.csl+json"


def test_a_doi_without_csl_json_falls_back_to_bibtex(site: Path, services: Services) -> None:
    services.csl_json = False
    done = add(site, "doi:10.1126/science.169.3946.635")
    assert done.code == 0, done.err
    [(data, _body)] = front(site).values()
    assert data["title"].startswith("The Structure of Ordinary Water: New data")
    assert data["authors"] == ["Henry S. Frank"] and data["year"] == 1970
    assert data["venue"] == "Science" and data["doi"] == "10.1126/science.169.3946.635"
    accepts = [accept for _path, accept, _agent in services.requests]
    assert accepts == [
        "application/vnd.citationstyles.csl+json",
        "application/x-bibtex",
        "application/x-bibtex",
    ]


def test_a_paper_already_listed_keeps_the_users_edits(site: Path, services: Services) -> None:
    mine = paper_text("My title for it", tags=("mine",), notes="Read twice.", arxiv="1605.08386")
    path = site / "content" / "papers" / "mine.md"
    path.write_text(mine.replace("status", "x"), encoding="utf-8")
    done = add(site, "https://arxiv.org/abs/1605.08386v1", "--status", "read")
    assert done.code == 0, done.err
    assert "0 new, 1 already present" in done.out
    [(data, body)] = front(site).values()
    assert data["title"] == "My title for it" and data["tags"] == ["mine"]
    assert data["arxiv"] == "1605.08386" and "status" not in data
    assert data["authors"] == ["Caprice Stanley", "Tobias Windisch"] and data["year"] == 2016
    assert [s["file"] for s in data["sources"]] == ["arXiv:1605.08386v1"]
    assert body.strip().startswith("An abstract.") and "Read twice." in body
    again = path.read_bytes()
    assert add(site, "1605.08386v1").code == 0
    assert path.read_bytes() == again


def _nothing_written(site: Path) -> None:
    assert front(site) == {}


@pytest.mark.parametrize("unknown", ["0000.0000", "0808.05394"])
def test_an_id_arxiv_does_not_know(site: Path, unknown: str) -> None:
    done = add(site, "1605.08386", unknown)
    assert done.code == 1
    assert done.err.strip() == f"sitegen: error: arXiv has no paper {unknown}: check the id"
    _nothing_written(site)


def test_a_doi_that_is_not_found(site: Path) -> None:
    done = add(site, "1605.08386", "10.1126/foo")
    assert done.code == 1
    assert "no such DOI: 10.1126/foo" in done.err and len(done.err.splitlines()) == 1
    _nothing_written(site)


def test_malformed_ids_are_refused_before_any_request(site: Path, services: Services) -> None:
    done = add(site, "1605.08386", "abc", "10.12/x")
    assert done.code == 1
    assert done.err.startswith("sitegen: error: not an arXiv id or DOI: 'abc', '10.12/x'")
    assert services.requests == []
    _nothing_written(site)


@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize("service", ["arxiv", "doi"])
def test_busy_servers_are_retried_then_reported(
    site: Path, services: Services, status: int, service: str
) -> None:
    busy = f"{services.base}status/{status}/"
    env = {"SITEGEN_ARXIV_API": busy + "api/query", "SITEGEN_DOI_RESOLVER": busy}
    done = add(site, "1605.08386" if service == "arxiv" else "10.1126/foo", env=env)
    assert done.code == 1
    assert f"HTTP {status} after 3 tries" in done.err and len(done.err.splitlines()) == 1
    assert len(services.requests) == 3
    _nothing_written(site)


def test_an_unreachable_server(site: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {"SITEGEN_ARXIV_API": f"http://127.0.0.1:{port}/api/query"}
    done = add(site, "1605.08386", env=env)
    assert done.code == 1
    assert done.err.startswith("sitegen: error: cannot connect to arXiv")
    assert len(done.err.splitlines()) == 1
    _nothing_written(site)


def test_import_of_a_link_points_to_add(site: Path) -> None:
    done = run_sitegen("import", "https://arxiv.org/abs/1605.08386", "--site", site)
    assert done.code == 2
    assert "run `sitegen add https://arxiv.org/abs/1605.08386`" in done.err
