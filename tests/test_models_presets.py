"""Presets: the colab's exact settings, validation of every hyperparameter, no TF import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from movielens_tui.errors import ParamError
from movielens_tui.models.presets import PARAM_SPECS, PRESETS, parse_value, resolve_params


def test_colab_settings() -> None:
    assert resolve_params("mf") == {
        "dim": 30, "init_stddev": 0.5, "iterations": 1000, "learning_rate": 10.0,
        "optimizer": "sgd", "holdout": 0.1,
    }  # fmt: skip
    assert resolve_params("mf-lowinit")["init_stddev"] == 0.05
    reg = resolve_params("regularized")
    assert (reg["dim"], reg["init_stddev"], reg["iterations"], reg["learning_rate"]) == (
        35, 0.05, 2000, 20.0,
    )  # fmt: skip
    assert (reg["regularization"], reg["gravity"], reg["optimizer"]) == (0.1, 1.0, "sgd")
    assert PRESETS["regularized"].metric_groups == [
        ["train_error_observed", "test_error_observed"],
        ["observed_loss", "regularization_loss", "gravity_loss"],
    ]
    soft = resolve_params("softmax")
    assert (soft["dim"], soft["genre_dim"], soft["year_dim"], soft["hidden_dims"]) == (
        35, 3, 2, [35],
    )  # fmt: skip
    assert (soft["optimizer"], soft["learning_rate"], soft["iterations"]) == ("adagrad", 8.0, 3000)
    assert (soft["batch_size"], soft["test_batch_size"], soft["holdout"]) == (200, 100, 0.1)
    assert {"mf", "mf-lowinit", "regularized", "softmax", "biased-mf", "ease"} <= set(PRESETS)
    assert PRESETS["biased-mf"].is_rating_model and not PRESETS["softmax"].is_rating_model


def test_every_preset_param_has_a_spec() -> None:
    for preset in PRESETS.values():
        for name in preset.params:
            assert name in PARAM_SPECS, (preset.name, name)
        resolve_params(preset.name)


def test_strings_from_forms_are_accepted() -> None:
    params = resolve_params(
        "softmax", {"dim": "40", "hidden_dims": "20, 40", "learning_rate": "1e-1"}
    )
    assert params["dim"] == 40 and params["hidden_dims"] == [20, 40]
    assert params["learning_rate"] == pytest.approx(0.1)
    assert resolve_params("mf", {"optimizer": " Adam ", "iterations": "5.0"})["iterations"] == 5
    assert resolve_params("mf", {"dim": None})["dim"] == 30


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("dim", 0, "at least 1"),
        ("dim", 100000, "at most"),
        ("dim", "abc", "not a whole number"),
        ("dim", 2.5, "not a whole number"),
        ("learning_rate", -1, "greater than 0"),
        ("learning_rate", 0, "greater than 0"),
        ("learning_rate", "nan", "finite"),
        ("learning_rate", True, "not a number"),
        ("iterations", 0, "at least 1"),
        ("init_stddev", "x1", "not a number"),
        ("optimizer", "rmsprop", "not one of"),
        ("holdout", 1.0, "at most"),
    ],
)
def test_bad_values_raise_param_error(name: str, value: object, fragment: str) -> None:
    with pytest.raises(ParamError) as info:
        resolve_params("mf" if name != "holdout" else "mf", {name: value})
    assert info.value.field == name
    assert fragment in str(info.value)


def test_unknown_preset_and_unused_param() -> None:
    with pytest.raises(ParamError, match="unknown preset"):
        resolve_params("nope")
    with pytest.raises(ParamError) as info:
        resolve_params("mf", {"gravity": 1})
    assert info.value.field == "gravity"
    with pytest.raises(ParamError):
        parse_value("colour", 1)


def test_softmax_last_hidden_must_match_dim() -> None:
    with pytest.raises(ParamError) as info:
        resolve_params("softmax", {"hidden_dims": "20"})
    assert info.value.field == "hidden_dims"


def test_light_modules_do_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "import movielens_tui.models, movielens_tui.models.presets, movielens_tui.models.trained\n"
        "import movielens_tui.models.scoring, movielens_tui.models.foldin\n"
        "import movielens_tui.models.store, movielens_tui.models.embedding_map\n"
        "import movielens_tui.models.trainer\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
