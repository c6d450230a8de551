"""Neighbours and top-k recommendation latency (p50 / p95) on ml-100k with a trained model.

Trains the ``mf`` preset briefly with the project's trainer (``--iterations``, default
200; the scores' cost does not depend on how long it trained) and times
``scoring.neighbors`` and ``scoring.recommend`` for random movies / users, DOT and
COSINE, plus ``hits_table`` (the rows the app shows). Without the real ml-100k it uses a
generated folder of the same size. ``--smoke`` uses a tiny generated dataset.

    python benchmarks/queries.py
    python benchmarks/queries.py --smoke
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import ml100k_dir, parser, percentiles, update_section  # noqa: E402

from movielens_tui.data.movielens import Dataset, load_folder  # noqa: E402
from movielens_tui.data.synthetic import write_movielens_folder  # noqa: E402
from movielens_tui.models import scoring  # noqa: E402
from movielens_tui.models.trained import TrainedModel  # noqa: E402

GOAL_P95_MS = 2.0


def dataset(smoke: bool) -> tuple[Dataset, str]:
    folder = None if smoke else ml100k_dir()
    if folder is not None:
        return load_folder(folder), "real ml-100k"
    tmp = Path(tempfile.mkdtemp(prefix="bench-queries-"))
    size = (60, 80, 1500) if smoke else (943, 1682, 100_000)
    folder = write_movielens_folder(tmp / "ml-100k", *size, folds=False)
    return load_folder(folder), f"generated {size[0]} users × {size[1]} movies"


def trained_model(data: Dataset, preset: str, iterations: int) -> tuple[TrainedModel, str]:
    """A model trained by the project's trainer; a random real-shaped one if it is missing."""
    t = time.perf_counter()
    try:
        from movielens_tui.models.trainer import train

        model = train(data, preset, {"iterations": iterations}, seed=0)
    except Exception as exc:  # noqa: BLE001 - the timings do not depend on training
        print(f"note: cannot train {preset} ({exc!r}); using random embeddings of that shape")
        rng = np.random.default_rng(0)
        model = TrainedModel(
            preset=preset,
            kind="mf",
            params={"dim": 30},
            movie_embeddings=rng.normal(0, 0.5, (data.n_movies, 30)).astype(np.float32),
            user_embeddings=rng.normal(0, 0.5, (data.n_users, 30)).astype(np.float32),
        )
        return model, f"random-initialised, real-shaped mf embeddings (training failed: {exc!r})"
    elapsed = time.perf_counter() - t
    return model, f"`{preset}` trained {iterations} iterations ({elapsed:.1f} s incl. TF import)"


def timed(fn, args_list: list[tuple]) -> list[float]:  # noqa: ANN001 - any callable
    for a in args_list[:20]:
        fn(*a)
    out = []
    for a in args_list:
        t = time.perf_counter()
        fn(*a)
        out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--preset", default="mf", help="preset to train (default mf)")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--repeats", type=int, default=2000, help="queries per case")
    args = p.parse_args(argv)
    if args.smoke:
        args.iterations, args.repeats = min(args.iterations, 5), min(args.repeats, 50)
    data, source = dataset(args.smoke)
    model, how = trained_model(data, args.preset, args.iterations)
    rng = np.random.default_rng(0)
    movies = rng.integers(0, data.n_movies, args.repeats).tolist()
    users = rng.integers(0, data.n_users, args.repeats).tolist()
    cases = []
    for measure in (scoring.DOT, scoring.COSINE):
        cases.append(
            (f"neighbors k=6 {measure}", scoring.neighbors,
             [(model, m, measure, 6) for m in movies])
        )  # fmt: skip
        cases.append(
            (f"recommend k=6 {measure}", scoring.recommend,
             [(model, data, u, measure, 6, False) for u in users])
        )  # fmt: skip
        cases.append(
            (f"recommend k=6 {measure} exclude rated", scoring.recommend,
             [(model, data, u, measure, 6, True) for u in users])
        )  # fmt: skip

    def neighbors_table(m: int) -> list[dict]:
        return scoring.hits_table(data, scoring.neighbors(model, m, scoring.COSINE, 10))

    cases.append(("neighbors k=10 cosine + hits_table", neighbors_table, [(m,) for m in movies]))
    rows = []
    for name, fn, arglist in cases:
        med, p95 = percentiles(timed(fn, arglist))
        rows.append((name, med, p95))
        print(f"{name:<40} p50 {med:.3f} ms  p95 {p95:.3f} ms")
    lines = [
        "## Neighbours and recommendations (per query)",
        "",
        f"Data: {source} ({data.n_users} users, {data.n_movies} movies); model: {how}, "
        f"dim {model.dim}. {args.repeats} random movies / users per case.",
        "",
        "| query | p50 | p95 | goal p95 |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {m:.3f} ms | {p:.3f} ms | ≤ {GOAL_P95_MS:g} ms |" for n, m, p in rows]
    if args.smoke:
        lines.append("\n(smoke run: tiny sizes, not the real figures)")
    print(f"updated {update_section('queries', chr(10).join(lines), args.output, args.smoke)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
