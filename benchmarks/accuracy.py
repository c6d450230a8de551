"""Accuracy side by side: the presets, Surprise SVD / BaselineOnly and a popularity ranker.

Every model is fitted on the canonical ml-100k folds u1..u5 (``uK.base``) and scored on
``uK.test`` in the same run: RMSE and MAE for rating models, and precision / recall /
NDCG at 10 under the ranking protocol of :mod:`movielens_tui.evaluate` (rank every movie
the user has not rated in train; every test rating is relevant). Surprise models are
ranked by their own estimates (global mean + biases + dot product). Fit time is per
fold; TensorFlow is imported before the first fit so its import is not charged to it.

    python benchmarks/accuracy.py                       # full run, updates BENCHMARKS.md
    python benchmarks/accuracy.py --presets biased-mf,ease --folds 1,2
    python benchmarks/accuracy.py --smoke               # tiny generated data, seconds

A preset entry may carry overrides: ``ease:regularization=300``. ``--smoke`` needs no
Surprise (skipped when it is not installed). Only the full default run (all default
presets, folds 1-5) rewrites BENCHMARKS.md; smoke and partial runs write a file only
with ``--output`` or ``$BENCHMARKS_OUTPUT``, so they never overwrite the real figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import ml100k_dir, parser, update_section  # noqa: E402

from movielens_tui.data.movielens import Dataset, load_folder  # noqa: E402
from movielens_tui.errors import MovieLensError  # noqa: E402
from movielens_tui.evaluate import (  # noqa: E402
    POPULARITY,
    Protocol,
    evaluate,
    mae,
    ranking_metrics,
    rmse,
)

SECTION = "accuracy"
DEFAULT_PRESETS = "biased-mf,mf,regularized,softmax,ease,ease:regularization=300"
METRICS = ("rmse", "mae", "precision_at_10", "recall_at_10", "ndcg_at_10")
HEADERS = ("RMSE", "MAE", "P@10", "R@10", "NDCG@10")
# Smoke runs: the fewest steps that still exercise every code path.
SMOKE_OVERRIDES = {"iterations": 20, "epochs": 2}
TARGET_RMSE = 0.910
TARGET_PRECISION = 0.38


@dataclass
class Row:
    """One model's per-fold metrics and fit seconds (or why it failed)."""

    label: str
    per_fold: list[dict[str, float]] = field(default_factory=list)
    fit_seconds: list[float] = field(default_factory=list)
    error: str = ""

    def mean(self, metric: str) -> float | None:
        values = [f[metric] for f in self.per_fold if metric in f]
        return float(np.mean(values)) if values else None

    def spread(self, metric: str) -> float:
        values = [f[metric] for f in self.per_fold if metric in f]
        return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0

    def cell(self, metric: str) -> str:
        mean = self.mean(metric)
        if mean is None:
            return "–"
        return f"{mean:.4f} ± {self.spread(metric):.4f}"

    @property
    def fit_mean(self) -> float:
        return float(np.mean(self.fit_seconds)) if self.fit_seconds else float("nan")


# --------------------------------------------------------------------------- our models


def parse_entry(entry: str) -> tuple[str, dict[str, str], str]:
    """``name[:key=value,...]`` -> (preset, overrides, label)."""
    name, _, rest = entry.partition(":")
    overrides = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--presets: {item!r} in {entry!r} is not key=value")
        overrides[key.strip()] = value.strip()
    label = (
        name if not overrides else f"{name} ({', '.join(f'{k}={v}' for k, v in overrides.items())})"
    )
    return name.strip(), overrides, label


def run_preset(dataset: Dataset, entry: str, folds: list[int], seed: int, smoke: bool) -> Row:
    name, overrides, label = parse_entry(entry)
    row = Row(label)
    try:
        if smoke and name != POPULARITY:
            from movielens_tui.models.presets import get_preset

            used = get_preset(name).params
            overrides = {**{k: v for k, v in SMOKE_OVERRIDES.items() if k in used}, **overrides}
        report = evaluate(dataset, name, overrides or None, Protocol.canonical(folds), seed=seed)
    except (MovieLensError, ImportError, ValueError) as exc:
        row.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        traceback.print_exc(file=sys.stderr)
        return row
    row.per_fold = [dict(f.metrics) for f in report.folds]
    row.fit_seconds = [f.fit_seconds for f in report.folds]
    return row


# --------------------------------------------------------------------------- Surprise


