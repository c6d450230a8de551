"""``autorec``: item-based AutoRec (Sedhain et al. 2015), a one-hidden-layer autoencoder
of each movie's ratings over the users.

A movie's training ratings r_i ∈ R^U (0 where unrated) are encoded
``h_i = sigmoid(V r_i + b)`` and decoded ``r̂_i = W h_i + c``. The decoder makes it a
factor model: the prediction of user u for movie i is ``W[u]·h_i + c[u]``, so the model
is stored as one: movie embeddings h (M×H), user embeddings W (U×H), user bias
``c − μ``, global mean μ, movie biases 0; the encoder (V, b) is kept in ``extra`` for
continued training. Training minimises ``½ Σ_obs (r − r̂)² + ½ λ (‖V‖² + ‖W‖²)``
(biases free), so a user's row of W solves a ridge problem over the rated movies' h_i
with that same λ: fold-in of a new user is exactly that solve (movie vectors fixed), and
explanations are exact. A folded-in user's ratings do not enter the encoder (the movie
vectors stay those of the training data), which retraining would change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from movielens_tui.models.kinds.base import DEFAULT_L2, register
from movielens_tui.models.kinds.biased_mf import BiasedMF

if TYPE_CHECKING:
    from movielens_tui.models.trained import TrainedModel

BIAS_L2 = 1e-3  # the decoder bias is unregularised in training; a tiny ridge keeps it solvable


@register
class AutoRec(BiasedMF):
    name = "autorec"
    summary = "item-based autoencoder (I-AutoRec): sigmoid encoder, linear decoder, L-BFGS"
    rating = True
    distributed = False
    exact_explanation = True  # μ + user bias + W[u]·h_i, the decoder's terms
    fit_target = "movielens_tui.models.autorec:fit_autorec"

    def ridge_lambdas(self, model: TrainedModel, count: int) -> tuple[float, float]:
        """The training λ itself: the loss is ½Σe² + ½λ‖W[u]‖², a ridge on the sum scale."""
        return max(float(model.params.get("regularization", DEFAULT_L2)), 1e-6), BIAS_L2

    def info(self, model: TrainedModel) -> dict[str, Any]:
        return {"hidden units": model.dim}
