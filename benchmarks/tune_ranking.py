"""Tune the ranking presets on validation splits carved from each training fold.

For each fold uK only its training file is used: a seeded random ``--fraction`` (20%) of
its ratings is held out as validation (``splits.split_dataframe``, seed ``--seed + K``)
and the models are fitted on the remaining 80%; the uK test file is never scored. The
protocol is the project's (every movie not rated in the validation-train part is ranked;
every validation rating is relevant). Candidates are picked by the mean validation
precision@10 over the folds (ties: the first in grid order).

Groups (``--models``):

- ``ease``, ``ease-pop``: one closed-form grid (``ease`` is its κ = γ = δ = 0 slice),
  computed with :mod:`movielens_tui.models.ease_pop`'s own functions;
- ``rp3beta``: RP3beta (Paudel et al. 2017) item-item weights, for comparison only;
- ``wals``, ``softmax-tuned``: trained with the presets' fit functions (softmax on the
  first fold only by default: a run takes tens of seconds);
- ``ease-wals``: the score blend w·z(ease-pop) + (1 − w)·z(wals) of
  :mod:`movielens_tui.models.ease_wals`: ease-pop at its preset values and WALS at each
  point of a small grid are fitted once per fold with the presets' fit functions, their
  users' scores standardised over the movies each user did not rate (``unrated``, the
  kind's) or over all movies (``all``, for comparison) and mixed at each weight w; the
  chosen point is then fitted as the ``ease-wals`` preset itself and scored again (the
  ``check`` line).

Prints each grid sorted by validation P@10 and the chosen values. Nothing is written.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import ml100k_dir  # noqa: E402

from movielens_tui.data.movielens import Dataset, load_folder  # noqa: E402
from movielens_tui.data.splits import canonical_fold, split_dataframe  # noqa: E402
from movielens_tui.models import ease_pop  # noqa: E402
from movielens_tui.models.ranking import ranking_metrics  # noqa: E402

METRICS = ("precision_at_10", "recall_at_10", "ndcg_at_10")
GROUPS = ("ease", "ease-pop", "rp3beta", "wals", "softmax-tuned", "ease-wals")
# the closed-form grid: λ, κ (popularity_l2), γ (popularity_exponent), δ (user weights)
CLOSED_FORM = {
    "regularization": (200.0, 400.0, 600.0, 800.0),
    "popularity_l2": (0.0, 0.5, 1.0, 2.0),
    "popularity_exponent": (0.0, 0.1, 0.2, 0.3),
    "user_weight_exponent": (0.0, 0.25, 0.5),
}
RP3BETA = {"alpha": (0.6, 0.8, 1.0), "beta": (0.4, 0.5, 0.6, 0.7), "top_k": (0, 100, 200)}
WALS = {
    "dim": (32, 64, 128),
    "regularization": (5.0, 10.0, 20.0),
    "unobserved_weight": (0.1, 0.3, 0.5),
}
# ease-wals: w (ease_weight), the standardisation, and WALS's dim / λ / w₀ (its preset
# names); ease-pop stays at its preset values
EASE_WALS = {
    "ease_weight": (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0),
    "standardise": ("unrated", "all"),
    "dim": (64, 128),
    "wals_regularization": (10.0, 20.0),
    "unobserved_weight": (0.3, 0.5),
}
SOFTMAX = [
    {},  # the colab's: Adagrad, learning rate 8, 3000 iterations, batch 200, dim 35
    {"batch_size": 1000},
    {"optimizer": "adam", "learning_rate": 0.01},
    {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 1000},
    {"optimizer": "adam", "learning_rate": 0.003, "batch_size": 1000},
    {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 1000, "dim": 64,
     "hidden_dims": [64]},
    {"optimizer": "adam", "learning_rate": 0.003},
    {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 1000},
    {"optimizer": "adam", "learning_rate": 0.003, "batch_size": 1000, "iterations": 6000},
]  # fmt: skip

Split = tuple[str, object, object]
Results = dict[str, list[dict[str, float]]]


def validation_splits(
    dataset: Dataset, folds: Iterable[int], fraction: float, seed: int
) -> list[Split]:
    """(name, fit part, validation part) per fold, both from the fold's training file."""
    out = []
    for k in folds:
        train, _test = canonical_fold(dataset, k)  # the test file is never scored
        fit_part, validation = split_dataframe(train, fraction, seed + k)
        out.append((f"u{k}", fit_part, validation))
    return out


def _mask(df, n_users: int, n_movies: int) -> np.ndarray:
    x = np.zeros((n_users, n_movies), np.float32)
    x[df["user"].to_numpy(np.int64), df["movie"].to_numpy(np.int64)] = 1.0
    return x


