"""How fast `sitegen serve` turns a saved paper into a written page (issue #7's 0.3 s).

    python benchmarks/serve_edit.py SITE SLUG [--runs 5] [--out DIR]

Does what the server does on a save, in this process and without the HTTP and browser parts
(benchmarks/bench_serve.py measures those, save to reloaded tab): a kept in-place Builder,
its first full build, then per run one paper's notes rewritten and
- `quick_update`: the edited page re-rendered and written (what the open tab reloads), then
- the incremental `build(changed, defer_slow=True)` that follows (listings, feeds; the search
  index catches up in a worker afterwards).
Prints one JSON line of medians in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from sitegen.serve.incremental import IncrementalBuilder  # noqa: E402

NOTES_HEADING = "\n## Notes\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("slug")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="serve-edit-")) / "_site"
    builder = IncrementalBuilder(args.site, out)
    builder.build()
    paper = (args.site / "content" / "papers" / f"{args.slug}.md").resolve()
    quick, full = [], []
    for run in range(args.runs):
        text = paper.read_text(encoding="utf-8").split(NOTES_HEADING, 1)[0]
        paper.write_text(f"{text}{NOTES_HEADING}\nServe edit {run}.\n", encoding="utf-8")
        started = time.perf_counter()
        written = builder.quick_update({paper})
        quick.append(time.perf_counter() - started)
        if written != [f"papers/{args.slug}.html"]:
            raise SystemExit(f"the quick path did not write the page: {written}")
        started = time.perf_counter()
        builder.build({paper}, defer_slow=True)
        full.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "page_written_ms": 1000 * statistics.median(quick),
                "incremental_pass_ms": 1000 * statistics.median(full),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
