"""The headless commands, end to end through ``cli.main`` on generated and real data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from movielens_tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help_answer_fast_without_heavy_imports() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "movielens_tui", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("movielens-tui ")
    out = subprocess.run(
        [sys.executable, "-m", "movielens_tui", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for command in ("stats", "train", "evaluate", "neighbors", "recommend"):
        assert command in out.stdout


def test_stats_json_on_small_data(capsys, small_data_dir: Path) -> None:
    code, out, _ = run(capsys, "stats", "--data", str(small_data_dir), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["users"], report["movies"], report["ratings"]) == (60, 80, 1500)
    top = report["top_by_count"][0]
    assert {"title", "count", "mean"} <= top.keys()
    assert top["count"] == max(row["count"] for row in report["top_by_count"])


def test_stats_tables_on_small_data(capsys, small_data_dir: Path) -> None:
    code, out, _ = run(capsys, "stats", "--data", str(small_data_dir))
    assert code == 0
    assert "Top movies by number of ratings" in out and "1,500" in out


def test_stats_on_ml100k_matches_the_colab(capsys, ml100k_dir: Path) -> None:
    code, out, _ = run(capsys, "stats", "--data", str(ml100k_dir), "--json")
    report = json.loads(out)
    assert (report["users"], report["movies"], report["ratings"]) == (943, 1682, 100_000)
    assert report["top_by_count"][0] == {
        **report["top_by_count"][0],
        "title": "Star Wars (1977)",
        "count": 583,
        "mean": 4.358,
    }
    assert report["mean_age"] == pytest.approx(34.05, abs=0.005)
    assert report["top_by_mean"][0]["title"] == "Close Shave, A (1995)"
    assert report["top_by_mean"][0]["mean"] == pytest.approx(4.491, abs=5e-4)


def test_missing_data_is_one_line_without_traceback(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "stats", "--data", str(tmp_path / "nope"))
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "nope" in err and "--data" in err


def test_bad_hyperparameter_is_rejected_before_training(capsys, small_data_dir: Path) -> None:
    code, _, err = run(
        capsys, "train", "--data", str(small_data_dir), "--preset", "mf", "--dim", "0"
    )
    assert code == 1 and "dim" in err and "Traceback" not in err
    code, _, err = run(
        capsys,
        "train",
        "--data",
        str(small_data_dir),
        "--preset",
        "mf",
        "--learning-rate",
        "fast",
    )
    assert code == 1 and "learning_rate" in err


def test_train_then_neighbors_and_recommend(capsys, small_data_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    code, out, _ = run(
        capsys,
        "train",
        "--data",
        str(small_data_dir),
        "--preset",
        "mf",
        "--iterations",
        "20",
        "--out",
        str(model),
        "--json",
    )
    assert code == 0, out
    trained = json.loads(out)
    assert trained["fit_seconds"] > 0 and "test_error" in trained["metrics"]
    assert model.exists()

    code, out, _ = run(
        capsys,
        "neighbors",
        "aladdin",
        "--data",
        str(small_data_dir),
        "--model",
        str(model),
        "--measure",
        "cosine",
        "-k",
        "4",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 4 and rows[0]["title"] == "Aladdin (1992)"
    assert rows[0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert {"movie_id", "title", "score", "genres"} <= rows[0].keys()

    code, out, _ = run(
        capsys,
        "recommend",
        "--user",
        "7",
        "--exclude-rated",
        "--data",
        str(small_data_dir),
        "--model",
        str(model),
        "-k",
        "5",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 5
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_recommend_unknown_user_names_the_range(capsys, small_data_dir: Path) -> None:
    code, _, err = run(
        capsys, "recommend", "--user", "9999", "--data", str(small_data_dir), "--preset", "mf"
    )
    assert code == 1 and "9999" in err and "1 to 60" in err


def test_neighbors_without_a_model_says_how_to_get_one(capsys, small_data_dir: Path) -> None:
    code, _, err = run(capsys, "neighbors", "aladdin", "--data", str(small_data_dir))
    assert code == 1 and "movielens-tui train" in err


def test_evaluate_holdout_json(capsys, small_data_dir: Path) -> None:
    code, out, _ = run(
        capsys,
        "evaluate",
        "--data",
        str(small_data_dir),
        "--preset",
        "biased-mf",
        "--set",
        "epochs=2",
        "--holdout",
        "0.2",
        "--json",
    )
    assert code == 0
    report = json.loads(out)
    for key in (
        "rmse",
        "mae",
        "precision_at_10",
        "recall_at_10",
        "ndcg_at_10",
        "fit_seconds",
        "folds",
    ):
        assert key in report
    assert 0.3 < report["rmse"] < 2.0


def test_divergence_keeps_the_saved_model(capsys, small_data_dir: Path) -> None:
    from movielens_tui.models import store

    data = str(small_data_dir)
    assert run(capsys, "train", "--data", data, "--preset", "mf", "--iterations", "10")[0] == 0
    saved = store.default_model_path("ml-100k")
    before = saved.read_bytes()
    code, _, err = run(
        capsys, "train", "--data", data, "--preset", "mf", "--learning-rate", "1e6",
        "--iterations", "50",
    )  # fmt: skip
    assert code == 1 and "Traceback" not in err
    assert "finite" in err or "diverged" in err
    assert saved.read_bytes() == before


def test_train_under_a_mirrored_strategy(capsys, small_data_dir: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys, "train", "--data", str(small_data_dir), "--preset", "biased-mf",
        "--strategy", "mirrored", "--set", "epochs=2", "--out", str(tmp_path / "m.npz"), "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["metrics"]["test_rmse"] > 0
    code, _, err = run(
        capsys, "train", "--data", str(small_data_dir), "--preset", "mf", "--strategy", "mirrored"
    )
    assert code == 1 and "biased-mf" in err


def test_presets_json_lists_every_preset_with_its_capabilities(capsys) -> None:
    from movielens_tui.models.presets import PRESETS

    code, out, _ = run(capsys, "presets", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == list(PRESETS)
    for row in rows:
        assert {"name", "kind", "rating", "ranking", "params", "purpose"} <= row.keys()
        assert isinstance(row["rating"], bool) and isinstance(row["ranking"], bool)
        assert isinstance(row["distributed"], bool)
        assert isinstance(row["exact_explanation"], bool)
    by_name = {r["name"]: r for r in rows}
    assert by_name["biased-mf"]["rating"] and by_name["biased-mf"]["distributed"]
    assert not by_name["ease"]["rating"] and by_name["ease"]["params"]["top_n"] == 0
    assert by_name["popularity"]["purpose"] == "ranking"
    assert by_name["wals"]["params"]["unobserved_weight"] > 0


def test_presets_table(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = run(capsys, "presets")
    assert code == 0 and "wals" in out and "popularity" in out and "┃ hyperparameters" in out


def test_presets_at_80_columns_keep_every_hyperparameter(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "presets")
    assert code == 0 and "…" not in out
    assert "unobserved_weight=" in out and "init_stddev=0.5," in out


def test_popularity_trains_and_evaluates_like_any_preset(capsys, small_data_dir: Path) -> None:
    out_file = small_data_dir.parent / "pop.npz"
    code, out, _ = run(capsys, "train", "--data", str(small_data_dir), "--preset",
                       "popularity", "--out", str(out_file), "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["kind"] == "popularity"
    code, out, _ = run(capsys, "evaluate", "--data", str(small_data_dir), "--preset",
                       "popularity", "--json")  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["kind"] == "popularity" and "rmse" not in report
    code, out, _ = run(capsys, "recommend", "--data", str(small_data_dir), "--user", "1",
                       "--model", str(out_file), "--json")  # fmt: skip
    assert code == 0 and len(json.loads(out)) == 6


def test_strategy_needs_a_distributed_preset(capsys, small_data_dir: Path) -> None:
    code, _, err = run(capsys, "train", "--data", str(small_data_dir), "--preset", "ease",
                       "--strategy", "mirrored")  # fmt: skip
    assert code == 1 and "--preset biased-mf" in err


def test_train_json_shows_ease_coverage(capsys, small_data_dir: Path) -> None:
    code, out, _ = run(capsys, "train", "--data", str(small_data_dir), "--preset", "ease",
                       "--set", "top_n=30", "--out", str(small_data_dir.parent / "e.npz"),
                       "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["params"]["top_n"] == 30
    assert data["info"] == {"top_n": 30, "covered_movies": 30, "catalogue_movies": 80}
