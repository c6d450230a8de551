"""ease-wals: a score blend of ease-pop and WALS for top-k ranking.

Both models are fitted on the same training ratings with their own fit functions
(:func:`movielens_tui.models.ease_pop.fit`, the WALS fit of
:mod:`movielens_tui.models.kinds.wals`). For one user with rated movies R, each model's
scores over the catalogue are standardised over the movies the user did not rate,
z(s) = (s − μ) / σ with μ, σ the mean and standard deviation of s over the movies not in
R, and mixed:

    score = w · z(ease-pop scores) + (1 − w) · z(WALS scores)

with w = ``ease_weight``. Both raw scores are sums over R for a fixed user (ease-pop:
Σⱼ W[j, t]; WALS fold-in: Σⱼ v_tᵀ A_R⁻¹ vⱼ) and z is an affine map with constants fixed
by the user, so a score splits exactly into a base term and one share per rated movie.

The two models' parameters live side by side: ease-pop's under its own names
(``regularization`` is its λ), WALS's under ``dim``, ``init_stddev``, ``iterations``,
``unobserved_weight`` and ``wals_regularization`` (its λ). The model is stored as one
:class:`TrainedModel`: ``movie_embeddings`` are the WALS movie vectors (M×d, neighbours
and maps), ``extra["ease_weights"]`` ease-pop's Wᵀ (and ``extra["ease_movies"]`` its
covered movies on catalogues too large for a dense solve). numpy at import; TensorFlow
only inside :func:`fit` (WALS).

The defaults (w 0.4; WALS dim 64, λ 10, w₀ 0.3, 10 iterations; ease-pop's own) were chosen
by mean validation P@10 over 20% validation splits carved from each ml-100k u1-u5 training
fold (``benchmarks/tune_ranking.py --models ease-wals``: 0.2388 against 0.2374 for ease-pop
alone (w 1) and 0.2361 for WALS alone (w 0); the grid is flat, 0.2379-0.2388). On the u1-u5
test folds: P@10 0.4121, R@10 0.2341, NDCG@10 0.4818 (ease-pop 0.4093, 0.2337, 0.4775;
wals 0.4060), above ease-pop on every fold.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ParamError
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trainer import Reporter

KIND = "ease-wals"
WEIGHT = "ease_weight"
DEFAULT_WEIGHT = 0.4
EASE_PARAMS = ("regularization", "popularity_l2", "popularity_exponent",
               "user_weight_exponent", "top_n")  # fmt: skip
# this kind's name -> the WALS fit's name
WALS_PARAMS = {"dim": "dim", "init_stddev": "init_stddev", "iterations": "iterations",
               "unobserved_weight": "unobserved_weight",
               "wals_regularization": "regularization"}  # fmt: skip


def ease_params(params: dict) -> dict:
    """The ease-pop part's parameters (ease-pop's defaults where absent)."""
    return {name: params[name] for name in EASE_PARAMS if name in params}


def wals_params(params: dict) -> dict:
    """The WALS part's parameters under the WALS fit's names."""
    return {theirs: params[ours] for ours, theirs in WALS_PARAMS.items() if ours in params}


def weight(params: dict) -> float:
    value = float(params.get(WEIGHT, DEFAULT_WEIGHT))
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ParamError(WEIGHT, f"{value} must be within 0..1")
    return value


def moments(scores: np.ndarray, rated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(μ, σ) of each row of ``scores`` over its cells not in ``rated`` (same shape, bool);
    float64, keepdims; σ is 1 where the unrated scores are constant (or there are none)."""
    scores = np.asarray(scores, np.float64)
    free = ~np.asarray(rated, bool)
    count = free.sum(axis=-1, keepdims=True)
    safe = np.maximum(count, 1)
    mean = np.where(free, scores, 0.0).sum(axis=-1, keepdims=True) / safe
    var = np.where(free, (scores - mean) ** 2, 0.0).sum(axis=-1, keepdims=True) / safe
    std = np.sqrt(var)
    return mean, np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)


def standardise(scores: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """z-scores of each row over its unrated cells (see :func:`moments`)."""
    mean, std = moments(scores, rated)
    return (np.asarray(scores, np.float64) - mean) / std


def blend(
    ease_scores: np.ndarray, wals_scores: np.ndarray, rated: np.ndarray, ease_weight: float
) -> np.ndarray:
    """w · z(ease_scores) + (1 − w) · z(wals_scores), row by row (float64)."""
    return ease_weight * standardise(ease_scores, rated) + (1.0 - ease_weight) * standardise(
        wals_scores, rated
    )


def fit(
    dataset: Dataset,
    params: dict,
    *,
    train: pd.DataFrame,
    test: pd.DataFrame | None,
    seed: int,
    reporter: Reporter,
    init: TrainedModel | None = None,
    strategy: object | None = None,
) -> TrainedModel:
    """Fit ease-pop, then WALS (seeded by ``seed``) on ``train``; WALS's steps are
    reported as they run and the last one carries the blend's test metrics.

    ``init`` and ``strategy`` are accepted for the trainer's common signature; both parts
    are refitted from scratch."""
    from movielens_tui.models import ease_pop
    from movielens_tui.models.kinds.ease import COVERED, WEIGHTS
    from movielens_tui.models.kinds.wals import fit as fit_wals
    from movielens_tui.models.ranking import test_ranking_metrics
    from movielens_tui.models.trainer import Reporter

    del init, strategy
    w = weight(params)
    iterations = int(params["iterations"])
    reporter.total = iterations
    quiet = Reporter(0, None, reporter.should_stop, step_offset=reporter.step_offset)
    ease = ease_pop.fit(dataset, ease_params(params), train=train, test=None, seed=seed,
                        reporter=quiet)  # fmt: skip
    last = reporter.step_offset + iterations

    def forward(progress) -> None:  # noqa: ANN001 - a trainer Progress
        if reporter.callback is not None and progress.step < last:
            reporter.callback(progress)

    before = len(reporter.history)
    steps = Reporter(iterations, forward, reporter.should_stop,
                     step_offset=reporter.step_offset, history=reporter.history)  # fmt: skip
    wals = fit_wals(dataset, wals_params(params), train=train, test=None, seed=seed,
                    reporter=steps)  # fmt: skip
    final = reporter.history.pop() if len(reporter.history) > before else {}
    extra = {WEIGHTS: ease.extra.get(WEIGHTS, ease.movie_embeddings)}
    if COVERED in ease.extra:
        extra[COVERED] = ease.extra[COVERED]
    out_params = {**params, WEIGHT: w, "top_n": int(ease.params["top_n"])}
    model = TrainedModel(KIND, KIND, out_params, wals.movie_embeddings, extra=extra)
    metrics = {k: v for k, v in final.items() if k != "step"}
    metrics.update(test_ranking_metrics(model, train, test))
    reporter.report(iterations, metrics, lambda: model)
    return model
