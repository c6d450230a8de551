"""Hyperparameters out of range are rejected before training starts (issue 6).

``resolve_params`` is what both the CLI and the app's training form call; the CLI case
runs in a fresh process to show TensorFlow is never imported and no model is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from movielens_tui.errors import ParamError
from movielens_tui.models.presets import PRESETS, resolve_params


@pytest.mark.parametrize(
    "preset, overrides, field, message",
    [
        ("mf", {"dim": 0}, "dim", "0 is too small; it must be at least 1"),
        ("mf", {"dim": "0"}, "dim", "0 is too small; it must be at least 1"),
        ("mf", {"dim": 100_000}, "dim", "100000 is too large; it must be at most 1000"),
        ("mf", {"dim": "abc"}, "dim", "'abc' is not a whole number"),
        ("mf", {"dim": "2.5"}, "dim", "'2.5' is not a whole number"),
        ("mf", {"dim": True}, "dim", "True is not a whole number"),
        ("mf", {"learning_rate": -0.1}, "learning_rate",
         "-0.1 is too small; it must be greater than 0"),
        ("mf", {"learning_rate": "0"}, "learning_rate",
         "0 is too small; it must be greater than 0"),
        ("mf", {"learning_rate": "fast"}, "learning_rate", "'fast' is not a number"),
        ("mf", {"learning_rate": "nan"}, "learning_rate", "'nan' is not a finite number"),
        ("mf", {"learning_rate": "inf"}, "learning_rate", "'inf' is not a finite number"),
        ("mf", {"iterations": 0}, "iterations", "0 is too small; it must be at least 1"),
        ("regularized", {"iterations": "-5"}, "iterations",
         "-5 is too small; it must be at least 1"),
        ("biased-mf", {"epochs": "0"}, "epochs", "0 is too small; it must be at least 1"),
        ("biased-mf", {"dim": 100_000}, "dim", "100000 is too large; it must be at most 1000"),
        ("softmax", {"hidden_dims": "35,0"}, "hidden_dims",
         "0 is too small; it must be at least 1"),
        ("softmax", {"hidden_dims": "a,b"}, "hidden_dims", "'a' is not a whole number"),
        ("mf", {"optimizer": "rmsprop"}, "optimizer",
         "'rmsprop' is not one of sgd, adagrad, adam"),
        ("mf", {"holdout": 1}, "holdout", "1 is too large; it must be at most 0.9"),
        ("ease", {"regularization": -1}, "regularization",
         "-1 is too small; it must be at least 0"),
        ("ease", {"dim": 8}, "dim",
         "preset ease does not use it; it uses regularization, top_n, holdout"),
    ],
)  # fmt: skip
def test_out_of_range_hyperparameters_are_rejected(
    preset: str, overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ParamError) as info:
        resolve_params(preset, overrides)
    assert info.value.field == field
    assert str(info.value) == f"{field}: {message}"
    assert "\n" not in str(info.value)


def test_unknown_preset() -> None:
    with pytest.raises(ParamError) as info:
        resolve_params("deep-mf", {})
    assert (
        str(info.value) == f"preset: unknown preset 'deep-mf'; choose one of {', '.join(PRESETS)}"
    )


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_default_is_valid_and_form_strings_round_trip(name: str) -> None:
    params = resolve_params(name, {})
    as_strings = {
        k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in params.items()
    }
    assert resolve_params(name, as_strings) == params


CLI_PROBE = r"""
import sys
from movielens_tui.cli import main
code = main(sys.argv[1:])
print("TF", "tensorflow" in sys.modules, "CODE", code)
"""


@pytest.mark.parametrize(
    "flags, line",
    [
        (["--dim", "0"], "dim: 0 is too small; it must be at least 1"),
        (["--dim", "100000"], "dim: 100000 is too large; it must be at most 1000"),
        (["--learning-rate", "-1"], "learning_rate: -1 is too small; it must be greater than 0"),
        (["--iterations", "0"], "iterations: 0 is too small; it must be at least 1"),
        (["--set", "dim=many"], "dim: 'many' is not a whole number"),
    ],
)
def test_cli_rejects_before_importing_tensorflow(
    small_data_dir: Path, tmp_path: Path, flags: list[str], line: str
) -> None:
    pytest.importorskip("movielens_tui.models.store")  # `train` needs it to save
    out_file = tmp_path / "model.npz"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    args = ["train", "--data", str(small_data_dir), "--preset", "mf", "--out", str(out_file)]
    proc = subprocess.run(
        [sys.executable, "-c", CLI_PROBE, *args, *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.stderr == f"movielens-tui: error: {line}\n"
    assert proc.stdout.strip().endswith("TF False CODE 1")
    assert not out_file.exists()
    models = Path(os.environ["MOVIELENS_TUI_HOME"]) / "models"
    assert not models.exists() or not any(models.iterdir())
    json.dumps(proc.stdout)  # printable
