"""Loading speed and memory of each MovieLens file layout at ml-1m size.

Each layout is generated at ml-1m's shape (6,040 users, 3,883 movies, 1,000,209
ratings) in a temp dir by :mod:`movielens_tui.data.synthetic` (``u.*`` by
``write_movielens_folder``, ml-1m ``.dat`` by ``write_dat_release``, the CSV layout by
``write_csv_release``); the real bundled ml-latest-small zip is extracted next to them.
Every load runs in a FRESH Python process, so its peak RSS is the load's own: the child
notes ``ru_maxrss`` at start, after importing numpy / pandas / the loader, and after
``layouts.load(folder, registry.get(name))``, which is the call timed. Best of
``--repeats`` (3) runs; peak RSS is the largest over the runs. The goal: the ``.dat``
layout at ml-1m size loads in ≤ 3 s.

    python benchmarks/loading.py                  # updates BENCHMARKS.md
    python benchmarks/loading.py --profile dat    # cProfile one load, top functions
    python benchmarks/loading.py --smoke          # tiny sizes, seconds

Only a full run writes BENCHMARKS.md; ``--smoke`` writes only with ``--output`` or
``$BENCHMARKS_OUTPUT``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import REPO, parser, update_section  # noqa: E402

SECTION = "loading"
ML_1M_SIZE = (6_040, 3_883, 1_000_209)
SMOKE_SIZE = (60, 80, 1_500)
GOAL_SECONDS = 3.0
GOAL_LAYOUT = "dat"


@dataclass(frozen=True)
class Case:
    """One thing to load: a label, the registry entry whose layout parses it, and how
    its folder is made (``generator`` = a synthetic writer, or ``bundled``)."""

    key: str
    label: str
    dataset: str  # registry name passed to layouts.load
    generator: str  # "u", "dat", "csv" or "bundled"


CASES = (
    Case("100k", "u.* (ml-100k layout)", "ml-100k", "u"),
    Case("dat", ".dat (ml-1m layout)", "ml-1m", "dat"),
    Case("csv", "CSV (ml-20m/25m/32m layout)", "ml-25m", "csv"),
    Case("latest-small", "real ml-latest-small (bundled zip)", "ml-latest-small", "bundled"),
)


def generate(case: Case, root: Path, size: tuple[int, int, int]) -> Path:
    """Write ``case``'s folder under ``root``; returns it."""
    from movielens_tui.data import registry, synthetic

    spec = registry.get(case.dataset)
    folder = root / case.key / spec.folder
    n_users, n_movies, n_ratings = size
    if case.generator == "u":
        synthetic.write_movielens_folder(folder, n_users, n_movies, n_ratings, seed=0, folds=False)
    elif case.generator == "dat":
        synthetic.write_dat_release(folder, "ml-1m", n_users, n_movies, n_ratings, seed=0)
    elif case.generator == "csv":
        synthetic.write_csv_release(folder, n_users, n_movies, n_ratings, seed=0)
    else:
        from movielens_tui.data.download import extract

        zip_path = registry.bundled_zip(spec)
        if zip_path is None:
            raise SystemExit(f"the bundled {spec.zip_name} is missing from the package")
        extract(zip_path, spec, folder)
    return folder


# --------------------------------------------------------------------------- child

CHILD = r"""
import json, resource, sys, time
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
def current():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
out = {"rss_start": rss()}
t = time.perf_counter()
sys.path.insert(0, sys.argv[3])
import numpy, pandas
from movielens_tui.data import layouts, registry
spec = registry.get(sys.argv[2])
layouts._module(spec.layout)  # the layout's parser module: imported, not timed
out["import_seconds"] = time.perf_counter() - t
out["rss_imports"] = rss()
folder = sys.argv[1]
t = time.perf_counter()
if len(sys.argv) > 4:
    import cProfile, pstats
    profile = cProfile.Profile()
    dataset = profile.runcall(layouts.load, folder, spec)
    out["load_seconds"] = time.perf_counter() - t
    stats = pstats.Stats(profile, stream=sys.stderr).sort_stats(sys.argv[4])
    stats.print_stats(25)
else:
    dataset = layouts.load(folder, spec)
    out["load_seconds"] = time.perf_counter() - t
out["rss_peak"] = rss()
out["rss_now"] = current()
out["shape"] = [dataset.n_users, dataset.n_movies, dataset.n_ratings]
print(json.dumps(out))
"""


