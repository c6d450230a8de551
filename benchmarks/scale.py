"""Scale: generated releases in their real layouts at ml-1m, ml-25m and ml-32m shapes.

Each release is written by ``movielens_tui.data.synthetic`` (ml-1m in the ``::`` ``.dat``
layout with its users file; ml-25m and ml-32m as CSV: ratings.csv, movies.csv with quoted
titles, tags.csv, links.csv) straight into the cache folder a verified download would
have extracted to, so every later phase opens it exactly as the app opens a downloaded
release. Each phase runs in a fresh subprocess, so each peak RSS (``ru_maxrss``) is its
own:

1. **generate** the release files;
2. **first load**: parse the text and write the columnar cache;
3. **cached load**: open from the columnar cache;
4. **biased-mf epoch**: one epoch of minibatch SGD through the trainer (90/10 holdout),
   the model's own fit time (TensorFlow's import not counted);
5. **models**: one WALS iteration and the EASE fit (top-N movies) when those presets exist;
6. **queries**: title search per keystroke (p95) over the release's titles, and
   neighbours / recommendations with exclude-rated (p95) from the trained model;
7. **app**: the installed ``movielens-tui --dataset NAME`` started in tmux, time until the
   Dataset pane shows the counts (cached start).

    python benchmarks/scale.py                      # ml-1m, ml-25m, ml-32m: ~15 min, ~6 GB temp
    python benchmarks/scale.py --sizes ml-1m        # the quick one
    python benchmarks/scale.py --smoke
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import parser, percentiles, update_section  # noqa: E402

SIZES = ("ml-1m", "ml-25m", "ml-32m")
SMOKE = {"n_users": 300, "n_movies": 400, "n_ratings": 6_000}
GOALS = {
    "first_load_s": 60.0,
    "first_load_rss_gib": 4.0,
    "cached_load_s": 3.0,
    "epoch_s": 60.0,
    "epoch_rss_gib": 6.0,
    "search_p95_ms": 20.0,
    "query_p95_ms": 5.0,
    "app_counts_s": 5.0,
}
PHASE_TIMEOUT_S = 900
QUERIES = ("forrest gump", "star wars", "toy story", "godfather", "matrix", "lord of the rings",
           "shawshank", "pulp fiction", "silence lambs", "amelie")  # fmt: skip


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def shape(size: str) -> dict[str, int]:
    from movielens_tui.data import synthetic

    if size == "smoke":
        return dict(SMOKE)
    return dict(getattr(synthetic, f"{size.upper().replace('-', '_')}_SHAPE"))


def release_name(size: str) -> str:
    return "ml-25m" if size == "smoke" else size


# --------------------------------------------------------------------------- phases


def phase_generate(size: str) -> dict:
    from movielens_tui.data import registry
    from movielens_tui.data.download import dataset_dir
    from movielens_tui.data.synthetic import write_csv_release, write_dat_release
    from movielens_tui.paths import cache_dir

    spec = registry.get(release_name(size))
    folder = dataset_dir(spec, cache_dir())
    t = time.perf_counter()
    if spec.layout == "dat":
        write_dat_release(folder, "ml-1m", **shape(size))
    else:
        write_csv_release(folder, **shape(size))
    mib = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    return {"generate_s": time.perf_counter() - t, "mib": mib, "rss": peak_rss_gib()}


def phase_load(size: str) -> dict:
    from movielens_tui.data import source

    t = time.perf_counter()
    data = source.load(name=release_name(size))
    return {
        "load_s": time.perf_counter() - t,
        "ratings": data.n_ratings,
        "users": data.n_users,
        "movies": data.n_movies,
        "rss": peak_rss_gib(),
    }


def phase_epoch(size: str, model_path: str) -> dict:
    from movielens_tui.data import source
    from movielens_tui.models import store, trainer

    data = source.load(name=release_name(size))
    before = peak_rss_gib()
    t = time.perf_counter()
    model = trainer.train(data, "biased-mf", {"epochs": 1}, seed=0)
    elapsed = time.perf_counter() - t
    store.save(model, model_path)
    return {
        "epoch_s": elapsed,
        "fit_s": model.fit_seconds,
        "test_rmse": model.final_metrics.get("test_rmse"),
        "rss": peak_rss_gib(),
        "rss_before": before,
    }


def phase_models(size: str) -> dict:
    """One WALS iteration and the EASE fit, for the presets that exist."""
    from movielens_tui.data import source
    from movielens_tui.models import presets, trainer

    data = source.load(name=release_name(size))
    names = (
        {p.name for p in presets.all_presets()}
        if hasattr(presets, "all_presets")
        else set(getattr(presets, "PRESETS", {}))
    )
    out: dict[str, object] = {}
    for preset, overrides, key in (("wals", {"iterations": 1}, "wals_s"), ("ease", {}, "ease_s")):
        if preset not in names:
            out[key] = None
            continue
        t = time.perf_counter()
        try:
            model = trainer.train(data, preset, overrides, seed=0)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            out[key] = f"failed: {str(exc).splitlines()[0][:80]}"
            continue
        out[key] = time.perf_counter() - t
        out[f"{preset}_movies"] = model.n_movies
    out["rss"] = peak_rss_gib()
    return out


def phase_queries(size: str, model_path: str, repeats: int) -> dict:
    import numpy as np

    from movielens_tui.data import source
    from movielens_tui.models import scoring, store
    from movielens_tui.search import TitleIndex

    data = source.load(name=release_name(size))
    model = store.load(model_path, data)
    titles = data.movies["title"].tolist()
    t = time.perf_counter()
    index = TitleIndex(titles)
    build_s = time.perf_counter() - t
    keystrokes = []
    for query in QUERIES:
        for n in range(1, len(query) + 1):
            t = time.perf_counter()
            index.search(query[:n], limit=10)
            keystrokes.append(time.perf_counter() - t)
    rng = np.random.default_rng(0)
    movies = rng.integers(0, data.n_movies, repeats).tolist()
    users = rng.integers(0, data.n_users, repeats).tolist()
    for m, u in zip(movies[:20], users[:20], strict=True):  # warm up
        scoring.neighbors(model, m, scoring.COSINE, 10)
        scoring.recommend(model, data, u, scoring.DOT, 10, True)
    neighbours, recommendations = [], []
    for m, u in zip(movies, users, strict=True):
        t = time.perf_counter()
        scoring.neighbors(model, m, scoring.COSINE, 10)
        neighbours.append(time.perf_counter() - t)
        t = time.perf_counter()
        scoring.recommend(model, data, u, scoring.DOT, 10, True)
        recommendations.append(time.perf_counter() - t)
    return {
        "index_build_s": build_s,
        "search_p95_ms": percentiles(keystrokes)[1],
        "neighbors_p95_ms": percentiles(neighbours)[1],
        "recommend_p95_ms": percentiles(recommendations)[1],
        "rss": peak_rss_gib(),
    }


def phase_app(size: str) -> dict:
    """Seconds from launching the installed app to the counts on screen (cached start)."""
    tmux = shutil.which("tmux")
    script = Path(sys.executable).with_name("movielens-tui")
    if tmux is None or not script.exists():
        return {"app_counts_s": None}
    from movielens_tui.data import source

    counts = source.cached_counts(name=release_name(size))
    if counts is None:
        return {"app_counts_s": None}
    target = f"{counts.n_ratings:,} ratings"
    sock = f"scale-{uuid.uuid4().hex[:8]}"
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in os.environ.items()
                   if k.startswith("MOVIELENS_TUI_"))  # fmt: skip
    command = f"env {env} {shlex.quote(str(script))} --dataset {release_name(size)}; sleep 30"
    start = time.perf_counter()
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-s", "s", "-x", "120", "-y", "40",
                    command], check=True)  # fmt: skip
    seen = None
    try:
        while time.perf_counter() - start < 120:
            screen = subprocess.run([tmux, "-L", sock, "capture-pane", "-p", "-t", "s"],
                                    capture_output=True, text=True).stdout  # fmt: skip
            if target in screen:
                seen = time.perf_counter() - start
                break
            time.sleep(0.05)
    finally:
        subprocess.run([tmux, "-L", sock, "send-keys", "-t", "s", "C-q"], capture_output=True)
        time.sleep(1.0)
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)
    return {"app_counts_s": seen}


PHASES = {
    "generate": lambda a: phase_generate(a.size),
    "load": lambda a: phase_load(a.size),
    "epoch": lambda a: phase_epoch(a.size, a.model),
    "models": lambda a: phase_models(a.size),
    "queries": lambda a: phase_queries(a.size, a.model, a.repeats),
    "app": lambda a: phase_app(a.size),
}


def run_phase(phase: str, size: str, cache: Path, model: Path, repeats: int) -> dict:
    env = {**os.environ, "MOVIELENS_TUI_CACHE": str(cache / "cache"),
           "MOVIELENS_TUI_HOME": str(cache / "home"), "TF_CPP_MIN_LOG_LEVEL": "3"}  # fmt: skip
    env.pop("MOVIELENS_TUI_DATA", None)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--phase", phase, "--size", size, "--model", str(model),
             "--repeats", str(repeats)],
            capture_output=True, text=True, env=env, timeout=PHASE_TIMEOUT_S,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        print(f"  {phase} took over {PHASE_TIMEOUT_S} s: stopped", file=sys.stderr)
        return {"error": f"over {PHASE_TIMEOUT_S} s"}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        print(f"  {phase} failed: {tail[0]}", file=sys.stderr)
        return {"error": tail[0]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def _fmt(value: object, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{value:.{digits}f}{unit}"


def _goal(value: object, key: str) -> str:
    if not isinstance(value, int | float):
        return "–"
    return "met" if value <= GOALS[key] else "**not met**"


def report(results: dict[str, dict[str, dict]], smoke: bool) -> str:
    lines = [
        "## Scale: generated releases in their real layouts",
        "",
        "ml-1m in the `.dat` layout (with users.dat), ml-25m and ml-32m as CSV (ratings.csv, "
        "movies.csv with quoted titles, tags.csv, links.csv), written by "
        "`movielens_tui/data/synthetic.py` into the cache folder a verified download "
        "extracts to. Each phase is a fresh process (its own peak RSS).",
        "",
        "| release | users | movies | ratings | generate | first load (RSS) | cached load (RSS) "
        "| biased-mf epoch (RSS) | WALS iteration | EASE fit (movies) | search p95 | "
        "neighbours / recommend p95 | app start to counts |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    goals = []
    for size, r in results.items():
        gen, first, cached = r.get("generate", {}), r.get("first", {}), r.get("cached", {})
        epoch, models, q, app = r.get("epoch", {}), r.get("models", {}), r.get("queries", {}), \
            r.get("app", {})  # fmt: skip
        if "error" in models:
            models = {"wals_s": models["error"], "ease_s": models["error"]}
        ease = models.get("ease_s")
        ease_text = _fmt(ease, " s") + (f" ({models['ease_movies']:,})"
                                        if isinstance(ease, float) and "ease_movies" in models
                                        else "")  # fmt: skip
        lines.append(
            f"| {size} | {first.get('users', 0):,} | {first.get('movies', 0):,} | "
            f"{first.get('ratings', 0):,} | {_fmt(gen.get('generate_s'), ' s')} | "
            f"{_fmt(first.get('load_s'), ' s')} ({_fmt(first.get('rss'), ' GiB', 2)}) | "
            f"{_fmt(cached.get('load_s'), ' s', 2)} ({_fmt(cached.get('rss'), ' GiB', 2)}) | "
            f"{_fmt(epoch.get('fit_s'), ' s')} ({_fmt(epoch.get('rss'), ' GiB', 2)}) | "
            f"{_fmt(models.get('wals_s'), ' s')} | {ease_text} | "
            f"{_fmt(q.get('search_p95_ms'), ' ms', 2)} | "
            f"{_fmt(q.get('neighbors_p95_ms'), ' ms', 2)} / "
            f"{_fmt(q.get('recommend_p95_ms'), ' ms', 2)} | {_fmt(app.get('app_counts_s'), ' s')} |"
        )
        if size != "ml-32m" and not smoke:
            continue
        query_p95 = max((v for v in (q.get("neighbors_p95_ms"), q.get("recommend_p95_ms"))
                         if isinstance(v, float)), default=None)  # fmt: skip
        for label, value, key in (
            ("first load ≤ 60 s", first.get("load_s"), "first_load_s"),
            ("first load peak RSS ≤ 4 GiB", first.get("rss"), "first_load_rss_gib"),
            ("cached load ≤ 3 s", cached.get("load_s"), "cached_load_s"),
            ("biased-mf epoch ≤ 60 s", epoch.get("fit_s"), "epoch_s"),
            ("biased-mf epoch peak RSS ≤ 6 GiB", epoch.get("rss"), "epoch_rss_gib"),
            ("title search p95 ≤ 20 ms", q.get("search_p95_ms"), "search_p95_ms"),
            ("neighbours / recommendations p95 ≤ 5 ms", query_p95, "query_p95_ms"),
            ("app shows the counts ≤ 5 s after launch (cached)", app.get("app_counts_s"),
             "app_counts_s"),
        ):  # fmt: skip
            goals.append(f"| {size}: {label} | {_fmt(value, '', 2)} | {_goal(value, key)} |")
    if goals:
        lines += ["", "| goal (issue 10) | measured | |", "|---|---:|---|", *goals]
    if smoke:
        lines.append("\n(smoke run: tiny sizes, not the real figures)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: " + ", ".join(SIZES))
    p.add_argument("--repeats", type=int, default=500, help="queries per kind")
    p.add_argument("--keep", type=Path, default=None, help="keep the generated data here")
    p.add_argument("--skip", default="", help="phases to skip, e.g. models,app")
    p.add_argument("--phase", choices=sorted(PHASES), help=argparse_hidden())
    p.add_argument("--size", help=argparse_hidden())
    p.add_argument("--model", help=argparse_hidden())
    args = p.parse_args(argv)
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    sizes = ["smoke"] if args.smoke else [s.strip() for s in args.sizes.split(",") if s.strip()]
    repeats = 20 if args.smoke else args.repeats
    results: dict[str, dict[str, dict]] = {}
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"scale-{size}-", dir=args.keep))
        model = work / "biased-mf.npz"
        print(f"{size}:", flush=True)
        r: dict[str, dict] = {}
        try:
            for key, phase in (("generate", "generate"), ("first", "load"), ("cached", "load"),
                               ("epoch", "epoch"), ("models", "models"),
                               ("queries", "queries"), ("app", "app")):  # fmt: skip
                if (args.smoke and phase in ("models", "app")) or phase in args.skip.split(","):
                    r[key] = {}
                    continue
                r[key] = run_phase(phase, size, work, model, repeats)
                print(f"  {key}: {r[key]}", flush=True)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        results[size] = r
    body = report(results, args.smoke)
    print(body)
    print(f"updated {update_section('scale', body, args.output, args.smoke)}")
    return 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(main())
