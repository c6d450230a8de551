"""``ease-wals``: per-user standardised ease-pop and WALS scores, mixed w : 1 − w.

The arrays (see :mod:`movielens_tui.models.ease_wals`): ``movie_embeddings`` are the WALS
movie vectors V (M×d), ``extra["ease_weights"]`` ease-pop's Wᵀ (M×M, or N×N over
``extra["ease_movies"]``, the N most-rated movies, on catalogues too large for a dense
solve). A query is built from the set of rated movies R (rating values are ignored by
both parts): its vector is the 0/1 row over the M movies followed by the WALS fold-in
u = A_R⁻¹ Σ_{j∈R} vⱼ (d values, float64), so a dataset user and a folded-in user with the
same movies get the same query.

Scores (DOT) of a movie t: w·(e_t − μ_e)/σ_e + (1 − w)·(u·v_t − μ_w)/σ_w with e_t =
Σ_{j∈R} W[j, t], μ and σ each part's mean and standard deviation over the movies not in
R. Both parts are sums over R with constants fixed by R, so the split is exact: the base is
−w·μ_e/σ_e − (1 − w)·μ_w/σ_w (plus the filled ease score of a movie outside the covered
ones), a rated movie j contributes w·W[j, t]/σ_e + (1 − w)·v_tᵀA_R⁻¹vⱼ/σ_w. COSINE
standardises and mixes the two parts' cosine scores. Neighbours and maps use the WALS
movie vectors (they cover the whole catalogue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from movielens_tui.models.ease_wals import (
    ease_params,
    moments,
    standardise,
    wals_params,
    weight,
)
from movielens_tui.models.kinds.base import (
    DOT,
    Query,
    RatedSetKind,
    check_measure,
    check_movies,
    compute_scores,
    register,
)
from movielens_tui.models.kinds.ease import COVERED, WEIGHTS, _fill
from movielens_tui.models.kinds.ease_pop import EasePop
from movielens_tui.models.kinds.wals import Wals
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    from movielens_tui.models.ranking import UserRows

EASE = EasePop()  # the parts' kinds (unregistered instances: the methods are stateless)
WALS = Wals()
COLUMNS = 256  # rated movies gathered per block when summing ease weights


def _covered(model: TrainedModel) -> np.ndarray | None:
    return np.asarray(model.extra[COVERED], np.int64) if COVERED in model.extra else None


def ease_part(model: TrainedModel) -> TrainedModel:
    """The ease-pop model inside (its arrays, not copies), in ease-pop's layout."""
    weights, covered = model.extra[WEIGHTS], _covered(model)
    params = ease_params(model.params)
    if covered is None:
        return TrainedModel(model.preset, EASE.name, params, weights)
    indicator = np.zeros((model.n_movies, 1), np.float32)
    indicator[covered] = 1.0
    extra = {COVERED: covered, WEIGHTS: weights}
    return TrainedModel(model.preset, EASE.name, params, indicator, extra=extra)


def wals_part(model: TrainedModel) -> TrainedModel:
    """The WALS model inside (movie vectors only; users are folded in)."""
    return TrainedModel(model.preset, WALS.name, wals_params(model.params), model.movie_embeddings)


def _wals_users(model: TrainedModel, lists: list[np.ndarray]) -> np.ndarray:
    """The WALS part's fold-in of each list of rated movies (float64, len(lists)×d)."""
    return WALS.user_vectors(wals_part(model), lists)


def _ease_dot(model: TrainedModel, rated: np.ndarray) -> np.ndarray:
    """e_t = Σ_{j∈R} W[j, t] for every movie (float64; outside the covered movies the
    lowest covered score minus 1, as ease ranks them)."""
    weights, covered = model.extra[WEIGHTS], _covered(model)
    cols = rated
    if covered is not None:
        where = np.full(model.n_movies, -1, np.int64)
        where[covered] = np.arange(covered.size)
        cols = where[rated]
        cols = cols[cols >= 0]
    out = np.zeros(weights.shape[0])
    for start in range(0, len(cols), COLUMNS):
        out += weights[:, cols[start : start + COLUMNS]].sum(axis=1, dtype=np.float64)
    return out if covered is None else _fill(model, covered, out)


