"""The presets on the real MovieLens 100K land in the colab's ranges (slow; needs the data)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from movielens_tui.data.splits import canonical_fold  # noqa: E402
from movielens_tui.models.scoring import COSINE, hits_table, neighbors  # noqa: E402
from movielens_tui.models.trainer import train  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.ml100k]

FAMILY = {
    "Lion King, The (1994)", "Beauty and the Beast (1991)", "Cinderella (1950)",
    "Pinocchio (1940)", "Snow White and the Seven Dwarfs (1937)", "Toy Story (1995)",
    "Little Mermaid, The (1989)", "Jungle Book, The (1967)", "Sleeping Beauty (1959)",
    "Fantasia (1940)", "Dumbo (1941)", "Mary Poppins (1964)", "Hercules (1997)",
    "Pocahontas (1995)", "Hunchback of Notre Dame, The (1996)", "Alice in Wonderland (1951)",
    "Aristocats, The (1970)", "Lady and the Tramp (1955)", "101 Dalmatians (1996)",
    "Fox and the Hound, The (1981)", "Winnie the Pooh and the Blustery Day (1968)",
    "James and the Giant Peach (1996)", "Wizard of Oz, The (1939)", "Sound of Music, The (1965)",
}  # fmt: skip


def _title_index(dataset, title: str) -> int:
    return int(np.flatnonzero(dataset.movies["title"] == title)[0])


def test_mf_lands_at_the_colab_errors(ml100k) -> None:
    model = train(ml100k, "mf", seed=0)
    last = model.history[-1]
    assert last["step"] == 1000 and len(model.history) == 101
    assert 0.33 <= last["train_error"] <= 0.42  # colab runs: 0.37-0.38
    assert 1.25 <= last["test_error"] <= 1.45  # colab runs: 1.31-1.36


def test_lowinit_generalises_better(ml100k) -> None:
    last = train(ml100k, "mf-lowinit", seed=0).history[-1]
    assert 0.30 <= last["train_error"] <= 0.42  # colab runs: 0.35-0.36
    assert 0.90 <= last["test_error"] <= 1.06  # colab runs: 0.94-1.00


def test_regularized_errors_and_aladdin_family_neighbours(ml100k) -> None:
    model = train(ml100k, "regularized", seed=0)
    last = model.history[-1]
    assert 0.9 <= last["train_error_observed"] <= 1.1  # colab run: 1.003
    assert 2.2 <= last["test_error_observed"] <= 2.7  # colab run: 2.402
    assert 0.75 <= last["regularization_loss"] <= 0.95  # 0.853
    assert 1.2 <= last["gravity_loss"] <= 1.45  # 1.316
    hits = hits_table(ml100k, neighbors(model, _title_index(ml100k, "Aladdin (1992)"), COSINE))
    titles = [h["title"] for h in hits]
    assert titles[0] == "Aladdin (1992)"
    assert len(FAMILY & set(titles[1:])) >= 3, titles
    assert {"Lion King, The (1994)", "Beauty and the Beast (1991)"} & set(titles[1:3])


def test_softmax_ranks_far_above_the_colab_cap(ml100k) -> None:
    model = train(ml100k, "softmax", {"iterations": 300}, seed=0)
    last = model.history[-1]
    assert last["train_loss"] < model.history[0]["train_loss"]
    assert last["test_precision_at_10"] > 0.15  # the colab's metric could not exceed 0.1
    assert 0.0 < last["test_recall_at_10"] < 1.0


def test_biased_mf_beats_surprise_svd_on_u1(ml100k) -> None:
    train_df, test_df = canonical_fold(ml100k, 1)
    model = train(ml100k, "biased-mf", train=train_df, test=test_df, seed=0)
    pred = model.predict(test_df["user"].to_numpy(), test_df["movie"].to_numpy())
    rmse = float(np.sqrt(np.mean((pred - test_df["rating"].to_numpy()) ** 2)))
    assert rmse < 0.93  # Surprise SVD on u1: 0.951; measured here: 0.917
    assert model.history[-1]["test_rmse"] == pytest.approx(rmse, abs=1e-3)