def _metrics(dataset: Dataset, scores: np.ndarray, fit_part, validation) -> dict[str, float]:
    return ranking_metrics(lambda users: scores[users], fit_part, validation, dataset.n_movies)


def closed_form_grid(dataset: Dataset, splits: list[Split], grid: dict) -> Results:
    """Validation metrics of every ease-pop combination (one Gram per δ, one solve per
    λ, κ; γ scales the scores)."""
    results: Results = {}
    n_users, n_movies = dataset.n_users, dataset.n_movies
    for _, fit_part, validation in splits:
        x = _mask(fit_part, n_users, n_movies)
        users = fit_part["user"].to_numpy(np.int64)
        movies = fit_part["movie"].to_numpy(np.int64)
        counts = np.bincount(movies, minlength=n_movies)
        user_counts = np.bincount(users, minlength=n_users)
        for delta in grid["user_weight_exponent"]:
            weights = ease_pop.user_weights(user_counts, delta)
            gram = ease_pop.weighted_gram(users, movies, n_users, n_movies, weights)
            for lam, kappa in itertools.product(grid["regularization"], grid["popularity_l2"]):
                b = ease_pop.item_weights(gram.copy(), counts, lam, kappa, 0.0)
                scores = x @ b
                for gamma in grid["popularity_exponent"]:
                    scaled = scores * np.maximum(counts, 1.0) ** -gamma if gamma else scores
                    key = _key(regularization=lam, popularity_l2=kappa,
                               popularity_exponent=gamma, user_weight_exponent=delta)  # fmt: skip
                    results.setdefault(key, []).append(
                        _metrics(dataset, scaled, fit_part, validation)
                    )
    return results


def rp3beta_weights(x: np.ndarray, alpha: float, beta: float, top_k: int = 0) -> np.ndarray:
    """RP3beta: W = (P_iu · P_ui)^α-weighted transitions / count_j^β, diagonal 0, each row
    kept to its ``top_k`` largest (0: all)."""
    users = np.maximum(x.sum(axis=1, keepdims=True), 1.0)
    counts = np.maximum(x.sum(axis=0), 1.0)
    p_ui = (x / users) ** alpha
    p_iu = (x.T / counts[:, None]) ** alpha
    w = p_iu @ p_ui
    w /= counts[None, :] ** beta
    np.fill_diagonal(w, 0.0)
    if 0 < top_k < w.shape[1]:
        drop = np.argpartition(-w, top_k, axis=1)[:, top_k:]
        np.put_along_axis(w, drop, 0.0, axis=1)
    return w


def rp3beta_grid(dataset: Dataset, splits: list[Split], grid: dict) -> Results:
    results: Results = {}
    for _, fit_part, validation in splits:
        x = _mask(fit_part, dataset.n_users, dataset.n_movies)
        for alpha, beta, top_k in itertools.product(grid["alpha"], grid["beta"], grid["top_k"]):
            scores = x @ rp3beta_weights(x, alpha, beta, top_k)
            key = _key(alpha=alpha, beta=beta, top_k=top_k)
            results.setdefault(key, []).append(_metrics(dataset, scores, fit_part, validation))
    return results


def trained_grid(dataset: Dataset, splits: list[Split], preset: str, combos: list[dict]) -> Results:
    """Validation metrics of ``preset`` with each override set, fitted by the trainer."""
    from movielens_tui.evaluate import model_scorer
    from movielens_tui.models.trainer import train

    results: Results = {}
    for _, fit_part, validation in splits:
        for overrides in combos:
            start = time.perf_counter()
            model = train(dataset, preset, overrides, train=fit_part, test=None, seed=0)
            seconds = time.perf_counter() - start
            metrics = ranking_metrics(
                model_scorer(model, fit_part), fit_part, validation, dataset.n_movies
            )
            results.setdefault(_key(**overrides), []).append({**metrics, "fit_seconds": seconds})
            print(f"  {preset} {_key(**overrides)}: P@10 {metrics['precision_at_10']:.4f} "
                  f"({seconds:.1f} s)", flush=True)  # fmt: skip
    return results


