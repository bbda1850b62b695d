"""Symlinks in a site: followed while they stay inside the site, never out of it.

A cloned site repository may hold links to anything the builder can read (`~/.ssh/id_rsa`):
each input (papers, templates, static files, site.toml) that a link puts outside the site
is skipped with `path: symlink to … leaves the site, skipped`, and never published.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import SITE_TOML, paper_text, read_html, run_sitegen

SECRET = "TOP-SECRET-41f3"


def outside_folder(tmp_path: Path) -> Path:
    """A folder beside the site, holding what a link must never publish."""
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    (folder / "id_rsa").write_text(SECRET)
    (folder / "stolen.md").write_text(paper_text("Stolen paper", abstract=SECRET))
    (folder / "index.html").write_text(f"<p>{SECRET}</p>")
    return folder


def published(out: Path) -> str:
    """Every byte of the built site, as text."""
    return "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_static_links_out_of_the_site_are_skipped_and_links_inside_followed(make_site, tmp_path):
    site = make_site({"a": paper_text("A")}, files={"assets/shared.css": "p { color: teal; }"})
    elsewhere = outside_folder(tmp_path)
    (site / "static").mkdir()
    (site / "static" / "passwd.txt").symlink_to(elsewhere / "id_rsa")
    (site / "static" / "keys").symlink_to(elsewhere)
    (site / "static" / "shared.css").symlink_to(site / "assets" / "shared.css")
    (site / "static" / "loop").symlink_to(site / "static")  # inside, but a loop
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    static = site / "static"
    assert (
        f"{static / 'passwd.txt'}: symlink to {elsewhere / 'id_rsa'} leaves the site, skipped"
        in run.err
    )
    assert f"{static / 'keys'}: symlink to {elsewhere} leaves the site, skipped" in run.err
    out = site / "_site"
    assert (out / "static" / "shared.css").read_text() == "p { color: teal; }"
    assert not (out / "static" / "passwd.txt").exists()
    assert not (out / "static" / "keys").exists()
    assert SECRET not in published(out)


def test_a_static_folder_linked_out_of_the_site_is_not_read(make_site, tmp_path):
    site = make_site({"a": paper_text("A")})
    elsewhere = outside_folder(tmp_path)
    (site / "static").symlink_to(elsewhere)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert f"{site / 'static'}: symlink to {elsewhere} leaves the site, skipped" in run.err
    assert SECRET not in published(site / "_site")
    assert (site / "_site" / "static" / "style.css").is_file()  # the theme's files still are


def test_paper_files_linked_out_of_the_site_are_skipped(make_site, tmp_path):
    site = make_site({"a": paper_text("Own paper")}, files={"drafts/b.md": paper_text("Draft B")})
    elsewhere = outside_folder(tmp_path)
    papers = site / "content" / "papers"
    (papers / "stolen.md").symlink_to(elsewhere / "stolen.md")
    (papers / "b.md").symlink_to(site / "drafts" / "b.md")  # inside the site: followed
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    message = f"symlink to {elsewhere / 'stolen.md'} leaves the site, skipped"
    assert f"{papers / 'stolen.md'}: {message}" in run.err
    out = site / "_site"
    assert not (out / "papers" / "stolen.html").exists()
    assert read_html(out / "papers" / "b.html").h1.get_text(strip=True) == "Draft B"
    assert SECRET not in published(out)


def test_a_papers_folder_linked_out_of_the_site_is_not_read(make_site, tmp_path):
    site = make_site()
    elsewhere = outside_folder(tmp_path)
    papers = site / "content" / "papers"
    papers.rmdir()
    papers.symlink_to(elsewhere)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert f"{papers}: symlink to {elsewhere} leaves the site, skipped" in run.err
    assert SECRET not in published(site / "_site")


def test_a_papers_folder_linked_inside_the_site_is_read(make_site):
    """The build's input stamp does not follow a linked folder: the papers are still listed
    from the folder itself, and an edit through the link builds again."""
    site = make_site(
        files={"library/a.md": paper_text("Linked A"), "library/b.md": paper_text("B")}
    )
    papers = site / "content" / "papers"
    shutil.rmtree(papers)
    papers.symlink_to(site / "library")
    # Another link to the same folder: the stamp may walk it under that name instead.
    (site / "content" / "aaa").symlink_to(site / "library")
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert read_html(site / "_site" / "papers" / "a.html").h1.get_text(strip=True) == "Linked A"
    (site / "library" / "c.md").write_text(paper_text("Added C"))
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert read_html(site / "_site" / "papers" / "c.html").h1.get_text(strip=True) == "Added C"


def test_templates_linked_out_of_the_site_are_skipped_for_the_themes(make_site, tmp_path):
    site = make_site({"a": paper_text("A")})
    elsewhere = outside_folder(tmp_path)
    (site / "templates").mkdir()
    (site / "templates" / "index.html").symlink_to(elsewhere / "index.html")
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    link = site / "templates" / "index.html"
    message = f"symlink to {elsewhere / 'index.html'} leaves the site, skipped"
    assert f"{link}: {message}" in run.err
    index = (site / "_site" / "index.html").read_text()
    assert SECRET not in index and "Test reading list" in index  # the theme's template

    (site / "templates" / "index.html").unlink()
    (site / "templates").rmdir()
    (site / "templates").symlink_to(elsewhere)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert f"{site / 'templates'}: symlink to {elsewhere} leaves the site, skipped" in run.err
    assert SECRET not in published(site / "_site")


def test_site_toml_linked_out_of_the_site_is_refused(make_site, tmp_path):
    site = make_site({"a": paper_text("A")})
    elsewhere = outside_folder(tmp_path)
    (elsewhere / "site.toml").write_text(SITE_TOML.replace("Test reading list", SECRET))
    (site / "site.toml").unlink()
    (site / "site.toml").symlink_to(elsewhere / "site.toml")
    run = run_sitegen("build", "--site", site)
    assert run.code == 1
    assert f"{site / 'site.toml'}: symlink to {elsewhere / 'site.toml'} leaves the site" in run.err
    assert "Traceback" not in run.err
    assert not (site / "_site").exists()


def test_output_folder_inside_an_input_folder_is_refused(make_site):
    site = make_site({"a": paper_text("A")}, files={"static/x.css": "", "templates/x.html": ""})
    for out in (site / "static", site / "static" / "built", site / "templates"):
        run = run_sitegen("build", "--site", site, "--out", out)
        assert run.code == 2, (out, run.err)
        folder = out.relative_to(site).parts[0]
        assert f"output folder {out} is inside or holds {folder}/" in run.err
        assert "Traceback" not in run.err
    assert sorted(p.name for p in (site / "static").iterdir()) == ["x.css"]
    assert sorted(p.name for p in (site / "templates").iterdir()) == ["x.html"]


def test_output_folder_given_as_a_symlink_is_built_into_its_target(make_site, tmp_path):
    site = make_site({"a": paper_text("A")})
    target = tmp_path / "public"
    target.mkdir()
    link = tmp_path / "out-link"
    link.symlink_to(target)
    for title in ("A", "A edited"):
        (site / "content" / "papers" / "a.md").write_text(paper_text(title))
        run = run_sitegen("build", "--site", site, "--out", link)
        assert run.code == 0, run.err
        assert link.is_symlink() and os.readlink(link) == str(target)
        assert read_html(target / "papers" / "a.html").h1.get_text(strip=True) == title
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
