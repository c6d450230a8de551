"""``compare``: presets fold by fold under one protocol (domain and CLI), progress and
cancellation, saved per dataset, and agreement with ``evaluate`` on ml-100k u1."""

from __future__ import annotations

import csv
import io
import json

import pytest

from movielens_tui import compare, evaluate
from movielens_tui.cli import main
from movielens_tui.errors import ParamError

QUICK = "popularity,mf:iterations=20,biased-mf:epochs=1,ease,softmax:iterations=5"


def test_parse_entries_keeps_overrides_with_their_preset() -> None:
    entries = compare.parse_entries("mf:iterations=5,dim=8,ease,biased-mf:epochs=1")
    assert [e.preset for e in entries] == ["mf", "ease", "biased-mf"]
    assert entries[0].overrides == {"iterations": "5", "dim": "8"}
    assert entries[0].name == "mf:iterations=5,dim=8" and entries[1].name == "ease"
    with pytest.raises(ParamError):
        compare.parse_entries(" , ")
    with pytest.raises(ParamError):
        compare.parse_entry("mf:iterations")


def test_compare_fold_by_fold_with_progress_best_and_save(small_dataset) -> None:
    seen = []
    result = compare.compare(
        small_dataset, compare.parse_entries(QUICK), evaluate.Protocol.canonical([1, 2]),
        callback=seen.append,
    )  # fmt: skip
    assert [r.label for r in result.rows][0] == "popularity"
    assert all(len(r.folds) == 2 for r in result.rows)
    finished = [(p.model, p.fold) for p in seen if p.result is not None]
    assert finished[:5] == [(r.label, "u1") for r in result.rows]  # folds outer
    assert any(p.progress is not None for p in seen)
    assert seen[-1].fraction == pytest.approx(1.0)
    rows = {r.label: r for r in result.rows}
    assert rows["popularity"].mean("rmse") is None and rows["biased-mf:epochs=1"].mean("rmse")
    for row in result.rows:
        assert 0.0 < row.mean("coverage") <= 1.0
        assert row.spread("precision_at_10") >= 0.0
    best = result.best()
    ratings = [r for r in result.rows if r.mean("rmse") is not None]
    assert best["rmse"] == min(ratings, key=lambda r: r.mean("rmse")).label
    assert best["ndcg_at_10"] == max(result.rows, key=lambda r: r.mean("ndcg_at_10")).label
    path = compare.save_comparison(result)
    assert path == compare.comparison_path(small_dataset.name) and path.is_file()
    loaded = compare.load_comparison(small_dataset.name)
    assert loaded is not None and loaded.to_json() == result.to_json()
    assert loaded.protocol == "canonical folds u1,u2" and loaded.date == result.date


def test_coverage_is_the_share_of_movies_in_any_top_10(small_dataset) -> None:
    from movielens_tui.data.splits import canonical_fold

    train, _ = canonical_fold(small_dataset, 1)
    popular = evaluate.popularity_scorer(train, small_dataset.n_movies)
    share = evaluate.catalogue_coverage(popular, train, small_dataset.n_movies, 10)
    # everyone gets the same ranking minus their own movies: a bit more than 10 movies
    assert 10 / small_dataset.n_movies <= share < 0.5


def test_compare_cancels_between_fits(small_dataset) -> None:
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(evaluate.EvaluationCancelled):
        compare.compare(small_dataset, ["popularity", "ease"], should_stop=stop)


def test_compare_rejects_bad_entries_before_fitting(small_dataset) -> None:
    with pytest.raises(ParamError):
        compare.compare(small_dataset, ["popularity", "mf:dim=-3"])
    with pytest.raises(ParamError):
        compare.compare(small_dataset, ["ease", "ease"])


def test_load_comparison_missing_and_damaged(small_dataset) -> None:
    from movielens_tui.errors import DataError

    assert compare.load_comparison("nothing-here") is None
    path = compare.comparison_path("broken")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(DataError):
        compare.load_comparison("broken")


def test_compare_cli_json_csv_markdown_table(capsys, small_data_dir) -> None:
    base = ["compare", "--data", str(small_data_dir), "--presets", "popularity,ease"]
    assert main([*base, "--fold", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["preset"] for r in rows] == ["popularity", "ease"]
    for row in rows:
        for key in ("rmse", "mae", "precision_at_10", "recall_at_10", "ndcg_at_10",
                    "coverage", "fit_seconds", "folds", "spread", "best"):  # fmt: skip
            assert key in row
        assert [f["fold"] for f in row["folds"]] == ["u1"]
    assert main([*base, "--holdout", "0.2", "--format", "csv", "--no-save"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["preset"] for r in table] == ["popularity", "ease"] and table[0]["rmse"] == ""
    assert main([*base, "--kfold", "2", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| preset | RMSE |") and "**" in out
    assert main([*base, "--temporal", "1"]) == 0
    out = capsys.readouterr().out
    assert "temporal" in out and "★" in out
    saved = compare.load_comparison("ml-100k")
    assert saved is not None and "temporal" in saved.protocol


def test_compare_cli_fold_on_a_dataset_without_canonical_folds(capsys, latest_small_dir) -> None:
    argv = ["compare", "--data", str(latest_small_dir), "--presets", "popularity", "--fold",
            "2", "--json"]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [f["fold"] for f in rows[0]["folds"]] == ["fold2"]
    assert main([*argv[:-3], "--fold", "6"]) == 1


def test_compare_matches_evaluate_on_ml100k_u1(capsys, ml100k_dir, ml100k) -> None:
    argv = ["compare", "--data", str(ml100k_dir), "--presets", "popularity,biased-mf",
            "--fold", "1", "--json", "--no-save"]  # fmt: skip
    assert main(argv) == 0
    rows = {r["preset"]: r for r in json.loads(capsys.readouterr().out)}
    for preset in ("popularity", "biased-mf"):
        report = evaluate.evaluate(ml100k, preset, {}, evaluate.Protocol.canonical([1]))
        for metric, value in report.mean.items():
            assert rows[preset][metric] == pytest.approx(value, rel=1e-3), (preset, metric)