def ease_wals_grid(dataset: Dataset, splits: list[Split], grid: dict) -> Results:
    """Validation metrics of the ease-wals blend at every grid point (one ease-pop fit and
    one WALS fit per WALS point and fold; w and the standardisation are free)."""
    from movielens_tui.evaluate import model_scorer
    from movielens_tui.models import ease_wals
    from movielens_tui.models.trainer import train

    results: Results = {}
    users = np.arange(dataset.n_users)
    wals_axes = [name for name in grid if name in ease_wals.WALS_PARAMS]
    for name, fit_part, validation in splits:
        rated = _mask(fit_part, dataset.n_users, dataset.n_movies) > 0
        nothing = np.zeros_like(rated)
        ease = train(dataset, "ease-pop", {}, train=fit_part, test=None, seed=0)
        ease_scores = model_scorer(ease, fit_part)(users)
        for values in itertools.product(*(grid[a] for a in wals_axes)):
            point = dict(zip(wals_axes, values, strict=True))
            overrides = ease_wals.wals_params(point)
            start = time.perf_counter()
            wals = train(dataset, "wals", overrides, train=fit_part, test=None, seed=0)
            seconds = time.perf_counter() - start
            wals_scores = model_scorer(wals, fit_part)(users)
            for w, standardise in itertools.product(grid["ease_weight"], grid["standardise"]):
                over = rated if standardise == "unrated" else nothing
                scores = ease_wals.blend(ease_scores, wals_scores, over, w)
                key = _key(ease_weight=w, standardise=standardise, **point)
                results.setdefault(key, []).append(_metrics(dataset, scores, fit_part, validation))
            print(f"  {name} wals {_key(**point)} ({seconds:.1f} s)", flush=True)
    return results


def check_ease_wals(dataset: Dataset, splits: list[Split], key: str) -> dict[str, float]:
    """The ``ease-wals`` preset itself, fitted at the point ``key`` on each split: mean
    validation metrics (should match the grid's row)."""
    from movielens_tui.evaluate import model_scorer
    from movielens_tui.models.trainer import train

    point = dict(item.split("=", 1) for item in key.split())
    point.pop("standardise", None)
    runs = []
    for _, fit_part, validation in splits:
        model = train(dataset, "ease-wals", point, train=fit_part, test=None, seed=0)
        runs.append(
            ranking_metrics(model_scorer(model, fit_part), fit_part, validation, dataset.n_movies)
        )
    return {m: _mean(runs, m) for m in METRICS}


def _key(**params: object) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, list):
            return ",".join(str(i) for i in v)
        return f"{v:g}" if isinstance(v, float) else str(v)

    return " ".join(f"{k}={fmt(v)}" for k, v in params.items()) or "(preset defaults)"


def table(title: str, results: Results, top: int | None = None) -> str:
    """Markdown: one row per combination, best validation P@10 first."""
    rows = sorted(results.items(), key=lambda kv: -_mean(kv[1], METRICS[0]))
    lines = [f"### {title}", "", "| params | val P@10 | val R@10 | val NDCG@10 | folds |",
             "|---|---|---|---|---|"]  # fmt: skip
    for key, runs in rows[:top]:
        cells = " | ".join(f"{_mean(runs, m):.4f}" for m in METRICS)
        lines.append(f"| {key} | {cells} | {len(runs)} |")
    return "\n".join(lines)


def _mean(runs: list[dict[str, float]], metric: str) -> float:
    return float(np.mean([r[metric] for r in runs]))


def best(results: Results, where: Callable[[str], bool] = lambda key: True) -> str:
    """The key with the highest mean validation P@10 (first in grid order on ties)."""
    keys = [k for k in results if where(k)]
    return max(keys, key=lambda k: _mean(results[k], METRICS[0]))


def _is_plain_ease(key: str) -> bool:
    return all(f"{name}=0 " in key + " " for name in CLOSED_FORM if name != "regularization")