@register
class EaseWals(RatedSetKind):
    name = "ease-wals"
    summary = (
        "w·z(ease-pop) + (1−w)·z(wals): both models' scores standardised per user over "
        "the unrated movies and mixed"
    )
    exact_explanation = True  # both parts are sums over the rated movies; z is affine
    exact_note = "exact: the rated movies' shares of both standardised scores add up"
    query_from_ratings = True
    fit_target = "movielens_tui.models.ease_wals:fit"

    def info(self, model: TrainedModel) -> dict[str, Any]:
        covered = _covered(model)
        n = model.n_movies if covered is None else int(covered.size)
        return {"top_n": n, "covered_movies": n, "catalogue_movies": model.n_movies}

    def check_params(self, params: dict) -> None:
        weight(params)

    # ------------------------------------------------------------------ queries
    def query_for_movies(self, model: TrainedModel, movies: np.ndarray) -> Query:
        movies = check_movies(model, movies)
        mask = np.zeros(model.n_movies)
        mask[movies] = 1.0
        return Query(np.concatenate([mask, _wals_users(model, [movies])[0]]))

    def _split(self, model: TrainedModel, query: Query) -> tuple[np.ndarray, np.ndarray]:
        vector = np.asarray(query.vector, np.float64)
        return vector[: model.n_movies] > 0.5, vector[model.n_movies :]

    def _raw(self, model: TrainedModel, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """Both parts' DOT scores (float64, M each) for ``query``."""
        rated, u = self._split(model, query)
        return _ease_dot(model, np.flatnonzero(rated)), model.movie_embeddings.astype(
            np.float64
        ) @ u

    # ------------------------------------------------------------------ scores
    def score(self, model: TrainedModel, query: Query, measure: str = DOT) -> np.ndarray:
        check_measure(measure)
        rated, u = self._split(model, query)
        if measure == DOT:
            ease, wals = self._raw(model, query)
        else:
            part = ease_part(model)
            ease = EASE.score(part, EASE.query_for_movies(part, np.flatnonzero(rated)), measure)
            wals = compute_scores(u, model.movie_embeddings, measure)
        w = weight(model.params)
        return w * standardise(ease, rated) + (1.0 - w) * standardise(wals, rated)

    def score_users(self, model: TrainedModel, users: np.ndarray, rows: UserRows) -> np.ndarray:
        users = np.asarray(users, np.int64)
        rated = rows.mask(users, model.n_movies)
        ease = EASE.score_users(ease_part(model), users, rows)
        U = _wals_users(model, [rows.movies(int(user)) for user in users])
        wals = U.astype(np.float32) @ model.movie_embeddings.T
        w = weight(model.params)
        return w * standardise(ease, rated) + (1.0 - w) * standardise(wals, rated)

    # ------------------------------------------------------------------ explanations
    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """base_t = w·(b_t − μ_e)/σ_e − (1 − w)·μ_w/σ_w (b_t: a filled ease score outside
        the covered movies, else 0), C[t, j] = w·W[j, t]/σ_e + (1 − w)·v_tᵀA_R⁻¹vⱼ/σ_w."""
        movies = np.asarray(movies, np.int64)
        targets = np.asarray(targets, np.int64)
        query = self.query_for_movies(model, movies)
        rated, _ = self._split(model, query)
        ease, wals = self._raw(model, query)
        (mu_e, sd_e), (mu_w, sd_w) = (
            (float(m[0]), float(s[0])) for m, s in (moments(ease, rated), moments(wals, rated))
        )
        weights, covered = model.extra[WEIGHTS], _covered(model)
        share_e = np.zeros((len(targets), len(movies)))
        base_e = np.zeros(len(targets))
        if covered is None:
            share_e[:] = weights[targets][:, movies]
        else:
            where = np.full(model.n_movies, -1, np.int64)
            where[covered] = np.arange(covered.size)
            rows, cols = where[targets], where[movies]
            inside, hit = rows >= 0, cols >= 0
            share_e[np.ix_(inside, hit)] = weights[rows[inside]][:, cols[hit]]
            base_e[~inside] = ease[targets[~inside]]  # the float64 filled score above
        base_w, share_w = WALS.contributions(wals_part(model), movies, values, targets)
        w = weight(model.params)
        a, b = w / sd_e, (1.0 - w) / sd_w
        base = a * (base_e - mu_e) + b * (np.asarray(base_w, np.float64) - mu_w)
        return base, a * share_e + b * np.asarray(share_w, np.float64)

    def explain(self, model: TrainedModel, query: Query, movie: int) -> dict[str, Any]:
        """The score of ``movie``: the base plus each rated movie's share."""
        rated, _ = self._split(model, query)
        movies = np.flatnonzero(rated)
        base, shares = self.contributions(model, movies, np.ones(len(movies)), np.array([movie]))
        terms = {int(m): float(s) for m, s in zip(movies, shares[0], strict=True)}
        return {"score": float(self.score(model, query)[movie]), "base": float(base[0]),
                "terms": terms}  # fmt: skip
