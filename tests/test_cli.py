"""The command line as a new user meets it (issue 16): warnings that do not stop a build,
help, argument checks, colour, progress and the summary line."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, paper_text, read_html, run_sitegen

NO_BASE_URL = 'title = "No address yet"\n'


def missing_link_site(make_site) -> Path:
    return make_site(
        {
            "a": paper_text("A paper", notes="First line.\n\nSee [[missing-paper]] later."),
            "b": paper_text("Another paper", "2025-02-01"),
        }
    )


def test_link_to_a_paper_not_added_yet_warns_at_its_line_and_shows_a_red_link(make_site):
    site = missing_link_site(make_site)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    path = site / "content" / "papers" / "a.md"
    line = path.read_text().split("\n").index("See [[missing-paper]] later.") + 1
    assert f"warning: {path}:{line}: no paper [[missing-paper]] yet" in run.err
    notes = read_html(site / "_site" / "papers" / "a.html").select_one(".notes")
    [red] = notes.select(".wikilink-missing")
    assert red.name == "span" and red.get_text() == "missing-paper"
    assert red["title"] == "no paper with this slug or title yet"
    assert not notes.find_all("a")
    assert (site / "_site" / "papers" / "b.html").is_file()


def test_strict_build_turns_warnings_into_errors_and_keeps_the_last_good_site(make_site):
    site = missing_link_site(make_site)
    assert run_sitegen("build", "--site", site).code == 0
    page = site / "_site" / "papers" / "a.html"
    before = page.read_bytes()
    (site / "content" / "papers" / "a.md").write_text(
        paper_text("A paper, edited", notes="See [[missing-paper]].")
    )
    run = run_sitegen("build", "--site", site, "--strict")
    assert run.code == 1
    assert "no paper [[missing-paper]] yet" in run.err
    assert "1 error; nothing was written" in run.err
    assert "Traceback" not in run.err
    assert page.read_bytes() == before


def test_a_site_with_a_missing_link_still_rebuilds_under_serve(make_site):
    from sitegen.serve.incremental import IncrementalBuilder

    site = missing_link_site(make_site)
    builder = IncrementalBuilder(site)
    first = builder.build()
    assert [w.message.split(":")[0] for w in first.warnings] == ["no paper [[missing-paper]] yet"]
    new = site / "content" / "papers" / "missing-paper.md"
    new.write_text(paper_text("The missing paper", "2025-03-05"))
    again = builder.build({new.resolve()})
    assert again.warnings == []
    link = read_html(site / "_site" / "papers" / "a.html").select_one(".notes a")
    assert (link["href"], link.get_text()) == ("missing-paper.html", "The missing paper")


def test_port_out_of_range_is_refused_before_any_work(make_site):
    site = make_site({"a": paper_text("A")})
    run = run_sitegen("serve", "--site", site, "--port", "99999")
    assert run.code == 2
    assert "usage: sitegen serve" in run.err
    assert "argument --port: '99999' is not a port number from 1 to 65535" in run.err
    assert "Traceback" not in run.err
    assert not (site / "_site").exists()


def test_an_unknown_option_shows_the_commands_usage_and_a_close_spelling(tmp_path):
    run = run_sitegen("build", "--sitee", "x", cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("usage: sitegen build ")
    assert "unrecognized arguments: --sitee x (did you mean --site?)" in run.err


def test_help_describes_every_command_and_option_with_defaults_and_an_example():
    top = run_sitegen("--help")
    assert top.out.startswith("usage: sitegen ")
    assert "Build a static website from a reading list of research papers." in top.out
    assert "The command line: parse arguments" not in top.out  # no code docstring
    commands = ("new", "import", "add", "remove", "mark", "build", "serve")
    for command in commands:
        assert re.search(rf"^    {command} +\w", top.out, re.M), command
        text = run_sitegen(command, "--help").out
        assert "example:\n  sitegen " + command in text
        options = text.split("options:\n")[1].split("\n\n")[0]
        # Every option and argument has a line of help after its name.
        for entry in re.split(r"\n  (?=-)", options):
            assert re.search(r"\S(  +|\n +)\S", entry.strip()), (command, entry)
        for name in ("-q, --quiet", "-v, --verbose"):
            assert name in options
    serve = run_sitegen("serve", "--help").out
    assert "(default: 127.0.0.1)" in serve and "(default: 8000)" in serve
    assert "(default: .)" in serve
    assert re.search(r"DIR +the folder to create", run_sitegen("new", "--help").out)
    assert re.search(r"FILE +the files to import", run_sitegen("import", "--help").out)
    version = run_sitegen("--version")
    assert re.fullmatch(r"sitegen \d+\.\d+\.\d+\n", version.out)


def test_errors_and_warnings_are_coloured_only_without_no_color(make_site):
    site = missing_link_site(make_site)
    plain = run_sitegen("build", "--site", site, "--strict")
    assert "\x1b[" not in plain.err  # not a terminal
    forced = run_sitegen("build", "--site", site, "--strict", env={"FORCE_COLOR": "1"})
    assert "\x1b[1;31msitegen: error:" in forced.err
    no_color = run_sitegen(
        "build", "--site", site, "--strict", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}
    )
    assert not re.search(r"\x1b\[[0-9;]*3\dm", no_color.err)
    assert "sitegen: error:" in no_color.err


def run_on_terminal(*args: str | Path) -> tuple[int, str, str]:
    """Run sitegen with stderr on a pseudo-terminal, as a user at a terminal sees it:
    (exit code, stdout, what the terminal showed)."""
    main, secondary = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
        text=True,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        shown += chunk
    out = process.stdout.read() if process.stdout else ""
    code = process.wait(timeout=300)
    os.close(main)
    return code, out, shown.decode("utf-8", "replace")


def test_a_build_on_a_terminal_shows_a_bar_per_stage_then_one_line(make_site):
    site = make_site({f"p{i}": paper_text(f"Paper {i}", f"2025-01-{i + 1:02d}") for i in range(5)})
    code, out, shown = run_on_terminal("build", "--site", site)
    assert code == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    for stage, count in (("load", "5/5"), ("render", None), ("search", None), ("write", None)):
        line = next(line for line in text.splitlines()[::-1] if line.startswith(stage))
        assert re.search(r"\d+/\d+ +0:00:\d\d", line), line
        if count:
            assert count in line
    assert out.count("\n") == 1 and out.startswith("Built 5 papers")


def test_quiet_or_not_a_terminal_prints_the_summary_alone(make_site):
    site = make_site({"a": paper_text("A")})
    code, out, shown = run_on_terminal("build", "--site", site, "--quiet")
    assert code == 0 and shown == ""
    assert out.count("\n") == 1 and out.startswith("Built 1 paper, 0 tags")
    (site / "content" / "papers" / "b.md").write_text(paper_text("B", "2025-04-01"))
    run = run_sitegen("build", "--site", site)
    assert run.err == ""
    assert run.out.count("\n") == 1 and run.out.startswith("Built 2 papers")


def test_the_exit_skips_no_output_and_a_profiled_run_still_writes_its_profile(make_site, tmp_path):
    """The command ends with os._exit (no teardown of the build's objects): what it printed
    must still reach a pipe whole, and cProfile, which writes at exit, its file."""
    site = make_site({"a": paper_text("A"), "b": paper_text("B", "2025-04-01")})
    buffered = {"PYTHONUNBUFFERED": ""}  # as a user's shell has it (this machine's does not)
    piped = run_sitegen("build", "--site", site, env=buffered)  # a pipe: block-buffered
    assert piped.code == 0
    assert piped.out.startswith("Built 2 papers") and piped.out.endswith("\n")
    profile = tmp_path / "build.prof"
    launcher = ("-m", "cProfile", "-o", profile)
    profiled = run_sitegen("build", "--site", site, "--quiet", launcher=launcher)
    assert profiled.code == 0 and profiled.out.startswith("Nothing changed")
    assert profile.stat().st_size > 0


def test_no_base_url_is_one_note_in_the_summary_not_a_warning(make_site):
    site = make_site({"a": paper_text("A", tags=("x",))}, config=NO_BASE_URL)
    run = run_sitegen("build", "--site", site)
    assert run.err == ""
    assert run.out.rstrip().endswith(
        "; no base_url in site.toml: feed links are relative, no sitemap.xml"
    )
    again = run_sitegen("build", "--site", site)
    assert again.err == "" and again.out.startswith("Nothing changed")


def test_new_takes_the_sites_address(tmp_path):
    run = run_sitegen("new", tmp_path / "site", "--base-url", "https://example.org/list/")
    assert run.code == 0, run.err
    assert (
        '\nbase_url = "https://example.org/list/"\n'
        in (tmp_path / "site" / "site.toml").read_text()
    )
    bad = run_sitegen("new", tmp_path / "other", "--base-url", "example.org")
    assert bad.code == 2 and "'example.org' is not an address starting https://" in bad.err
    assert not (tmp_path / "other").exists()


def test_summary_counts_files_and_pages_apart(make_site):
    site = make_site({"a": paper_text("A", tags=("x",)), "b": paper_text("B", "2025-01-01")})
    first = run_sitegen("build", "--site", site).out
    files = sum(
        1 for p in (site / "_site").rglob("*") if p.is_file() and p.name != ".sitegen-manifest.json"
    )
    match = re.fullmatch(
        r"Built 2 papers, 1 tag into \S+ in [\d.]+ s: (\d+) files \((\d+) pages\), (\d+) written\n",
        first,
    )
    assert match, first
    assert int(match[1]) == int(match[3])
    pages = sum(1 for p in (site / "_site").rglob("*.html"))
    assert int(match[2]) == pages
    assert int(match[1]) == files
    (site / "content" / "papers" / "b.md").write_text(paper_text("B", "2025-01-01", notes="Hm."))
    second = run_sitegen("build", "--site", site).out
    again = re.search(rf": {match[1]} files \({pages} pages\), (\d+) written\n$", second)
    assert again and 0 < int(again[1]) < int(match[1]), second


def test_build_after_serve_says_nothing_changed(make_site):
    site = make_site({"a": paper_text("A", tags=("x",))})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "8765"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = iter(server.stdout.readline, "")
        assert any(line.startswith("Serving ") for line in lines)
    finally:
        server.terminate()
        server.wait(timeout=60)
    run = run_sitegen("build", "--site", site)
    assert run.code == 0, run.err
    assert run.out.startswith("Nothing changed since the last build: 1 paper, 1 tag"), run.out


def test_imported_tag_and_author_lists_never_wrap_inside_an_item(make_site, tmp_path):
    site = make_site(
        config=NO_BASE_URL + '[[topics]]\ntag = "knowledge distillation"\nmatch = ["distil*"]\n'
    )
    authors = " and ".join(f"Firstname{i} Lastname-Longer{i}" for i in range(12))
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{k1,\n  title = {Knowledge distillation for very long author lists},\n"
        f"  author = {{{authors}}},\n  year = {{2024}},\n"
        "  keywords = {knowledge distillation, model compression, efficient inference, "
        "teacher student learning, dark knowledge}\n}\n"
    )
    run = run_sitegen("import", bib, "--site", site)
    assert run.code == 0, run.err
    [path] = (site / "content" / "papers").glob("*.md")
    lines = path.read_text(encoding="utf-8").split("---\n")[1].splitlines()
    [author_line] = [line for line in lines if line.startswith("authors:")]
    for i in range(12):
        assert f"Firstname{i} Lastname-Longer{i}" in author_line
    assert all(re.match(r"[a-z_]+:|- ", line) for line in lines), lines
    [tag_line] = [line for line in lines if line.startswith("tags:")]
    assert "knowledge distillation" in tag_line


def test_importing_a_file_that_is_no_dump_says_what_sitegen_reads(make_site):
    site = make_site()
    log = site / "build.log"
    log.write_text("12:00:01 started\n12:00:02 done, 0 errors\n")
    for path in (site / "site.toml", log):
        run = run_sitegen("import", path, "--site", site)
        said = run.out + run.err
        assert run.code == 1
        assert f"{path}:1: not a file sitegen imports: read as a Daily Papers page dump" in said
        assert "BibTeX (.bib), RIS (.ris) and CSL-JSON (.json)" in said
        assert "add the date line" not in said
        assert "Traceback" not in run.err


def test_importing_a_link_points_to_sitegen_add(make_site):
    site = make_site()
    run = run_sitegen("import", "https://arxiv.org/abs/2205.13147", "--site", site)
    assert run.code == 2
    assert "run `sitegen add https://arxiv.org/abs/2205.13147`" in run.err


def group_members(pgid: int) -> list[str]:
    """The command lines of the processes in process group `pgid` (zombies included)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):  # not a process, or gone meanwhile
            continue
        if int(stat.rpartition(")")[2].split()[2]) == pgid:
            members.append(f"{entry.name}: {command or stat}")
    return members