def run(dataset: Dataset, args: argparse.Namespace) -> dict[str, str]:
    """Run the chosen groups; print their grids; return {group: chosen key}."""
    splits = validation_splits(dataset, args.folds, args.fraction, args.seed)
    grids = _grids(args.smoke)
    for text in args.grid:
        name, _, values = text.partition("=")
        axes = [g for g in ("closed_form", "rp3beta", "wals", "ease_wals") if name in grids[g]]
        if not axes or not values:
            raise SystemExit(f"--grid {text!r}: not NAME=V1,V2 of a grid axis")
        for axis in axes:
            kind = type(grids[axis][name][0])
            grids[axis] = {**grids[axis], name: tuple(kind(v) for v in values.split(","))}
    chosen: dict[str, str] = {}
    if {"ease", "ease-pop"} & set(args.models):
        results = closed_form_grid(dataset, splits, grids["closed_form"])
        if "ease" in args.models:  # needs 0 on the κ, γ and δ axes
            plain = {k: v for k, v in results.items() if _is_plain_ease(k)}
            print(table("ease (κ = γ = δ = 0)", plain), "\n", flush=True)
            if plain:
                chosen["ease"] = best(plain)
        if "ease-pop" in args.models:
            print(table("ease-pop (best 25)", results, 25), "\n", flush=True)
            chosen["ease-pop"] = best(results)
    if "rp3beta" in args.models:
        results = rp3beta_grid(dataset, splits, grids["rp3beta"])
        print(table("rp3beta (best 12)", results, 12), "\n", flush=True)
        chosen["rp3beta"] = best(results)
    if "wals" in args.models:
        combos = [dict(zip(grids["wals"], v, strict=True))
                  for v in itertools.product(*grids["wals"].values())]  # fmt: skip
        results = trained_grid(dataset, splits[: args.wals_folds], "wals", combos)
        print(table("wals", results), "\n", flush=True)
        chosen["wals"] = best(results)
    if "softmax-tuned" in args.models:
        combos = grids["softmax"]
        if args.softmax_combos:
            combos = [combos[int(i)] for i in args.softmax_combos.split(",")]
        results = trained_grid(dataset, splits[: args.softmax_folds], "softmax", combos)
        print(table("softmax (the softmax preset with these overrides)", results), "\n")
        chosen["softmax-tuned"] = best(results)
    if "ease-wals" in args.models:
        results = ease_wals_grid(dataset, splits, grids["ease_wals"])
        print(table("ease-wals (best 25)", results, 25), "\n", flush=True)
        chosen["ease-wals"] = best(results, lambda key: "standardise=unrated" in key)
        check = check_ease_wals(dataset, splits, chosen["ease-wals"])
        print(
            f"check: the ease-wals preset at {chosen['ease-wals']}: "
            + ", ".join(f"val {m} {v:.4f}" for m, v in check.items()),
            "\n",
            flush=True,
        )
    print("### chosen on validation")
    for group, key in chosen.items():
        print(f"- {group}: {key}")
    return chosen


def _grids(smoke: bool) -> dict:
    if not smoke:
        return {"closed_form": CLOSED_FORM, "rp3beta": RP3BETA, "wals": WALS,
                "softmax": SOFTMAX, "ease_wals": EASE_WALS}  # fmt: skip
    return {
        "closed_form": {"regularization": (10.0, 50.0), "popularity_l2": (0.0, 0.5),
                        "popularity_exponent": (0.0, 0.2), "user_weight_exponent": (0.0, 0.5)},
        "rp3beta": {"alpha": (1.0,), "beta": (0.0, 0.5), "top_k": (0, 10)},
        "wals": {"dim": (4,), "regularization": (1.0,), "unobserved_weight": (0.1, 0.3)},
        "softmax": [{"iterations": 10}, {"iterations": 10, "optimizer": "adam",
                                         "learning_rate": 0.01}],
        "ease_wals": {"ease_weight": (0.0, 0.5, 1.0), "standardise": ("unrated", "all"),
                      "dim": (4,), "wals_regularization": (1.0,),
                      "unobserved_weight": (0.3,)},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny generated data and grids")
    p.add_argument("--data", type=Path, default=None, help="ml-100k folder (default: found)")
    p.add_argument("--folds", default="1,2,3,4,5", help="training folds to carve, e.g. 1,2")
    p.add_argument("--fraction", type=float, default=0.2, help="validation share of train")
    p.add_argument("--seed", type=int, default=0, help="validation split seed (plus K)")
    p.add_argument("--models", default="ease,ease-pop,rp3beta",
                   help=f"comma-separated groups of {', '.join(GROUPS)}")  # fmt: skip
    p.add_argument("--wals-folds", type=int, default=5, help="folds used for the wals grid")
    p.add_argument("--softmax-folds", type=int, default=1, help="folds used for softmax")
    p.add_argument("--softmax-combos", default="", metavar="I,J",
                   help="run only these entries (0-based) of the softmax list")  # fmt: skip
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="replace a grid axis (in every grid that has it; repeatable)",
    )
    args = p.parse_args(argv)
    args.folds = [int(k) for k in args.folds.split(",") if k.strip()]
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    if unknown := set(args.models) - set(GROUPS):
        p.error(f"--models: unknown {', '.join(sorted(unknown))}; use {', '.join(GROUPS)}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.smoke:
            from movielens_tui.data.synthetic import write_movielens_folder

            dataset = load_folder(write_movielens_folder(Path(tmp) / "ml-100k", 60, 80, 1500))
        else:
            folder = args.data or ml100k_dir()
            if folder is None:
                print("ml-100k not found: pass --data or set MOVIELENS_100K_DIR",
                      file=sys.stderr)  # fmt: skip
                return 2
            dataset = load_folder(folder)
        print(f"validation: {args.fraction:g} of each training fold "
              f"({', '.join(f'u{k}' for k in args.folds)}), seed {args.seed} + K\n",
              flush=True)  # fmt: skip
        run(dataset, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