def surprise_rows(dataset: Dataset, folds: list[int], seed: int) -> list[Row]:
    """Surprise SVD and BaselineOnly (default settings) on the same folds."""
    import surprise

    rows = [Row("Surprise SVD"), Row("Surprise BaselineOnly")]
    for k in folds:
        train, test = next(Protocol.canonical([k]).splits(dataset))[1:]
        reader = surprise.Reader(rating_scale=(1, 5))
        data = surprise.Dataset.load_from_df(train[["user", "movie", "rating"]], reader)
        trainset = data.build_full_trainset()
        testset = list(
            zip(test["user"].tolist(), test["movie"].tolist(), test["rating"].tolist(), strict=True)
        )
        algos = (surprise.SVD(random_state=seed), surprise.BaselineOnly(verbose=False))
        for row, algo in zip(rows, algos, strict=True):
            start = time.perf_counter()
            algo.fit(trainset)
            row.fit_seconds.append(time.perf_counter() - start)
            predictions = algo.test(testset)
            est = np.array([p.est for p in predictions])
            metrics = {"rmse": rmse(est, test["rating"]), "mae": mae(est, test["rating"])}
            scores = surprise_scores(algo, trainset, dataset.n_users, dataset.n_movies)
            ranking = ranking_metrics(lambda u, s=scores: s[u], train, test, dataset.n_movies)
            ranking.pop("n_users")
            row.per_fold.append({**metrics, **ranking})
    return rows


def surprise_scores(algo: object, trainset: object, n_users: int, n_movies: int) -> np.ndarray:
    """Every (user, movie) estimate of a fitted SVD / BaselineOnly, as Surprise computes it."""
    user_inner = np.full(n_users, -1)
    for inner in trainset.all_users():
        user_inner[int(trainset.to_raw_uid(inner))] = inner
    movie_inner = np.full(n_movies, -1)
    for inner in trainset.all_items():
        movie_inner[int(trainset.to_raw_iid(inner))] = inner
    known_u, known_m = user_inner >= 0, movie_inner >= 0
    if hasattr(algo, "pu"):
        bu, bi = algo.bu, algo.bi
        pu = np.zeros((n_users, algo.pu.shape[1]))
        qi = np.zeros((n_movies, algo.qi.shape[1]))
        pu[known_u], qi[known_m] = algo.pu[user_inner[known_u]], algo.qi[movie_inner[known_m]]
        dot = pu @ qi.T
    else:
        bu, bi = algo.compute_baselines()
        dot = 0.0
    user_bias = np.zeros(n_users)
    user_bias[known_u] = bu[user_inner[known_u]]
    movie_bias = np.zeros(n_movies)
    movie_bias[known_m] = bi[movie_inner[known_m]]
    return trainset.global_mean + user_bias[:, None] + movie_bias[None, :] + dot


# --------------------------------------------------------------------------- report


def markdown(rows: list[Row], svd: Row | None, notes: list[str]) -> str:
    lines = [
        "| model | " + " | ".join(HEADERS) + " | fit s/fold | fit vs SVD |",
        "|---" * (len(HEADERS) + 3) + "|",
    ]
    for row in rows:
        if row.error:
            lines.append(f"| {row.label} | failed: {row.error} |" + " |" * (len(HEADERS) + 1))
            continue
        ratio = "–"
        if svd is not None and svd.fit_seconds and not svd.error:
            ratio = f"{row.fit_mean / svd.fit_mean:.2f}×"
        cells = " | ".join(row.cell(m) for m in METRICS)
        lines.append(f"| {row.label} | {cells} | {row.fit_mean:.2f} | {ratio} |")
    lines.append("")
    lines.append("Mean ± sample standard deviation over the folds; fit time is the mean per fold.")
    lines += notes
    return "\n".join(lines)


def per_fold_table(rows: list[Row], labels: tuple[str, ...], folds: list[int]) -> list[str]:
    chosen = [r for r in rows if r.label in labels and not r.error and r.per_fold]
    if not chosen:
        return []
    out = ["", "Per fold (RMSE / fit seconds):", ""]
    out.append("| fold | " + " | ".join(r.label for r in chosen) + " |")
    out.append("|---" * (len(chosen) + 1) + "|")
    for i, k in enumerate(folds):
        cells = [
            f"{r.per_fold[i].get('rmse', float('nan')):.4f} / {r.fit_seconds[i]:.2f}"
            for r in chosen
        ]
        out.append(f"| u{k} | " + " | ".join(cells) + " |")
    return out


