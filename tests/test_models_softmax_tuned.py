"""``softmax-tuned``: the colab's softmax architecture with the optimizer chosen on validation."""

from __future__ import annotations

import pytest

from movielens_tui.models import trainer
from movielens_tui.models.presets import resolve_params


def test_it_is_the_colab_architecture_with_adam() -> None:
    tuned, faithful = resolve_params("softmax-tuned"), resolve_params("softmax")
    assert tuned["optimizer"] == "adam" and faithful["optimizer"] == "adagrad"
    same = ("dim", "genre_dim", "year_dim", "hidden_dims", "batch_size", "iterations")
    assert all(tuned[k] == faithful[k] for k in same)


def test_it_trains_on_small_data_and_reports_ranking_metrics(small_dataset) -> None:
    model = trainer.train(small_dataset, "softmax-tuned", {"iterations": 30}, seed=0)
    assert model.kind == "softmax" and model.preset == "softmax-tuned"
    assert model.params["optimizer"] == "adam"
    assert model.history[-1]["step"] == 30
    assert "train_loss" in model.final_metrics


@pytest.mark.ml100k
@pytest.mark.slow
def test_precision_on_ml100k_u1_beats_the_colab_settings(ml100k) -> None:
    from movielens_tui.evaluate import Protocol, evaluate

    report = evaluate(ml100k, "softmax-tuned", None, Protocol.canonical([1]))
    assert LOW <= report.mean["precision_at_10"] <= HIGH


LOW, HIGH = 0.38, 0.50  # u1 measured 0.434; the colab settings: 0.288 on average over u1-u5
