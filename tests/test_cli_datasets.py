"""``--dataset`` on the headless commands: the registry, the bundled release, offline hints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from movielens_tui.cli import main
from movielens_tui.models import store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_datasets_lists_the_family_and_the_bundled_release(capsys) -> None:
    code, out, _ = run(capsys, "datasets", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert list(rows) == [
        "ml-100k", "ml-latest-small", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m",
    ]  # fmt: skip
    assert rows["ml-latest-small"]["bundled"] and rows["ml-latest-small"]["cached"]
    assert not rows["ml-100k"]["cached"]  # the test cache is empty
    assert rows["ml-10m"]["url"].endswith("/ml-10m.zip") and rows["ml-10m"]["bytes"] == 65_566_137
    assert rows["ml-32m"]["md5"] == "d472be332d4daa821edc399621853b57"


def test_stats_on_the_bundled_release_works_offline(capsys) -> None:
    code, out, err = run(capsys, "stats", "--dataset", "ml-latest-small", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["users"], report["movies"], report["ratings"]) == (610, 9742, 100_836)
    assert list(report["rating_histogram"]) == [
        "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5",
    ]  # fmt: skip
    assert sum(report["rating_histogram"].values()) == 100_836
    assert report["user_attributes"] == [] and report["mean_age"] is None
    assert report["by_occupation"] == {} and report["tags"] == 3683
    assert report["top_by_count"][0]["title"] == "Forrest Gump (1994)"


def test_stats_tables_without_demographics(capsys) -> None:
    code, out, _ = run(capsys, "stats", "--dataset", "ml-latest-small")
    assert code == 0
    assert "0.5 to 5 in half stars" in out and "By occupation" not in out
    assert "mean user age" not in out


def test_default_download_failing_names_the_bundled_release(capsys) -> None:
    code, out, err = run(capsys, "stats")  # no network in tests, empty cache
    assert code == 1 and out == ""
    line = err.strip()
    assert "\n" not in line and "Traceback" not in err
    assert "ml-100k" in line and "--data PATH" in line and "MOVIELENS_TUI_DATA" in line
    assert "--dataset ml-latest-small" in line


def test_unknown_dataset_is_one_clear_line(capsys) -> None:
    code, _, err = run(capsys, "stats", "--dataset", "ml-5m")
    assert code == 1
    assert err.strip() == (
        "movielens-tui: error: unknown dataset 'ml-5m'; choose one of: ml-100k, "
        "ml-latest-small, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m"
    )


def test_training_on_half_stars_keeps_the_scale(capsys, latest_small) -> None:
    code, out, err = run(
        capsys, "train", "--dataset", "ml-latest-small", "--preset", "biased-mf",
        "--set", "epochs=1", "--json",
    )  # fmt: skip
    assert code == 0, err
    path = json.loads(out)["model"]
    assert "ml-latest-small" in path
    model = store.load(path, latest_small)
    assert model.rating_range == (0.5, 5.0)
    users = np.zeros(latest_small.n_movies, dtype=np.int64)
    predicted = model.predict(users, np.arange(latest_small.n_movies))
    assert predicted.min() >= 0.5 and predicted.max() <= 5.0
    assert model.dataset_name == "ml-latest-small"


def test_a_model_of_another_dataset_is_refused(capsys, small_data_dir, latest_small) -> None:
    code, out, _ = run(
        capsys, "train", "--data", str(small_data_dir), "--set", "epochs=1", "--json"
    )
    assert code == 0
    model_path = json.loads(out)["model"]
    code, _, err = run(
        capsys, "recommend", "--dataset", "ml-latest-small", "--user", "1", "--model", model_path
    )
    assert code == 1 and "trained on another dataset" in err


def test_stats_top_must_be_positive(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["stats", "--dataset", "ml-latest-small", "--top", "-5"])
    assert info.value.code == 2
    assert "argument --top: -5 is less than 1" in capsys.readouterr().err


def test_stats_into_a_closed_pipe_exits_0(tmp_path) -> None:
    import subprocess
    import sys

    command = (
        f"{sys.executable} -m movielens_tui stats --dataset ml-latest-small | head -1 >/dev/null;"
        " echo ${PIPESTATUS[0]}"
    )
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "0", out.stderr


def test_odd_digit_queries_are_one_line_errors(capsys, tmp_path) -> None:
    model = tmp_path / "m.npz"
    code, _, err = run(capsys, "train", "--dataset", "ml-latest-small", "--set", "epochs=1",
                       "--out", str(model), "--json")  # fmt: skip
    assert code == 0, err
    for query in ("²", "¹²³"):  # not ids: searched as titles ("²" reads as "2")
        code, out, err = run(capsys, "neighbors", query, "--dataset", "ml-latest-small",
                             "--model", str(model))  # fmt: skip
        assert code == 0 and "Nearest neighbors of" in out and err == ""
    for query, reason in (("1" * 5000, "5,000 characters long"), ("٣", "no movie title")):
        code, _, err = run(capsys, "neighbors", query, "--dataset", "ml-latest-small",
                           "--model", str(model))  # fmt: skip
        assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert reason in err