# A big site builds its search index in a spawned process (which brings multiprocessing's
# resource tracker along); lowered, so that a few papers do too.
SPAWNED_SEARCH = (
    "import sys; import sitegen.build.pipeline as p; p.SPAWN_SEARCH_FROM = 1; "
    "from sitegen.cli import main; sys.exit(main())"
)

# The same, with a semaphore freed by a thread other than the main one taking its time
# between unlinking and unregistering: the window in which CI once saw the resource
# tracker launched again after sitegen had stopped it (a zombie reparented to init).
SLOW_SEMAPHORE_CLEANUP = """
import sys, threading, time
import multiprocessing.synchronize as synchronize
from _multiprocessing import sem_unlink
from multiprocessing import resource_tracker

def cleanup(name):
    sem_unlink(name)
    if threading.current_thread() is not threading.main_thread():
        time.sleep(0.3)
    resource_tracker.unregister(name, "semaphore")

synchronize.SemLock._cleanup = staticmethod(cleanup)
""" + SPAWNED_SEARCH.replace("; ", "\n")


@pytest.mark.parametrize(
    "launch",
    [["-m", "sitegen"], ["-c", SPAWNED_SEARCH], ["-c", SLOW_SEMAPHORE_CLEANUP]],
    ids=["forked-workers", "spawned-search", "slow-semaphore-cleanup"],
)
def test_build_leaves_no_process_of_its_group_behind_when_it_exits(make_site, launch):
    papers = {
        f"p{i}": paper_text(f"Contrastive paper {i}", f"2025-03-{i + 1:02d}") for i in range(9)
    }
    site = make_site(papers)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, *launch, "build", "-q", "--site", str(site)]
    # Its own session, as a harness that times or sandboxes the build starts it.
    process = subprocess.Popen(command, env=env, start_new_session=True)
    assert process.wait(timeout=300) == 0
    assert group_members(process.pid) == []
    assert (site / "_site" / "search.html").is_file()


