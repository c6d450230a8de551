"""Metrics on hand-made cases, property tests, protocols and reports (no TensorFlow)."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from movielens_tui.errors import DataError, ModelError, ParamError
from movielens_tui.evaluate import (
    EvaluationCancelled,
    EvaluationReport,
    FoldResult,
    Protocol,
    evaluate,
    mae,
    popularity_scorer,
    ranking_metrics,
    ranking_metrics_dense,
    rmse,
    top_k,
)


def _frame(pairs: list[tuple[int, int]], rating: float = 4.0) -> pd.DataFrame:
    users, movies = zip(*pairs, strict=True) if pairs else ((), ())
    return pd.DataFrame(
        {
            "user": np.asarray(users, np.int32),
            "movie": np.asarray(movies, np.int32),
            "rating": np.full(len(pairs), rating, np.float32),
        }
    )


# --------------------------------------------------------------------------- rating metrics


def test_rmse_and_mae_by_hand() -> None:
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert rmse([3.5], [3.5]) == 0.0


def test_rating_metrics_refuse_mismatched_or_empty() -> None:
    with pytest.raises(ValueError):
        rmse([1, 2], [1])
    with pytest.raises(ValueError):
        mae([], [])


# --------------------------------------------------------------------------- ranking metrics


def test_top_k_orders_best_first_and_breaks_ties_by_index() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.9, 0.2]])
    assert top_k(scores, 3).tolist() == [[1, 3, 2]]
    assert top_k(np.zeros((1, 4)), 2).tolist() == [[0, 1]]
    assert top_k(scores, 10).shape == (1, 5)


def test_ranking_metrics_hand_case() -> None:
    # 1 user, 12 movies; movie 0 rated in train (scored highest, must be skipped).
    scores = np.array([[100.0, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]])
    train = np.zeros((1, 12), bool)
    train[0, 0] = True
    test = np.zeros((1, 12), bool)
    test[0, [1, 3, 11]] = True  # ranked 1st, 3rd and 11th (outside the top 10)
    m = ranking_metrics_dense(scores, train, test, k=10)
    assert m["n_users"] == 1
    assert m["precision_at_10"] == pytest.approx(2 / 10)
    assert m["recall_at_10"] == pytest.approx(2 / 3)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg_at_10"] == pytest.approx(dcg / idcg)


def test_users_without_relevant_movies_are_left_out() -> None:
    scores = np.arange(24, dtype=float).reshape(2, 12)
    train = np.zeros((2, 12), bool)
    test = np.zeros((2, 12), bool)
    test[0, 11] = True  # user 0: best-scored movie is relevant
    train[1, 5] = test[1, 5] = True  # user 1: its only test movie is also in train
    m = ranking_metrics_dense(scores, train, test, k=10)
    assert m["n_users"] == 1
    assert m["precision_at_10"] == pytest.approx(0.1)
    assert m["recall_at_10"] == pytest.approx(1.0)
    assert m["ndcg_at_10"] == pytest.approx(1.0)


def test_no_test_user_gives_nan() -> None:
    m = ranking_metrics_dense(np.zeros((1, 3)), np.zeros((1, 3), bool), np.zeros((1, 3), bool))
    assert m["n_users"] == 0 and math.isnan(m["precision_at_10"])


def test_non_finite_scores_are_refused() -> None:
    scores = np.array([[np.nan, 1.0, 2.0]])
    test = np.array([[False, True, False]])
    with pytest.raises(ModelError, match="non-finite"):
        ranking_metrics_dense(scores, np.zeros_like(test), test)


def test_user_with_fewer_unrated_movies_than_k() -> None:
    # 4 movies, 3 rated in train: only one can be ranked; it is relevant.
    scores = np.array([[4.0, 3.0, 2.0, 1.0]])
    train = np.array([[True, True, True, False]])
    test = np.array([[False, False, False, True]])
    m = ranking_metrics_dense(scores, train, test, k=10)
    assert m["precision_at_10"] == pytest.approx(0.1)
    assert m["recall_at_10"] == pytest.approx(1.0)
    assert m["ndcg_at_10"] == pytest.approx(1.0)


@st.composite
def _case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_users = draw(st.integers(1, 6))
    n_movies = draw(st.integers(1, 25))
    shape = (n_users, n_movies)
    scores = draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5, width=32)))
    train = draw(hnp.arrays(bool, shape))
    test = draw(hnp.arrays(bool, shape))
    return scores, train, test


@settings(max_examples=60, deadline=None)
@given(_case(), st.integers(1, 12))
def test_metric_properties(case: tuple, k: int) -> None:
    scores, train, test = case
    m = ranking_metrics_dense(scores, train, test, k=k)
    relevant = test & ~train
    assert m["n_users"] == int((relevant.sum(axis=1) > 0).sum())
    if m["n_users"] == 0:
        return
    for name in ("precision", "recall", "ndcg"):
        assert 0.0 <= m[f"{name}_at_{k}"] <= 1.0 + 1e-12
    # Scoring the relevant movies above everything else is a perfect ranking.
    perfect = ranking_metrics_dense(relevant.astype(float), train, test, k=k)
    assert perfect["ndcg_at_" + str(k)] == pytest.approx(1.0)
    rows = relevant.sum(axis=1) > 0
    best_p = np.minimum(relevant[rows].sum(axis=1), k).mean() / k
    assert perfect[f"precision_at_{k}"] == pytest.approx(best_p)
    assert m[f"precision_at_{k}"] <= best_p + 1e-12
    # Scores only matter through their order (scaling by 4 is exact in floating point).
    shifted = ranking_metrics_dense(scores * 4.0, train, test, k=k)  # exact, same order
    assert shifted == pytest.approx(m)


def test_ranking_metrics_batches_agree_with_dense() -> None:
    rng = np.random.default_rng(0)
    n_users, n_movies = 23, 31
    scores = rng.normal(size=(n_users, n_movies))
    cells = rng.random((n_users, n_movies))
    train_mask, test_mask = cells < 0.3, (cells >= 0.3) & (cells < 0.45)
    train = _frame([tuple(p) for p in np.argwhere(train_mask)])
    test = _frame([tuple(p) for p in np.argwhere(test_mask)])
    batched = ranking_metrics(lambda users: scores[users], train, test, n_movies, batch_size=4)
    dense = ranking_metrics_dense(scores, train_mask, test_mask)
    assert batched == pytest.approx(dense)


def test_popularity_scorer_ranks_by_train_count() -> None:
    train = _frame([(0, 2), (1, 2), (2, 2), (0, 1), (1, 1), (2, 0)])
    scores = popularity_scorer(train, 4)(np.array([0, 1]))
    assert scores.shape == (2, 4)
    assert top_k(scores, 4)[0].tolist() == [2, 1, 0, 3]


# --------------------------------------------------------------------------- protocols


def test_protocol_validation() -> None:
    with pytest.raises(ParamError):
        Protocol.canonical([0, 6])
    with pytest.raises(ParamError):
        Protocol.holdout(1.5)
    assert Protocol.canonical([1, 2]).describe() == "canonical folds u1,u2"


def test_popularity_on_canonical_folds(small_dataset) -> None:
    report = evaluate(small_dataset, "popularity", protocol=Protocol.canonical())
    assert [f.name for f in report.folds] == ["u1", "u2", "u3", "u4", "u5"]
    assert sum(f.n_test for f in report.folds) == small_dataset.n_ratings
    p = report.mean["precision_at_10"]
    assert 0.0 < p <= 1.0
    assert "rmse" not in report.mean
    data = json.loads(json.dumps(report.to_json()))
    assert data["precision_at_10"] == pytest.approx(p)
    assert set(data) >= {"recall_at_10", "ndcg_at_10", "fit_seconds", "folds", "std"}
    assert len(data["folds"]) == 5 and data["folds"][0]["fold"] == "u1"


def test_popularity_beats_reverse_popularity_on_generated_data(small_dataset) -> None:
    # The generator draws movies by a power law, so popularity must beat chance.
    _, train, test = next(Protocol.canonical([1]).splits(small_dataset))
    n = small_dataset.n_movies
    pop = ranking_metrics(popularity_scorer(train, n), train, test, n)
    anti = ranking_metrics(lambda u: -popularity_scorer(train, n)(u), train, test, n)
    assert pop["precision_at_10"] > anti["precision_at_10"]


def test_holdout_and_file_protocols(small_dataset, small_data_dir) -> None:
    report = evaluate(small_dataset, "popularity", protocol=Protocol.holdout(0.2), seed=3)
    assert len(report.folds) == 1 and report.folds[0].name == "holdout-0.2"
    assert report.folds[0].n_test == round(0.2 * small_dataset.n_ratings)
    files = Protocol.files(small_data_dir / "u2.base", small_data_dir / "u2.test")
    by_files = evaluate(small_dataset, "popularity", protocol=files)
    by_fold = evaluate(small_dataset, "popularity", protocol=Protocol.canonical([2]))
    assert by_files.mean == pytest.approx(by_fold.mean)


def test_missing_folds_and_bad_files_give_clear_errors(small_dataset, tmp_path) -> None:
    with pytest.raises(DataError, match="u1.base"):
        list(Protocol.canonical([1]).splits(_without_path(small_dataset)))
    with pytest.raises(DataError, match="missing"):
        evaluate(small_dataset, "popularity", protocol=Protocol.files(tmp_path / "a", "b"))


def _without_path(dataset):
    import dataclasses

    return dataclasses.replace(dataset, path=None)


def test_popularity_takes_no_params_and_stops(small_dataset) -> None:
    with pytest.raises(ParamError):
        evaluate(small_dataset, "popularity", {"dim": 3})
    with pytest.raises(EvaluationCancelled):
        evaluate(small_dataset, "popularity", should_stop=lambda: True)


def test_callback_reports_each_fold(small_dataset) -> None:
    seen = []
    evaluate(small_dataset, "popularity", protocol=Protocol.canonical([1, 3]), callback=seen.append)
    results = [p for p in seen if p.result is not None]  # popularity trains like any preset
    assert [(p.fold, p.fold_index, p.n_folds) for p in results] == [("u1", 0, 2), ("u3", 1, 2)]
    assert all(p.result is not None or p.progress is not None for p in seen)


def test_report_mean_and_spread() -> None:
    report = EvaluationReport("x", "mf", {}, "p", 0)
    report.folds = [
        FoldResult("a", {"rmse": 1.0}, 2.0, 10, 2),
        FoldResult("b", {"rmse": 3.0}, 4.0, 10, 2),
    ]
    assert report.mean == {"rmse": 2.0}
    assert report.std["rmse"] == pytest.approx(math.sqrt(2))
    assert report.to_json()["fit_seconds"] == 3.0


def test_evaluate_module_does_not_import_tensorflow() -> None:
    code = "import movielens_tui.evaluate, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _reference_metrics(scores, train, test, k):
    """Plain per-user loop: rank unrated movies by (score desc, index asc)."""
    sums, users = np.zeros(3), 0
    for s, tr, te in zip(scores, train, test, strict=True):
        relevant = {j for j in range(len(s)) if te[j] and not tr[j]}
        if not relevant:
            continue
        users += 1
        ranked = sorted((j for j in range(len(s)) if not tr[j]), key=lambda j: (-s[j], j))[:k]
        hits = [j in relevant for j in ranked]
        dcg = sum(1 / math.log2(i + 2) for i, h in enumerate(hits) if h)
        idcg = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
        sums += [sum(hits) / k, sum(hits) / len(relevant), dcg / idcg]
    return users, sums / max(users, 1)


@settings(max_examples=80, deadline=None)
@given(_case(), st.integers(1, 12), st.booleans())
def test_metrics_match_a_plain_loop(case: tuple, k: int, coarse: bool) -> None:
    scores, train, test = case
    if coarse:  # many ties
        scores = np.round(scores)
    m = ranking_metrics_dense(scores, train, test, k=k)
    users, (p, r, n) = _reference_metrics(scores, train, test, k)
    assert m["n_users"] == users
    if users:
        assert (m[f"precision_at_{k}"], m[f"recall_at_{k}"], m[f"ndcg_at_{k}"]) == pytest.approx(
            (p, r, n)
        )


# --------------------------------------------------------------------------- k-fold, temporal


def test_kfold_and_temporal_protocol_validation() -> None:
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ParamError):
            Protocol.kfold(bad)
    for bad in (0, -1, 1.5, 1.0001):
        with pytest.raises(ParamError):
            Protocol.temporal(bad)
    assert Protocol.kfold(3).describe(seed=4) == "seeded 3-fold (seed 4)"
    assert Protocol.temporal(1).describe() == "per-user temporal: latest rating"
    assert Protocol.temporal(5.0).describe() == "per-user temporal: latest 5 ratings"
    assert Protocol.temporal(0.2).describe() == "per-user temporal: latest 20% of ratings"
    assert "default folds" in Protocol.canonical().describe()


def test_default_folds_are_canonical_on_ml100k_else_seeded_5fold(small_dataset, tmp_path) -> None:
    from movielens_tui.data.movielens import load_folder
    from movielens_tui.data.synthetic import write_movielens_folder

    assert Protocol.canonical().describe(small_dataset) == "canonical folds u1-u5"
    bare = load_folder(write_movielens_folder(tmp_path / "ml-100k", folds=False))
    assert not list(bare.path.glob("u1.*"))
    assert Protocol.canonical().describe(bare, seed=2) == "seeded 5-fold (seed 2)"
    report = evaluate(bare, "popularity", seed=2)
    assert report.protocol == "seeded 5-fold (seed 2)"
    assert [f.name for f in report.folds] == [f"fold{i}" for i in range(1, 6)]
    assert sum(f.n_test for f in report.folds) == bare.n_ratings
    assert all(f.n_train + f.n_test == bare.n_ratings for f in report.folds)
    same = evaluate(bare, "popularity", protocol=Protocol.kfold(5), seed=2)
    assert same.mean == report.mean
    other = evaluate(bare, "popularity", protocol=Protocol.kfold(5), seed=3)
    assert other.mean != report.mean


def test_kfold_and_temporal_on_latest_small(latest_small) -> None:
    assert Protocol.canonical().describe(latest_small) == "seeded 5-fold (seed 0)"
    report = evaluate(latest_small, "popularity", protocol=Protocol.kfold(3), seed=1)
    assert report.protocol == "seeded 3-fold (seed 1)" and len(report.folds) == 3
    assert sum(f.n_test for f in report.folds) == latest_small.n_ratings
    assert 0.0 < report.mean["precision_at_10"] <= 1.0
    params = {"epochs": 1, "dim": 8}
    temporal = evaluate(latest_small, "biased-mf", params, Protocol.temporal(5))
    (fold,) = temporal.folds
    assert fold.name == "temporal-5" and fold.n_test == 5 * latest_small.n_users
    assert temporal.protocol == "per-user temporal: latest 5 ratings"
    scale = latest_small.scale.values
    assert 0.0 < fold.metrics["rmse"] < scale[-1] - scale[0]
    assert 0.0 <= fold.metrics["ndcg_at_10"] <= 1.0 and fold.n_ranked_users > 0


def _evaluate_args(**flags) -> argparse.Namespace:
    base = dict(preset="popularity", seed=0, json=True, set=None, folds=False, kfold=None,
                holdout=None, temporal=None, train=None, test=None)  # fmt: skip
    return argparse.Namespace(**{**base, **flags})


def test_evaluate_command_builds_each_protocol(capsys, latest_small, latest_small_dir,
                                               tmp_path: Path) -> None:  # fmt: skip
    from movielens_tui.cli_models import evaluate_command

    # --train/--test: ratings.csv-format subsets (with the header) of the real file.
    header, *lines = (latest_small_dir / "ratings.csv").read_text().splitlines()
    train_file, test_file = tmp_path / "train.csv", tmp_path / "test.csv"
    train_file.write_text("\n".join([header, *lines[:-2000]]) + "\n")
    test_file.write_text("\n".join([header, *lines[-2000:]]) + "\n")

    def run(**flags) -> dict:
        assert evaluate_command(_evaluate_args(**flags), latest_small) == 0
        return json.loads(capsys.readouterr().out)

    files = run(train=str(train_file), test=str(test_file))
    assert files["protocol"] == f"train {train_file} / test {test_file}"
    assert (files["folds"][0]["n_train"], files["folds"][0]["n_test"]) == (len(lines) - 2000, 2000)
    assert run()["protocol"] == "seeded 5-fold (seed 0)"
    assert run(folds=True)["protocol"] == "seeded 5-fold (seed 0)"
    assert len(run(kfold=2, seed=3)["folds"]) == 2
    assert run(temporal=1)["folds"][0]["n_test"] == latest_small.n_users
    assert run(holdout=0.1)["folds"][0]["n_test"] == round(0.1 * latest_small.n_ratings)
    # Works with only the flags that existed before (no kfold/temporal attributes).
    bare = argparse.Namespace(preset="popularity", seed=0, json=True, set=None, holdout=0.2,
                              train=None, test=None)  # fmt: skip
    assert evaluate_command(bare, latest_small) == 0
    assert json.loads(capsys.readouterr().out)["protocol"].startswith("random holdout 0.2")
    with pytest.raises(ParamError, match="--train"):
        evaluate_command(_evaluate_args(test=str(test_file)), latest_small)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, -1e30, float("nan")]), min_size=1, max_size=40),
    st.integers(0, 45),
)
def test_top_k_of_one_row_matches_the_batch_path(values: list[float], k: int) -> None:
    """The one-row fast path (sorting only the candidates) gives the batch path's order,
    ties and NaN included."""
    from movielens_tui.models.ranking import top_k

    row = np.array(values, dtype=np.float32)
    assert np.array_equal(top_k(row[None, :], k), top_k(np.vstack([row, row]), k)[:1])