def targets(rows: list[Row], svd: Row | None) -> list[str]:
    out = [""]
    biased = next((r for r in rows if r.label == "biased-mf" and not r.error), None)
    if biased is not None and biased.mean("rmse") is not None:
        value = biased.mean("rmse")
        verdict = "met" if value <= TARGET_RMSE else f"NOT met (by {value - TARGET_RMSE:.4f})"
        out.append(f"- biased-mf mean RMSE {value:.4f}, goal ≤ {TARGET_RMSE}: {verdict}.")
        if svd is not None and not svd.error and svd.fit_seconds:
            ratio = biased.fit_mean / svd.fit_mean
            verdict = "met" if ratio <= 1.0 else "NOT met"
            out.append(
                f"- biased-mf fit time per fold {biased.fit_mean:.2f} s vs Surprise SVD "
                f"{svd.fit_mean:.2f} s in the same run: ratio {ratio:.2f}, goal ≤ 1.0: {verdict}."
            )
    ranked = [
        r for r in rows
        if not r.error and r.mean("precision_at_10") is not None and r.mean("rmse") is None
        and r.label != "popularity"
    ]  # fmt: skip
    if ranked:
        best = max(ranked, key=lambda r: r.mean("precision_at_10"))
        value = best.mean("precision_at_10")
        verdict = "met" if value >= TARGET_PRECISION else "NOT met"
        out.append(
            f"- best ranking-trained model: {best.label}, precision@10 {value:.4f}, "
            f"goal ≥ {TARGET_PRECISION}: {verdict}."
        )
    return out


def smoke_dataset(folder: Path) -> Dataset:
    from movielens_tui.data.synthetic import write_movielens_folder

    return load_folder(write_movielens_folder(folder / "ml-100k", 80, 120, 3000, seed=0))


def _entries(text: str) -> list[str]:
    """Split on the commas that start a new preset name (not a key=value continuation)."""
    entries: list[str] = []
    for part in text.split(","):
        if "=" in part and ":" not in part.split("=")[0] and entries:
            entries[-1] += "," + part.strip()
        elif part.strip():
            entries.append(part.strip())
    return entries


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--presets", default=DEFAULT_PRESETS, help="comma-separated preset entries")
    p.add_argument("--folds", default="1,2,3,4,5", help="canonical fold numbers, e.g. 1,2")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-surprise", action="store_true", help="skip the Surprise models")
    p.add_argument("--data", type=Path, default=None, help="ml-100k folder (default: found)")
    p.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    args = p.parse_args(argv)
    folds = [int(k) for k in args.folds.split(",") if k.strip()]
    entries = _entries(args.presets)

    with tempfile.TemporaryDirectory() as tmp:
        if args.smoke:
            dataset = smoke_dataset(Path(tmp))
        else:
            folder = args.data or ml100k_dir()
            if folder is None:
                print("ml-100k not found: pass --data or set MOVIELENS_100K_DIR", file=sys.stderr)
                return 2
            dataset = load_folder(folder)
        return run(dataset, entries, folds, args)


def run(dataset: Dataset, entries: list[str], folds: list[int], args: object) -> int:
    from movielens_tui.models import _tf

    tf = _tf.tf()  # import TensorFlow once, outside every timed fit
    rows: list[Row] = []
    for entry in entries:
        started = time.perf_counter()
        row = run_preset(dataset, entry, folds, args.seed, args.smoke)
        rows.append(row)
        _print_row(row, time.perf_counter() - started)
    notes: list[str] = [f"TensorFlow {tf.__version__}."]
    svd = None
    if args.no_surprise:
        notes.append("Surprise skipped (--no-surprise).")
    else:
        try:
            import surprise
        except ImportError:
            notes.append("Surprise is not installed (pip install scikit-surprise): skipped.")
        else:
            started = time.perf_counter()
            for row in surprise_rows(dataset, folds, args.seed):
                rows.append(row)
                _print_row(row, time.perf_counter() - started)
            svd = rows[-2]
            notes.append(
                f"Surprise {surprise.__version__} with default settings (SVD: 100 factors, "
                "20 epochs, seeded; BaselineOnly: ALS)."
            )
    popularity = run_preset(dataset, POPULARITY, folds, args.seed, args.smoke)
    rows.append(popularity)
    _print_row(popularity, 0.0)

    notes += targets(rows, svd)
    notes += per_fold_table(rows, ("biased-mf", "Surprise SVD"), folds)
    where = (
        "tiny generated data (smoke run, not the real figures)"
        if args.smoke
        else (f"{dataset.name} canonical folds " + ",".join(f"u{k}" for k in folds))
    )
    body = f"Accuracy on {where}, seed {args.seed}.\n\n" + markdown(rows, svd, notes)
    print(body)
    if args.json is not None:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=1), encoding="utf-8")
    full_run = entries == _entries(DEFAULT_PRESETS) and folds == [1, 2, 3, 4, 5]
    if (
        (full_run and not args.smoke)
        or args.output is not None
        or os.environ.get("BENCHMARKS_OUTPUT")
    ):
        path = update_section(SECTION, body, args.output)
        print(f"updated {path}")
    else:
        print("partial or smoke run: BENCHMARKS.md left alone (pass --output to write a file)")
    return 0


def _print_row(row: Row, seconds: float) -> None:
    if row.error:
        print(f"{row.label}: failed: {row.error}", flush=True)
        return
    cells = ", ".join(f"{m}={row.mean(m):.4f}" for m in METRICS if row.mean(m) is not None)
    print(f"{row.label}: {cells}, fit {row.fit_mean:.2f} s/fold ({seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
