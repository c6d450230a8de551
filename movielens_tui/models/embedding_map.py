"""2-D maps of the movie embeddings (t-SNE as in the colab, or a fast PCA) and their norms."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.trained import TrainedModel

METHODS = ("tsne", "pca")
TSNE_PERPLEXITY = 40.0
TSNE_ITERATIONS = 400  # the colab's n_iter=400 (sklearn >= 1.5 calls it max_iter)


def norms(model: TrainedModel) -> np.ndarray:
    """L2 norm of every movie embedding (the colab's embedding-norm view)."""
    return np.linalg.norm(model.movie_embeddings.astype(np.float64), axis=1)


def pca(embeddings: np.ndarray) -> np.ndarray:
    """First two principal components (M×2 float32), sign fixed for stable plots."""
    X = embeddings.astype(np.float64)
    X = X - X.mean(axis=0)
    if X.shape[0] < 2:
        return np.zeros((X.shape[0], 2), np.float32)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    components = vt[:2]
    if components.shape[0] < 2:
        components = np.vstack([components, np.zeros((1, X.shape[1]))])
    out = X @ components.T
    signs = np.sign(out[np.argmax(np.abs(out), axis=0), [0, 1]])
    signs[signs == 0] = 1.0
    return (out * signs).astype(np.float32)


def project(
    model: TrainedModel,
    method: str = "tsne",
    seed: int = 0,
    should_stop: Callable[[], bool] | None = None,
    iterations: int = TSNE_ITERATIONS,
) -> np.ndarray:
    """M×2 coordinates of the movie embeddings.

    ``tsne``: sklearn's TSNE with the colab's settings (perplexity 40, cosine metric, PCA
    init, early exaggeration 10, 400 iterations; perplexity lowered for tiny data;
    ``iterations`` at least 250, sklearn's minimum).
    ``should_stop`` is polled before and after the (uninterruptible) t-SNE run; a stop
    raises ModelError.
    """
    if method not in METHODS:
        raise ModelError(f"unknown map method {method!r}; use tsne or pca")
    embeddings = model.movie_embeddings
    if method == "pca" or embeddings.shape[0] < 5:
        return pca(embeddings)
    _stop(should_stop)
    from sklearn.manifold import TSNE

    perplexity = min(TSNE_PERPLEXITY, (embeddings.shape[0] - 1) / 3.0)
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        metric="cosine",
        early_exaggeration=10.0,
        init="pca",
        max_iter=max(250, int(iterations)),
        random_state=seed,
    )
    out = tsne.fit_transform(embeddings.astype(np.float32)).astype(np.float32)
    _stop(should_stop)
    return out


def _stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise ModelError("map cancelled")
