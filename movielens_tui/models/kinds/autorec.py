"""``autorec``: item-based AutoRec (Sedhain et al. 2015), an autoencoder of each movie's
ratings over the users, optionally blended with biased-mf.

A movie's training ratings r_i ∈ R^U (0 where unrated) are encoded by sigmoid layers,
``h_i = sigmoid(V r_i + b)`` (stacked for several ``hidden_dims``), and decoded
``r̂_i = W h_i + c``. The decoder makes it a factor model: user u's prediction for movie
i is ``W[u]·h_i + c[u]``, so it is stored as one: movie embeddings h (M×H), user
embeddings W (U×H), user bias ``c − μ``, global mean μ, movie biases 0; the encoder is
kept in ``extra`` for continued training. Training minimises
``½ Σ_obs (r − r̂)² + ½ λ ‖weights‖²`` (biases free), so a user's row of W solves a
ridge problem over the rated movies' h_i with that same λ: fold-in of a new user is
exactly that solve (movie vectors fixed), and explanations are exact. A folded-in
user's ratings do not enter the encoder (the movie vectors stay those of the training
data), which retraining would change.

With ``mf_weight`` α > 0 the prediction is ``(1 − α)·autorec + α·biased-mf``, again one
factor model (vectors concatenated, biases combined); fold-in then solves each part's
own ridge problem (biased-mf's: λ per rating) and blends the two solutions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from movielens_tui.models.kinds.base import DEFAULT_L2, Query, rated_arrays, register
from movielens_tui.models.kinds.biased_mf import BiasedMF

if TYPE_CHECKING:
    from movielens_tui.models.trained import TrainedModel

BIAS_L2 = 1e-3  # the decoder bias is unregularised in training; a tiny ridge keeps it solvable


@register
class AutoRec(BiasedMF):
    name = "autorec"
    summary = "item-based autoencoder (I-AutoRec), full-batch L-BFGS; optional biased-mf blend"
    rating = True
    distributed = False
    exact_explanation = True  # μ + biases + user·movie vectors, the decoder's terms
    fit_target = "movielens_tui.models.autorec:fit_autorec"

    def ridge_lambdas(self, model: TrainedModel, count: int) -> tuple[float, float]:
        """The training λ itself: the loss is ½Σe² + ½λ‖W[u]‖², a ridge on the sum scale."""
        return max(float(model.params.get("regularization", DEFAULT_L2)), 1e-6), BIAS_L2

    def _blocks(self, model: TrainedModel, count: int) -> list[tuple]:
        """(columns, weight, λ, λ_b, per-movie offset of the target) of each part."""
        width = int(model.params["hidden_dims"][-1])
        alpha = float(model.params.get("mf_weight", 0.0))
        lam, lam_b = self.ridge_lambdas(model, count)
        blocks = [(slice(0, width), 1.0 - alpha, lam, lam_b, None)]
        if alpha > 0 and model.movie_bias is not None:
            reg, breg = (float(v) for v in model.extra["mf_regularization"])
            blocks.append((slice(width, None), alpha, max(reg * count, 1e-6),
                           max(breg * count, 1e-6), model.movie_bias / alpha))  # fmt: skip
        return blocks

    def _solves(self, model: TrainedModel, movies: np.ndarray, values: np.ndarray) -> list:
        """Per part: (columns, weight, (d+1)×R solve matrix, the R targets it is applied to)."""
        out = []
        for cols, weight, lam, lam_b, offset in self._blocks(model, len(movies)):
            V = model.movie_embeddings[movies][:, cols].astype(np.float64)
            design = np.hstack([V, np.ones((len(movies), 1))])
            penalty = np.diag(np.r_[np.full(V.shape[1], lam), lam_b])
            solve = np.linalg.solve(design.T @ design + penalty, design.T)
            target = np.asarray(values, np.float64) - model.global_mean
            if offset is not None:
                target = target - offset[movies]
            out.append((cols, weight, solve, target))
        return out

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        movies, values = rated_arrays(model, ratings)
        vector, bias = np.zeros(model.dim), 0.0
        for cols, weight, solve, target in self._solves(model, movies, values):
            if l2 is not None:  # one λ for every part, as asked
                V = model.movie_embeddings[movies][:, cols].astype(np.float64)
                design = np.hstack([V, np.ones((len(movies), 1))])
                gram = design.T @ design + float(l2) * np.eye(design.shape[1])
                solve = np.linalg.solve(gram, design.T)
            solution = solve @ target
            vector[cols] = weight * solution[:-1]
            bias += weight * float(solution[-1])
        return Query(vector.astype(np.float32), bias)

    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """base = μ + b_t + b_u; each part's dot product is linear in its targets."""
        base = model.global_mean + np.zeros(len(targets))
        if model.movie_bias is not None:
            base = base + model.movie_bias[targets].astype(np.float64)
        share = np.zeros((len(targets), len(movies)))
        for cols, weight, solve, target in self._solves(model, movies, values):
            base = base + weight * float(solve[-1] @ target)
            vectors = model.movie_embeddings[targets][:, cols].astype(np.float64)
            share += weight * (vectors @ solve[:-1]) * target[None, :]
        return base, share

    def info(self, model: TrainedModel) -> dict[str, Any]:
        widths = model.params.get("hidden_dims", [])
        out: dict[str, Any] = {"hidden units": ",".join(str(w) for w in widths)}
        if float(model.params.get("mf_weight", 0.0)) > 0:
            out["biased-mf weight"] = float(model.params["mf_weight"])
        return out
