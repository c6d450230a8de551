"""Embedding norms and 2-D maps."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.errors import ModelError
from movielens_tui.models.embedding_map import norms, pca, project
from movielens_tui.models.trained import TrainedModel


def _model(n=80, d=6, seed=0) -> TrainedModel:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(2, d)) * 5
    points = np.vstack([centers[i % 2] + rng.normal(size=d) for i in range(n)])
    return TrainedModel("mf", "mf", {}, points.astype(np.float32))


def test_norms() -> None:
    model = TrainedModel("mf", "mf", {}, np.array([[3, 4], [0, 0]], np.float32))
    np.testing.assert_allclose(norms(model), [5.0, 0.0])


def test_pca_separates_clusters_and_is_deterministic() -> None:
    model = _model()
    xy = project(model, "pca")
    assert xy.shape == (80, 2) and xy.dtype == np.float32
    labels = np.arange(80) % 2
    assert np.sign(xy[labels == 0, 0]).std() == 0 and np.sign(xy[labels == 1, 0]).std() == 0
    np.testing.assert_array_equal(xy, pca(model.movie_embeddings))


def test_tsne_runs_with_colab_settings_on_small_data() -> None:
    xy = project(_model(40), "tsne", seed=0, iterations=250)
    assert xy.shape == (40, 2) and np.isfinite(xy).all()
    labels = np.arange(40) % 2
    gap = np.linalg.norm(xy[labels == 0].mean(0) - xy[labels == 1].mean(0))
    assert gap > xy[labels == 0].std(0).max()


def test_unknown_method_and_cancel() -> None:
    with pytest.raises(ModelError):
        project(_model(), "umap")
    with pytest.raises(ModelError, match="cancelled"):
        project(_model(), "tsne", should_stop=lambda: True)
