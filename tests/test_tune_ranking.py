"""benchmarks/tune_ranking.py: validation splits never touch the test fold; a smoke run of
the closed-form grids on generated data picks a value from each grid."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import tune_ranking  # noqa: E402

from movielens_tui.data.splits import canonical_fold  # noqa: E402


def _pairs(df: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(df["user"].to_numpy(), df["movie"].to_numpy(), strict=True))


def test_validation_comes_from_the_training_fold_only(small_dataset) -> None:
    splits = tune_ranking.validation_splits(small_dataset, [1, 2], 0.2, seed=0)
    for k, (name, fit_part, validation) in zip((1, 2), splits, strict=True):
        train, test = canonical_fold(small_dataset, k)
        assert name == f"u{k}"
        assert _pairs(fit_part) | _pairs(validation) == _pairs(train)
        assert not _pairs(fit_part) & _pairs(validation)
        assert not (_pairs(fit_part) | _pairs(validation)) & _pairs(test)
        assert abs(len(validation) - 0.2 * len(train)) <= 1


def test_rp3beta_weights_are_transition_probabilities_without_penalty() -> None:
    rng = np.random.default_rng(0)
    x = (rng.random((30, 12)) < 0.3).astype(np.float64)
    x[:, 0] = 1.0
    w = tune_ranking.rp3beta_weights(x, 1.0, 0.0)
    full = (x.T / x.sum(axis=0)[:, None]) @ (x / np.maximum(x.sum(axis=1, keepdims=True), 1))
    np.testing.assert_allclose(w, full - np.diag(np.diag(full)))
    pruned = tune_ranking.rp3beta_weights(x, 1.0, 0.5, top_k=3)
    assert ((pruned > 0).sum(axis=1) <= 3).all()


def test_smoke_run_prints_grids_and_choices(capsys) -> None:
    assert tune_ranking.main(["--smoke", "--models", "ease,ease-pop,rp3beta"]) == 0
    out = capsys.readouterr().out
    assert "### chosen on validation" in out
    for group in ("ease", "ease-pop", "rp3beta"):
        assert f"- {group}: " in out
    assert "| params | val P@10 |" in out
