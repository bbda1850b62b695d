"""The output folder: refused when it holds user files, replaced whole, foreign files kept."""

from __future__ import annotations

from conftest import paper_text, run_sitegen


def test_output_folder_that_is_the_site_or_holds_content_is_refused(make_site):
    site = make_site({"a": paper_text("A")})
    for out in (site, site / "content", site / "content" / "papers" / "out", site.parent):
        run = run_sitegen("build", "--site", site, "--out", out)
        assert run.code == 2, (out, run.err)
        assert "output folder" in run.err and "Traceback" not in run.err
    assert (site / "content" / "papers" / "a.md").is_file()
    assert not (site / "content" / "papers" / "out").exists()


def test_non_empty_folder_not_written_by_sitegen_is_refused_untouched(make_site, tmp_path):
    site = make_site({"a": paper_text("A")})
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    run = run_sitegen("build", "--site", site, "--out", out)
    assert run.code == 2
    assert "not written by sitegen" in run.err
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_file_placed_by_hand_in_the_output_survives_with_a_warning(make_site):
    site = make_site({"a": paper_text("A"), "b": paper_text("B")})
    assert run_sitegen("build", "--site", site).code == 0
    out = site / "_site"
    (out / "CNAME").write_text("papers.example.org")
    (site / "content" / "papers" / "b.md").unlink()
    run = run_sitegen("build", "--site", site)
    assert run.code == 0
    assert "CNAME was not written by sitegen; kept" in run.err
    assert (out / "CNAME").read_text() == "papers.example.org"
    assert not (out / "papers" / "b.html").exists()


def test_unchanged_rebuild_writes_nothing(make_site):
    site = make_site({"a": paper_text("A")})
    assert run_sitegen("build", "--site", site).code == 0
    page = site / "_site" / "papers" / "a.html"
    inode = page.stat().st_ino
    run = run_sitegen("build", "--site", site)
    assert run.out.startswith("Nothing changed since the last build")
    assert page.stat().st_ino == inode


def test_custom_out_folder_and_python_dash_m(make_site, tmp_path):
    site = make_site({"a": paper_text("A")})
    out = tmp_path / "deep" / "public"
    run = run_sitegen("build", "--site", site, "--out", out)
    assert run.code == 0, run.err
    assert (out / "papers" / "a.html").is_file()
    assert not (site / "_site").exists()
    assert not list(out.parent.glob(".*staging*"))


def test_new_creates_a_site_that_builds_and_refuses_a_non_empty_folder(tmp_path):
    site = tmp_path / "reading"
    run = run_sitegen("new", site)
    assert run.code == 0, run.err
    assert (site / "site.toml").is_file() and (site / "content" / "papers").is_dir()
    assert "## Notes" in (site / "README.md").read_text()
    assert run_sitegen("build", "--site", site).code == 0
    assert (site / "_site" / "index.html").is_file()
    before = (site / "site.toml").read_text()
    again = run_sitegen("new", site)
    assert again.code == 2 and "not an empty folder" in again.err
    assert (site / "site.toml").read_text() == before


def test_missing_site_toml_and_bad_toml_are_clear_errors(tmp_path, make_site):
    run = run_sitegen("build", "--site", tmp_path / "nowhere")
    assert run.code == 1 and "site.toml" in run.err and "Traceback" not in run.err
    site = make_site(config='title = "x"\nbase_url = 3\n[[topics]]\ntag = "a"\n')
    run = run_sitegen("build", "--site", site)
    assert run.code == 1
    assert f"{site / 'site.toml'}:2: `base_url` must be a string" in run.err
    assert "`match` must be a list" in run.err


def test_unchanged_site_skips_the_build_and_any_change_builds_again(make_site):
    site = make_site({"a": paper_text("A"), "b": paper_text("B", unknownkey="x")})
    first = run_sitegen("build", "--site", site)
    assert first.code == 0 and first.out.startswith("Built")
    again = run_sitegen("build", "--site", site)
    assert again.code == 0
    assert again.out.startswith("Nothing changed since the last build: 2 papers")
    assert "unknown key `unknownkey`" in again.err  # warnings are repeated
    (site / "content" / "papers" / "a.md").write_text(paper_text("A edited"))
    edited = run_sitegen("build", "--site", site)
    assert edited.out.startswith("Built")
    assert "A edited" in (site / "_site" / "papers" / "a.html").read_text()
    (site / "_site" / "papers" / "b.html").unlink()  # output damaged by hand
    repaired = run_sitegen("build", "--site", site)
    assert repaired.out.startswith("Built")
    assert (site / "_site" / "papers" / "b.html").is_file()
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("{% extends 'base.html' %}")
    assert run_sitegen("build", "--site", site).out.startswith("Built")