HAND_WRITTEN = (
    "---\r\n"
    'title: "A paper"   # from the PDF\r\n'
    "date: 2025-03-01\r\n"
    "tags: [vision]  # for now\r\n"
    "status: to-read\r\n"
    "custom: kept\r\n"
    "---\r\n"
    "Abstract.\r\n\r\n## Notes\r\n\r\nMine,   spaced.\r\n"
)


def test_mark_read_rewrites_only_the_status_and_read_lines(make_site):
    site = make_site({"a": HAND_WRITTEN, "b": paper_text("B", status="reading")})
    path = site / "content" / "papers" / "a.md"
    path.write_bytes(HAND_WRITTEN.encode())
    today = dt.date.today().isoformat()
    run = run_sitegen("mark", "read", "a", "b.md", "--site", site)
    assert run.code == 0, run.err
    assert f"Marked {path} read on {today}" in run.out
    expected = HAND_WRITTEN.replace("status: to-read\r\n", "status: read\r\n")
    expected = expected.replace("custom: kept\r\n", f"custom: kept\r\nread: {today}\r\n")
    assert path.read_bytes() == expected.encode()
    other = (site / "content" / "papers" / "b.md").read_text()
    assert "status: read\n" in other and f"read: {today}\n" in other
    # Read already: a read date is kept, and the file is not written again.
    before = path.stat().st_mtime_ns
    run = run_sitegen("mark", "read", "a", "--site", site)
    assert run.code == 0 and "already" in run.out
    assert path.stat().st_mtime_ns == before
    # Back to reading: the read date stays (it was the user's record); --date sets one.
    assert run_sitegen("mark", "reading", "a", "--site", site).code == 0
    reading = expected.replace("status: read\r\n", "status: reading\r\n")
    assert path.read_bytes() == reading.encode()
    assert run_sitegen("mark", "read", "a", "--date", "2026-03-03", "--site", site).code == 0
    assert path.read_bytes() == expected.replace(today, "2026-03-03").encode()
    page = site / "_site" / "papers" / "a.html"
    assert run_sitegen("build", "--site", site).code == 0
    assert read_html(page).select_one(".read-on").get_text() == "read 3 March 2026"