def measure(folder: Path, dataset: str, profile: str | None = None) -> dict:
    """One load of ``folder`` in a fresh interpreter; its figures (see ``CHILD``)."""
    args = [sys.executable, "-c", CHILD, str(folder), dataset, str(REPO)]
    if profile:
        args.append(profile)
    # Linux keeps a process's peak RSS across fork and exec, so a child forked from this
    # (large) process would start at our peak. A small shell forks it instead (the
    # command is not its last, so it is not exec'd in place): the child's
    # ru_maxrss starts from the shell's few MB.
    args = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *args]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"loading {folder} failed:\n{proc.stderr[-3000:]}")
    if profile:
        print(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@dataclass
class Result:
    case: Case
    runs: list[dict]
    generate_seconds: float
    disk_mb: float

    @property
    def best(self) -> float:
        return min(r["load_seconds"] for r in self.runs)

    def worst(self, key: str) -> float:
        return max(r[key] for r in self.runs)

    @property
    def shape(self) -> list[int]:
        return self.runs[0]["shape"]


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 2**20


def markdown(results: list[Result], repeats: int, smoke: bool) -> str:
    size = "tiny (smoke run, not the real figures)" if smoke else "ml-1m size"
    lines = [
        "## Loading: each layout at ml-1m size",
        "",
        f"Loading each layout at {size}, plus the real bundled ml-latest-small: "
        f"`layouts.load(folder, registry.get(name))` in a fresh process per run, best of "
        f"{repeats}. RSS from `getrusage(RUSAGE_SELF).ru_maxrss` in the child: at start, "
        "after importing numpy, pandas and the loader, and the peak after the load "
        '(largest over the runs); "kept" is the resident size after the load (VmRSS).',
        "",
        "| layout | users / movies / ratings | files MB | load s (best) | load s (runs) "
        "| import s | RSS start MB | RSS after imports MB | peak RSS MB | load Δ MB "
        "| kept MB |",
        "|---" * 11 + "|",
    ]
    for r in results:
        shape = " / ".join(f"{n:,}" for n in r.shape)
        runs = ", ".join(f"{x['load_seconds']:.2f}" for x in r.runs)
        imports = min(x["import_seconds"] for x in r.runs)
        start, after = r.worst("rss_start"), r.worst("rss_imports")
        peak = r.worst("rss_peak")
        lines.append(
            f"| {r.case.label} | {shape} | {r.disk_mb:.1f} | {r.best:.2f} | {runs} "
            f"| {imports:.2f} | {start:.0f} | {after:.0f} | {peak:.0f} | {peak - after:.0f} "
            f"| {r.worst('rss_now'):.0f} |"
        )
    lines.append("")
    goal = next((r for r in results if r.case.key == GOAL_LAYOUT), None)
    if goal is not None and not smoke:
        verdict = "met" if goal.best <= GOAL_SECONDS else "NOT met"
        lines.append(
            f"- Goal: ml-1m size in the .dat layout loads in ≤ {GOAL_SECONDS:g} s: "
            f"best {goal.best:.2f} s, {verdict}."
        )
    generated = ", ".join(
        f"{r.case.key} {r.generate_seconds:.1f} s" for r in results if r.case.generator != "bundled"
    )
    lines.append(f"- Generating the synthetic folders (not timed above): {generated}.")
    load = os.getloadavg()[0]
    lines.append(f"- Load average when the run finished: {load:.2f} (2-core machine, shared).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3, help="fresh-process runs per layout")
    p.add_argument(
        "--layouts",
        default=",".join(c.key for c in CASES),
        help="comma-separated: " + ", ".join(c.key for c in CASES),
    )
    p.add_argument(
        "--profile",
        metavar="LAYOUT",
        default=None,
        help="cProfile one load of LAYOUT (sorted by --sort) and print it; writes nothing",
    )
    p.add_argument("--sort", default="cumulative", help="pstats sort key for --profile")
    p.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    args = p.parse_args(argv)
    known = {c.key: c for c in CASES}
    keys = [args.profile] if args.profile else [k for k in args.layouts.split(",") if k]
    unknown = [k for k in keys if k not in known]
    if unknown:
        p.error(f"unknown layout {', '.join(unknown)}; choose from {', '.join(known)}")
    repeats = 1 if args.smoke else max(1, args.repeats)
    size = SMOKE_SIZE if args.smoke else ML_1M_SIZE

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="loading-bench-") as tmp:
        for key in keys:
            case = known[key]
            started = time.perf_counter()
            folder = generate(case, Path(tmp), size)
            generated = time.perf_counter() - started
            if args.profile:
                run = measure(folder, case.dataset, args.sort)
                print(f"{case.label}: load {run['load_seconds']:.2f} s under cProfile")
                return 0
            runs = [measure(folder, case.dataset) for _ in range(repeats)]
            result = Result(case, runs, generated, disk_mb(folder))
            results.append(result)
            times = ", ".join(f"{r['load_seconds']:.2f}" for r in runs)
            print(
                f"{case.label}: best {result.best:.2f} s ({times}), "
                f"peak RSS {result.worst('rss_peak'):.0f} MB",
                flush=True,
            )
    body = markdown(results, repeats, args.smoke)
    print(body)
    if args.json is not None:
        raw = [{"layout": r.case.key, "runs": r.runs, "generate_seconds": r.generate_seconds}
               for r in results]  # fmt: skip
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    full = keys == [c.key for c in CASES]
    if args.smoke or not full:
        path = update_section(SECTION, body, args.output, smoke=True)
    else:
        path = update_section(SECTION, body, args.output)
    print(f"updated {path}" if path else "BENCHMARKS.md left alone (pass --output to write)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
