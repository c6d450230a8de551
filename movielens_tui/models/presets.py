"""Named hyperparameter sets (the colab's exact run-cell settings) and their validation.

No TensorFlow here: the UI imports this at start-up to build its forms.

Parameter names (shared by every preset that uses them; see ``PARAM_SPECS``):

- ``dim``: embedding dimension (softmax: the movie embedding dimension).
- ``init_stddev``: standard deviation of the normal initialisation of the embeddings.
- ``iterations``: training steps; the trainer runs ``iterations + 1`` steps like the colab.
- ``epochs``: passes over the training ratings (minibatch models: biased-mf).
- ``learning_rate``, ``optimizer`` (``sgd`` | ``adagrad`` | ``adam``).
- ``regularization``: L2 coefficient (regularized: λ_r; biased-mf: on the embeddings;
  ease: the closed-form λ).
- ``bias_regularization``: L2 coefficient on the biases (biased-mf).
- ``gravity``: gravity coefficient λ_g (regularized).
- ``holdout``: fraction held out as test when no explicit train/test is given (ratings for
  the factorization models, users for softmax).
- ``batch_size`` / ``test_batch_size``: minibatch sizes.
- ``genre_dim``, ``year_dim``, ``hidden_dims`` (comma-separated ints): softmax user tower.
  autorec: the autoencoder's sigmoid layers (the last one is the movie vector).
- ``unobserved_weight``: weight w₀ of the unrated cells (wals).
- ``top_n``: ease covers only the N most-rated movies (0: as many as fit the memory
  budget, see :func:`movielens_tui.models.ease.auto_top_n`).
- ``mf_weight``: autorec's blend weight α of biased-mf (0: the autoencoder alone).

A preset names its kind (:mod:`movielens_tui.models.kinds`); what a kind can do (rating
prediction, ranking, distributed training, exact explanations) is asked of the kind,
never decided here by testing its name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from movielens_tui.errors import ParamError


@dataclass(frozen=True)
class ParamSpec:
    """One hyperparameter: its type (``int``, ``float``, ``choice`` or ``int_list``) and range."""

    name: str
    type: str
    min: float | None = None
    max: float | None = None
    help: str = ""
    choices: tuple[str, ...] = ()
    min_exclusive: bool = False


PARAM_SPECS: dict[str, ParamSpec] = {
    spec.name: spec
    for spec in (
        ParamSpec("dim", "int", 1, 1000, "embedding dimension"),
        ParamSpec(
            "init_stddev",
            "float",
            0.0,
            100.0,
            "stddev of the initial embeddings",
            min_exclusive=True,
        ),
        ParamSpec("iterations", "int", 1, 10_000_000, "training steps (runs iterations + 1)"),
        ParamSpec("epochs", "int", 1, 100_000, "passes over the training ratings"),
        ParamSpec("learning_rate", "float", 0.0, 1e9, "optimizer step size", min_exclusive=True),
        ParamSpec(
            "lr_decay", "float", 0.0, 1.0, "learning rate factor per epoch", min_exclusive=True
        ),
        ParamSpec(
            "optimizer", "choice", help="sgd, adagrad or adam", choices=("sgd", "adagrad", "adam")
        ),
        ParamSpec(
            "averaging", "float", 0.0, 1.0, "average the weights over this last share of epochs"
        ),
        ParamSpec("regularization", "float", 0.0, 1e6, "L2 regularization coefficient"),
        ParamSpec("bias_regularization", "float", 0.0, 1e6, "L2 coefficient on the biases"),
        ParamSpec("gravity", "float", 0.0, 1e6, "gravity coefficient (pushes unseen scores to 0)"),
        ParamSpec("holdout", "float", 0.0, 0.9, "fraction held out for test", min_exclusive=True),
        ParamSpec("batch_size", "int", 1, 10_000_000, "training minibatch size"),
        ParamSpec("test_batch_size", "int", 1, 10_000_000, "test minibatch size"),
        ParamSpec("genre_dim", "int", 1, 1000, "genre embedding dimension (softmax)"),
        ParamSpec("year_dim", "int", 1, 1000, "year embedding dimension (softmax)"),
        ParamSpec(
            "hidden_dims",
            "int_list",
            1,
            1000,
            "hidden layer widths, comma-separated; the last is the embedding dim",
        ),
        ParamSpec("unobserved_weight", "float", 0.0, 1.0, "weight of the unrated cells (wals)"),
        ParamSpec(
            "top_n",
            "int",
            0,
            10_000_000,
            "ease: the N most-rated movies only (0: as many as memory allows)",
        ),
        ParamSpec("popularity_l2", "float", 0.0, 1e3, "ease-pop: extra L2, κ × count"),
        ParamSpec("popularity_exponent", "float", 0.0, 2.0, "ease-pop: scores / count^γ"),
        ParamSpec("user_weight_exponent", "float", 0.0, 2.0, "ease-pop: user weight (n/mean)^-δ"),
        ParamSpec("mf_weight", "float", 0.0, 0.95, "autorec: weight of biased-mf in the blend"),
        ParamSpec("ease_weight", "float", 0.0, 1.0, "ease-wals: weight w of the ease-pop part"),
        ParamSpec("wals_regularization", "float", 0.0, 1e6, "ease-wals: the WALS part's L2"),
    )  # fmt: skip
}


@dataclass(frozen=True)
class Preset:
    """A named model configuration: the model kind plus its default hyperparameters."""

    name: str
    kind: str
    description: str
    params: dict[str, object]
    metric_groups: list[list[str]] = field(default_factory=list)

    @property
    def model_kind(self):  # noqa: ANN201 - ModelKind, imported lazily (numpy)
        from movielens_tui.models.kinds import get_kind

        return get_kind(self.kind)

    @property
    def is_rating_model(self) -> bool:
        """Whether the model predicts ratings (RMSE/MAE apply)."""
        return bool(self.model_kind.rating)

    def describe(self) -> dict:
        """Name, kind, purpose, capabilities and hyperparameters (the ``presets`` command)."""
        kind = self.model_kind
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "purpose": kind.purpose,
            **kind.capabilities(),
            "params": resolve_params(self),
        }


def __getattr__(name: str) -> object:
    if name == "RATING_KINDS":  # backward compatibility: ask the kinds instead
        from movielens_tui.models.kinds import all_kinds

        return frozenset(k.name for k in all_kinds() if k.rating)
    raise AttributeError(name)


_MF_GROUPS = [["train_error", "test_error"]]

PRESETS: dict[str, Preset] = {
    "mf": Preset(
        "mf", "mf", "colab matrix factorization: MSE on observed ratings, plain SGD",
        {"dim": 30, "init_stddev": 0.5, "iterations": 1000, "learning_rate": 10.0,
         "optimizer": "sgd", "holdout": 0.1},
        _MF_GROUPS,
    ),
    "mf-lowinit": Preset(
        "mf-lowinit", "mf", "colab matrix factorization with small initial embeddings",
        {"dim": 30, "init_stddev": 0.05, "iterations": 1000, "learning_rate": 10.0,
         "optimizer": "sgd", "holdout": 0.1},
        _MF_GROUPS,
    ),
    "regularized": Preset(
        "regularized", "regularized",
        "colab regularized MF: observed MSE + L2 + gravity, plain SGD",
        {"dim": 35, "init_stddev": 0.05, "iterations": 2000, "learning_rate": 20.0,
         "optimizer": "sgd", "regularization": 0.1, "gravity": 1.0, "holdout": 0.1},
        [["train_error_observed", "test_error_observed"],
         ["observed_loss", "regularization_loss", "gravity_loss"]],
    ),
    "softmax": Preset(
        "softmax", "softmax",
        "colab softmax model: user tower over rated movies, genres and year; Adagrad",
        {"dim": 35, "genre_dim": 3, "year_dim": 2, "hidden_dims": [35], "iterations": 3000,
         "learning_rate": 8.0, "optimizer": "adagrad", "holdout": 0.1, "batch_size": 200,
         "test_batch_size": 100},
        [["train_loss", "test_loss"], ["test_precision_at_10", "test_recall_at_10"]],
    ),
    "biased-mf": Preset(
        "biased-mf", "biased-mf",
        "global mean + user/movie biases + embeddings, L2, minibatch SGD with weight "
        "averaging (the default for rating prediction)",
        {"dim": 64, "init_stddev": 0.02, "epochs": 8, "learning_rate": 0.1,
         "optimizer": "sgd", "regularization": 0.07, "bias_regularization": 0.02,
         "batch_size": 2048, "lr_decay": 0.85, "averaging": 0.5, "holdout": 0.1},
        [["train_rmse", "test_rmse"]],
    ),
    "ease": Preset(
        "ease", "ease",
        "EASE: closed-form item-item model for top-k ranking (the top_n most-rated movies "
        "on catalogues too large for memory)",
        {"regularization": 400.0, "top_n": 0, "holdout": 0.1},
        [["test_precision_at_10", "test_recall_at_10"]],
    ),
    "wals": Preset(
        "wals", "wals",
        "weighted alternating least squares on implicit feedback: ranking over the whole "
        "catalogue at any size",
        {"dim": 64, "init_stddev": 0.1, "iterations": 10, "regularization": 10.0,
         "unobserved_weight": 0.3, "holdout": 0.1},
        [["train_loss"], ["test_precision_at_10", "test_recall_at_10"]],
    ),
    "popularity": Preset(
        "popularity", "popularity",
        "baseline: every user gets the most-rated movies (no personalisation)",
        {"holdout": 0.1},
        [["test_precision_at_10", "test_recall_at_10"]],
    ),
    "autorec": Preset(
        "autorec", "autorec",
        "item-based autoencoder (I-AutoRec, one sigmoid layer), full-batch L-BFGS: rating "
        "prediction; λ and iterations chosen on a 10% validation split of ml-100k u1.base",
        {"hidden_dims": [500], "regularization": 100.0, "iterations": 100, "mf_weight": 0.0,
         "holdout": 0.1},
        [["train_rmse", "test_rmse"], ["loss"]],
    ),
    "autorec-mf": Preset(
        "autorec-mf", "autorec",
        "blend 0.6·autorec + 0.4·biased-mf as one factor model: the most accurate rating "
        "model on ml-100k (weight chosen on 10% of u1.base); on a sparser catalogue such as "
        "ml-latest-small set regularization=400, mf_weight=0.6 (chosen there the same way)",
        {"hidden_dims": [500], "regularization": 100.0, "iterations": 100, "mf_weight": 0.4,
         "holdout": 0.1},
        [["train_rmse", "test_rmse"], ["loss"]],
    ),
    "ease-pop": Preset(
        "ease-pop", "ease-pop",
        "EASE with popularity corrections (per-movie L2 growing with its count, scores "
        "divided by count^γ): item-item ranking with exact explanations; λ, κ, γ, δ chosen "
        "by validation P@10 on 20% of each ml-100k u1-u5 training fold "
        "(benchmarks/tune_ranking.py)",
        {"regularization": 400.0, "popularity_l2": 1.0, "popularity_exponent": 0.2,
         "user_weight_exponent": 0.5, "top_n": 0, "holdout": 0.1},
        [["test_precision_at_10", "test_recall_at_10"]],
    ),
    "softmax-tuned": Preset(
        "softmax-tuned", "softmax",
        "the colab's softmax architecture, tuned: Adam at learning rate 0.003 instead of "
        "Adagrad at 8 (optimizer, learning rate, batch, dims and iterations chosen by "
        "validation P@10 on 20% of ml-100k u1.base, benchmarks/tune_ranking.py); u1-u5 "
        "P@10 0.330 against the colab's 0.288, still below ease",
        {"dim": 35, "genre_dim": 3, "year_dim": 2, "hidden_dims": [35], "iterations": 3000,
         "learning_rate": 0.003, "optimizer": "adam", "holdout": 0.1, "batch_size": 200,
         "test_batch_size": 100},
        [["train_loss", "test_loss"], ["test_precision_at_10", "test_recall_at_10"]],
    ),
    "ease-wals": Preset(
        "ease-wals", "ease-wals",
        "score blend w·z(ease-pop) + (1−w)·z(wals), each standardised per user over the "
        "unrated movies: ranking with exact explanations; w and the WALS settings chosen by "
        "validation P@10 on 20% of each ml-100k u1-u5 training fold "
        "(benchmarks/tune_ranking.py)",
        {"regularization": 400.0, "popularity_l2": 1.0, "popularity_exponent": 0.2,
         "user_weight_exponent": 0.5, "top_n": 0, "dim": 64, "init_stddev": 0.1,
         "iterations": 10, "wals_regularization": 10.0, "unobserved_weight": 0.3,
         "ease_weight": 0.4, "holdout": 0.1},
        [["train_loss"], ["test_precision_at_10", "test_recall_at_10"]],
    ),
}  # fmt: skip

DEFAULT_PRESET = "biased-mf"  # the CLI's and the UI's default
DEFAULT_RATING_PRESET = "biased-mf"
DEFAULT_RANKING_PRESET = "ease"
BASELINE_PRESET = "popularity"
# what `compare` runs by default: the baseline, the colab's models, biased-mf, EASE
COMPARE_PRESETS = ("popularity", "mf", "regularized", "biased-mf", "ease", "softmax")


def get_preset(name: str | Preset) -> Preset:
    """The preset called ``name``; ParamError naming the choices otherwise."""
    if isinstance(name, Preset):
        return name
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        choices = ", ".join(PRESETS)
        raise ParamError("preset", f"unknown preset {name!r}; choose one of {choices}") from None


def parse_value(name: str, value: object) -> object:
    """Convert and validate one hyperparameter (strings from a form or CLI are accepted)."""
    spec = PARAM_SPECS.get(name)
    if spec is None:
        raise ParamError(name, f"unknown hyperparameter; known: {', '.join(PARAM_SPECS)}")
    if spec.type == "choice":
        text = str(value).strip().lower()
        if text not in spec.choices:
            raise ParamError(name, f"{value!r} is not one of {', '.join(spec.choices)}")
        return text
    if spec.type == "int_list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise ParamError(name, f"{value!r} is not a comma-separated list of whole numbers")
        return [_number(name, spec, item, integer=True) for item in items]
    return _number(name, spec, value, integer=spec.type == "int")


def _number(name: str, spec: ParamSpec, value: object, integer: bool) -> int | float:
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool):
        raise ParamError(name, f"{value!r} is not {kind}")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            raise ParamError(name, f"{value!r} is not {kind}") from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise ParamError(name, f"{value!r} is not {kind}") from None
    if not math.isfinite(number):
        raise ParamError(name, f"{value!r} is not a finite number")
    if integer and number != int(number):
        raise ParamError(name, f"{value!r} is not {kind}")
    lo, hi = spec.min, spec.max
    if lo is not None and (number < lo or (spec.min_exclusive and number <= lo)):
        op = "greater than" if spec.min_exclusive else "at least"
        raise ParamError(name, f"{value} is too small; it must be {op} {_fmt(lo)}")
    if hi is not None and number > hi:
        raise ParamError(name, f"{value} is too large; it must be at most {_fmt(hi)}")
    return int(number) if integer else number


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def resolve_params(
    preset_name: str | Preset, overrides: Mapping[str, object] | None = None
) -> dict:
    """The preset's parameters with ``overrides`` applied, every value validated.

    ``None`` override values are ignored (a CLI flag that was not given). An override the
    preset does not use raises ParamError.
    """
    preset = get_preset(preset_name)
    params = {name: parse_value(name, value) for name, value in preset.params.items()}
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in params:
            used = ", ".join(preset.params)
            raise ParamError(name, f"preset {preset.name} does not use it; it uses {used}")
        params[name] = parse_value(name, value)
    preset.model_kind.check_params(params)
    return params
