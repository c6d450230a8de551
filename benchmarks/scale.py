"""Scale: synthetic MovieLens-shaped data at ml-1m and ml-25m size.

For each size, three phases each run in a fresh subprocess so that each peak RSS
(``ru_maxrss``) is its own:

1. **generate**: ``synthetic_ratings`` (power-law popularity, MovieLens-like rating
   histogram), then write an ml-100k-format folder (u.data, u.item, u.user, u.genre).
2. **load**: ``load_folder`` on that folder (the project's parser and validation).
3. **train**: ``biased-mf`` by minibatches for ``--epochs`` epochs through the project's
   trainer on the generated ratings (90/10 holdout), handed over as a Dataset directly
   (no text parsing in this phase): time per epoch and peak RSS.

    python benchmarks/scale.py --sizes ml-1m            # the quick one
    python benchmarks/scale.py --sizes ml-1m,ml-25m     # heavy: ~10 GB of temp files, minutes
    python benchmarks/scale.py --smoke
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import parser, update_section  # noqa: E402

SIZES = {
    "smoke": (300, 200, 6_000),
    "ml-1m": (6_040, 3_706, 1_000_209),
    "ml-25m": (162_541, 62_423, 25_000_095),
}
GOAL_RSS_GIB = 4.0
GOAL_EPOCH_S = 60.0


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


# --------------------------------------------------------------------------- phases


def phase_generate(size: str, folder: Path) -> dict:
    import numpy as np

    from movielens_tui.data.movielens import DEFAULT_GENRES
    from movielens_tui.data.synthetic import OCCUPATIONS, synthetic_ratings

    n_users, n_movies, n_ratings = SIZES[size]
    t = time.perf_counter()
    ratings = synthetic_ratings(n_users, n_movies, n_ratings, seed=0)
    generate_s = time.perf_counter() - t
    t = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    (folder / "u.genre").write_text(
        "".join(f"{g}|{i}\n" for i, g in enumerate(DEFAULT_GENRES)), encoding="latin-1"
    )
    ages, sexes = rng.integers(7, 74, n_users), rng.integers(0, 2, n_users)
    occ = rng.integers(0, len(OCCUPATIONS), n_users)
    (folder / "u.user").write_text(
        "".join(
            f"{u + 1}|{ages[u]}|{'MF'[sexes[u]]}|{OCCUPATIONS[occ[u]]}|{10000 + u % 89999}\n"
            for u in range(n_users)
        ),
        encoding="latin-1",
    )
    flags = rng.random((n_movies, len(DEFAULT_GENRES))) < 0.12
    years = rng.integers(1920, 2020, n_movies)
    (folder / "u.item").write_text(
        "".join(
            f"{j + 1}|Movie {j + 1} ({years[j]})|01-Jan-{years[j]}||http://example.invalid/"
            f"{j + 1}|{'|'.join('1' if f else '0' for f in flags[j])}\n"
            for j in range(n_movies)
        ),
        encoding="latin-1",
    )
    out = ratings.assign(user=ratings["user"] + 1, movie=ratings["movie"] + 1)
    out.to_csv(folder / "u.data", sep="\t", header=False, index=False)
    write_s = time.perf_counter() - t
    return {
        "generate_s": generate_s,
        "write_s": write_s,
        "ratings": len(ratings),
        "rating_mean": float(ratings["rating"].mean()),
        "u_data_mib": (folder / "u.data").stat().st_size / 2**20,
        "peak_rss_gib": peak_rss_gib(),
    }


def phase_load(folder: Path) -> dict:
    from movielens_tui.data.movielens import load_folder

    t = time.perf_counter()
    data = load_folder(folder)
    return {
        "load_s": time.perf_counter() - t,
        "ratings": data.n_ratings,
        "peak_rss_gib": peak_rss_gib(),
    }


def synthetic_dataset(size: str):  # noqa: ANN201 - Dataset, imported lazily
    """A Dataset over ``synthetic_ratings`` without writing or parsing text."""
    import numpy as np
    import pandas as pd

    from movielens_tui.data.movielens import DEFAULT_GENRES, Dataset, add_derived_columns
    from movielens_tui.data.synthetic import synthetic_ratings

    n_users, n_movies, n_ratings = SIZES[size]
    raw = synthetic_ratings(n_users, n_movies, n_ratings, seed=0)
    ratings = pd.DataFrame(
        {
            "user": raw["user"].to_numpy(np.int32),
            "movie": raw["movie"].to_numpy(np.int32),
            "rating": raw["rating"].to_numpy(np.float32),
            "timestamp": raw["timestamp"].to_numpy(np.int64),
        }
    )
    del raw
    users = pd.DataFrame(
        {
            "user_id": np.arange(1, n_users + 1),
            "age": 30,
            "sex": "M",
            "occupation": "other",
            "zip_code": "00000",
        }
    )
    movies = pd.DataFrame(
        {
            "movie_id": np.arange(1, n_movies + 1),
            "title": [f"Movie {j + 1} (1995)" for j in range(n_movies)],
            "release_date": "01-Jan-1995",
            "video_release_date": "",
            "imdb_url": "",
        }
    )
    for g in DEFAULT_GENRES:
        movies[g] = 0
    movies["Drama"] = 1
    add_derived_columns(movies, DEFAULT_GENRES, 0)
    return Dataset(
        name=f"synthetic-{size}",
        users=users,
        movies=movies,
        ratings=ratings,
        genres=DEFAULT_GENRES,
        fingerprint=f"synthetic-{size}-seed0",
    )


def phase_train(size: str, epochs: int, batch_size: int | None) -> dict:
    t = time.perf_counter()
    data = synthetic_dataset(size)
    build_s = time.perf_counter() - t
    rss_data = peak_rss_gib()
    from movielens_tui.models._tf import tf

    tf()  # import TensorFlow outside the timed fit
    from movielens_tui.models.trainer import train

    params: dict[str, object] = {"epochs": epochs}
    if batch_size:
        params["batch_size"] = batch_size
    steps: list[tuple[int, float]] = []
    t = time.perf_counter()
    model = train(
        data,
        "biased-mf",
        params,
        seed=0,
        callback=lambda p: steps.append((p.step, p.elapsed)),
    )
    fit_s = time.perf_counter() - t
    final = {k: v for k, v in model.history[-1].items() if k != "step"} if model.history else {}
    return {
        "dataset_s": build_s,
        "fit_s": fit_s,
        "epoch_s": fit_s / epochs,
        "epochs": epochs,
        "train_ratings": int(round(data.n_ratings * 0.9)),
        "dim": int(model.dim),
        "batch_size": int(model.params.get("batch_size", 0)),
        "final_metrics": {k: round(float(v), 4) for k, v in final.items()},
        "rss_after_data_gib": rss_data,
        "peak_rss_gib": peak_rss_gib(),
    }


# --------------------------------------------------------------------------- driver


def run_phase(args: list[str], timeout: float) -> dict:
    """Run one phase in a subprocess; its last stdout line is JSON."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def fmt(result: dict, key: str, unit: str = "s", digits: int = 1) -> str:
    if "error" in result:
        return "failed"
    value = result.get(key)
    return "-" if value is None else f"{value:.{digits}f} {unit}".strip()


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default="ml-1m", help="comma-separated: ml-1m, ml-25m")
    p.add_argument("--epochs", type=int, default=1, help="biased-mf epochs to time")
    p.add_argument("--batch-size", type=int, default=None, help="override the preset's")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per phase")
    p.add_argument("--phase", nargs="+", help=argparse_hidden())
    args = p.parse_args(argv)
    if args.phase:
        return _child(args.phase, args)
    sizes = ["smoke"] if args.smoke else [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        if s not in SIZES:
            p.error(f"unknown size {s!r}; use {', '.join(SIZES)}")
    rows = []
    for size in sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{size}-"))
        try:
            gen = run_phase(["generate", size, str(tmp / "data")], args.timeout)
            print(size, "generate", gen, flush=True)
            load = run_phase(["load", size, str(tmp / "data")], args.timeout)
            print(size, "load", load, flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        bs = [str(args.batch_size)] if args.batch_size else []
        fit = run_phase(["train", size, str(args.epochs), *bs], args.timeout)
        print(size, "train", fit, flush=True)
        rows.append((size, gen, load, fit))
    lines = [
        "## Scale: synthetic MovieLens-shaped data",
        "",
        "Each phase runs in its own process (peak RSS = that process's `ru_maxrss`). "
        "*generate*: `synthetic_ratings` + writing the ml-100k-format folder; *load*: "
        "`load_folder` on it; *train*: the data built in memory, then `biased-mf` "
        f"minibatch epochs via the trainer (90/10 holdout). Goals at ml-25m: training "
        f"peak RSS ≤ {GOAL_RSS_GIB:g} GiB, an epoch ≤ {GOAL_EPOCH_S:g} s.",
        "",
        "| size | users × movies, ratings | generate (+ write) | gen. peak RSS | load | "
        "load peak RSS | biased-mf epoch | train peak RSS |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, gen, load, fit in rows:
        n_users, n_movies, n_ratings = SIZES[size]
        lines.append(
            f"| {size} | {n_users:,} × {n_movies:,}, {n_ratings:,} | "
            f"{fmt(gen, 'generate_s')} (+ {fmt(gen, 'write_s')}) | "
            f"{fmt(gen, 'peak_rss_gib', 'GiB', 2)} | {fmt(load, 'load_s')} | "
            f"{fmt(load, 'peak_rss_gib', 'GiB', 2)} | {fmt(fit, 'epoch_s')} | "
            f"{fmt(fit, 'peak_rss_gib', 'GiB', 2)} |"
        )
    for size, gen, load, fit in rows:
        for name, r in (("generate", gen), ("load", load), ("train", fit)):
            if "error" in r:
                lines.append(f"\n{size} {name} failed: {r['error']}")
        if "error" not in fit:
            lines.append(
                f"\n{size} train: {fit['epochs']} epoch(s) of {fit['train_ratings']:,} ratings, "
                f"dim {fit['dim']}, batch {fit['batch_size']}; final {fit['final_metrics']}; "
                f"RSS after building the data {fit['rss_after_data_gib']:.2f} GiB."
            )
    lines.append(
        "\nEpoch time = fit time / epochs; it includes tracing the `tf.function`s and the "
        "per-epoch train/test metric passes. The *train* peak includes building the data "
        "in that process."
    )
    for size, _, load, fit in rows:
        if "error" not in load and load["peak_rss_gib"] > GOAL_RSS_GIB:
            lines.append(
                f"\nAt {size} size, loading through the ml-100k text parser (`load_folder`) "
                f"peaks at {load['peak_rss_gib']:.1f} GiB, above the {GOAL_RSS_GIB:g} GiB "
                "goal: it splits the text line by line in Python; training itself stays at "
                f"{fmt(fit, 'peak_rss_gib', 'GiB', 2)}."
            )
    if args.smoke:
        lines.append("\n(smoke run: tiny sizes, not the real figures)")
    path = update_section("scale", "\n".join(lines), args.output, args.smoke)
    print(f"updated {path}")
    failed = any("error" in r for row in rows for r in row[1:])
    return 1 if failed else 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def _child(phase: list[str], args: object) -> int:
    kind, size, *rest = phase
    if kind == "generate":
        result = phase_generate(size, Path(rest[0]))
    elif kind == "load":
        result = phase_load(Path(rest[0]))
    elif kind == "train":
        result = phase_train(size, int(rest[0]), int(rest[1]) if len(rest) > 1 else None)
    else:
        raise SystemExit(f"unknown phase {kind}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
