""" "Why this movie?": exact splits add up for every kind claiming exact explanations
(hypothesis), approximations are labelled, neighbour co-raters match a brute count, and
``recommend --explain`` / ``neighbors --explain`` through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movielens_tui.cli import main
from movielens_tui.models import explain
from movielens_tui.models.kinds import all_kinds, kind_of
from movielens_tui.models.presets import PRESETS
from movielens_tui.models.trainer import train

QUICK = {"iterations": 12, "epochs": 2}
N_MOVIES = 80  # the small generated dataset


def _quick(name: str) -> dict:
    out = {k: v for k, v in QUICK.items() if k in PRESETS[name].params}
    if name == "regularized":
        out["learning_rate"] = 1.0
    return out


@pytest.fixture(scope="module")
def fitted(small_dataset) -> dict:
    return {
        name: train(small_dataset, name, _quick(name), seed=0)
        for name in PRESETS
        if name != "mf-lowinit"
    }


def _adds_up(row: explain.Explanation) -> None:
    total = row.base + sum(c.contribution for c in row.because) + row.rest
    assert total == pytest.approx(row.score, rel=1e-4, abs=1e-6)


EXACT = sorted(k.name for k in all_kinds() if k.exact_explanation)
RATINGS = st.dictionaries(
    st.integers(0, N_MOVIES - 1), st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0]), min_size=1,
    max_size=12,
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(EXACT),
    ratings=RATINGS,
    targets=st.lists(st.integers(0, N_MOVIES - 1), min_size=1, max_size=5),
    measure=st.sampled_from(["dot", "cosine"]),
)
def test_exact_explanations_add_up_to_the_score(
    small_dataset, fitted, kind, ratings, targets, measure
) -> None:
    model = next(m for m in fitted.values() if m.kind == kind)
    rows = explain.explain_ratings(model, small_dataset, ratings, targets, measure, top=3)
    k = kind_of(model)
    scores = k.score(model, k.fold_in(model, ratings), measure)
    for row, target in zip(rows, targets, strict=True):
        assert row.exact, kind
        assert row.score == pytest.approx(float(scores[target]))
        assert len(row.because) <= 3
        shares = [c.contribution for c in row.because]
        assert shares == sorted(shares, reverse=True)
        assert all(c.rating == ratings[c.movie] for c in row.because)
        _adds_up(row)


def test_every_kind_but_softmax_claims_exact_explanations() -> None:
    assert set(EXACT) == {k.name for k in all_kinds()} - {"softmax"}


def test_dataset_users_exact_only_where_the_query_comes_from_their_ratings(
    small_dataset, fitted
) -> None:
    targets = [0, 5, 9]
    for name in ("ease", "popularity"):
        for row in explain.explain_user(fitted[name], small_dataset, 0, targets):
            assert row.exact
            _adds_up(row)
    rated = set(small_dataset.rated_by(0).tolist())
    model = fitted["biased-mf"]
    rows = explain.explain_user(model, small_dataset, 0, targets)
    for movie, row in zip(targets, rows, strict=True):
        assert not row.exact and row.rest is None and "approximation" in row.note
        expected = model.global_mean + model.user_bias[0] + model.movie_bias[movie]
        assert row.base == pytest.approx(float(expected), rel=1e-5)
        assert row.because and all(c.movie in rated and c.contribution is None for c in row.because)
        sims = [c.similarity for c in row.because]
        assert sims == sorted(sims, reverse=True)
    for name in ("softmax", "mf"):
        row = explain.explain_user(fitted[name], small_dataset, 0, [3])[0]
        assert not row.exact and row.base is None and row.summary().startswith("≈")


def test_softmax_fold_in_is_an_approximation(small_dataset, fitted) -> None:
    row = explain.explain_ratings(fitted["softmax"], small_dataset, {1: 5.0, 2: 3.0}, [4])[0]
    assert not row.exact and {c.movie for c in row.because} == {1, 2}


def test_biased_mf_base_is_mean_plus_biases(small_dataset, fitted) -> None:
    model = fitted["biased-mf"]
    ratings = {1: 5.0, 2: 1.0, 7: 4.0}
    row = explain.explain_ratings(model, small_dataset, ratings, [10])[0]
    user_bias = kind_of(model).fold_in(model, ratings).bias
    assert row.base == pytest.approx(model.global_mean + model.movie_bias[10] + user_bias)
    assert row.summary().startswith("because you rated ")


def test_neighbour_co_raters_match_a_brute_count(small_dataset) -> None:
    r = small_dataset.ratings
    rows = explain.explain_neighbours(small_dataset, 0, [0, 3, 7], examples=2)
    for other, row in zip([0, 3, 7], rows, strict=True):
        a = set(r.loc[r["movie"] == 0, "user"])
        b = set(r.loc[r["movie"] == other, "user"])
        assert row.co_raters == len(a & b)
        assert len(row.examples) == min(2, len(a & b))
        ids = set(small_dataset.users["user_id"].iloc[sorted(a & b)])
        assert {e.user_id for e in row.examples} <= ids
        genres = small_dataset.movies["genres"]
        assert set(row.shared_genres) == set(genres.iloc[0]) & set(genres.iloc[other])


def test_recommend_explain_json_and_table(capsys, small_data_dir) -> None:
    base = ["recommend", "--data", str(small_data_dir), "--user", "1", "--preset", "ease"]
    assert main([*base, "--explain", "--json", "-k", "4", "--exclude-rated"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4
    for row in rows:
        assert row["exact"] is True and {"base", "because", "rest"} <= row.keys()
        assert {"movie_id", "title", "rating", "contribution"} <= row["because"][0].keys()
        total = row["base"] + sum(c["contribution"] for c in row["because"]) + row["rest"]
        assert total == pytest.approx(row["score"], rel=1e-4, abs=1e-6)
    assert main([*base, "--explain", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "because you rated" in " ".join(out.split())


def test_recommend_explain_marks_approximations(capsys, small_data_dir) -> None:
    argv = ["recommend", "--data", str(small_data_dir), "--user", "1", "--preset", "mf",
            "--explain", "--json", "-k", "2"]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(row["exact"] is False and row["rest"] is None for row in rows)
    assert all(c["contribution"] is None and "similarity" in c for c in rows[0]["because"])


def test_neighbors_explain_json(capsys, small_data_dir) -> None:
    argv = ["neighbors", "aladdin", "--data", str(small_data_dir), "--preset", "popularity",
            "--explain", "--json", "-k", "3"]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    for row in rows:
        assert isinstance(row["co_raters"], int) and isinstance(row["shared_genres"], list)
        assert all(len(e["ratings"]) == 2 for e in row["examples"])


def test_explanations_are_json_ready(small_dataset, fitted) -> None:
    row = explain.explain_ratings(fitted["ease"], small_dataset, {1: 4.0}, [2])[0]
    payload = json.loads(json.dumps(row.to_json()))
    assert payload["exact"] is True and np.isfinite(payload["base"])