def test_mark_an_unknown_paper_names_it_and_writes_nothing(make_site):
    site = make_site({"attention": paper_text("Attention"), "b": paper_text("B")})
    files = {p: p.read_bytes() for p in (site / "content" / "papers").iterdir()}
    run = run_sitegen("mark", "read", "b", "atention", "../site.toml", "--site", site)
    assert run.code == 1
    papers = site / "content" / "papers"
    assert f"{papers / 'atention.md'}: no such paper (did you mean `attention`?)" in run.err
    assert "site.toml" in run.err and "Traceback" not in run.err
    assert "2 errors; nothing was written" in run.err
    assert {p: p.read_bytes() for p in papers.iterdir()} == files


def test_mark_refuses_a_broken_paper_a_bad_status_or_date(make_site):
    broken = "---\ntitle: T\ndate: 2025-01-01\nread: 2025-02-30\n---\nx\n"
    site = make_site({"broken": broken, "b": paper_text("B")})
    run = run_sitegen("mark", "read", "b", "broken", "--site", site)
    assert run.code == 1
    path = site / "content" / "papers" / "broken.md"
    assert f"{path}:4: `read` must be a date written YYYY-MM-DD, not '2025-02-30'" in run.err
    assert "status: read" not in (site / "content" / "papers" / "b.md").read_text()
    bad_status = run_sitegen("mark", "done", "b", "--site", site)
    assert bad_status.code == 2 and "invalid choice: 'done'" in bad_status.err
    bad_date = run_sitegen("mark", "read", "b", "--date", "3 March", "--site", site)
    assert bad_date.code == 2 and "'3 March' is not a day written YYYY-MM-DD" in bad_date.err
    unread = run_sitegen("mark", "reading", "b", "--date", "2026-03-03", "--site", site)
    assert unread.code == 2 and "--date" in unread.err and "goes with `read`" in unread.err


def test_a_build_leaves_the_garbage_collector_on_unless_the_process_ends_with_it(
    make_site: Callable[..., Path],
) -> None:
    """`main` called by a program leaves its collector as it was; `sitegen build` (`run`,
    which exits right after) leaves it off: its first collection would walk everything the
    build made, to free nothing (22 ms of a tag edit at 10,000 papers)."""
    site = make_site({"p": paper_text("A paper", "2025-01-01", ("nlp",))})
    script = (
        "import gc; from sitegen.cli import main; "
        f"args = ['build', '-q', '--site', {str(site)!r}]; "
        "main(args); kept = gc.isenabled(); main(args, process_ends=True); "
        "print(kept, gc.isenabled())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["True", "False"]
