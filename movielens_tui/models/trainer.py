"""Train any preset: split, dispatch on the preset's kind, stream progress, cancel, diverge.

Per-kind fit functions (each kind's ``fit_target`` in :mod:`movielens_tui.models.kinds`;
``KINDS`` maps a kind to that ``"module:function"``, imported only when that kind is
trained) all have this keyword signature::

    def fit(
        dataset: Dataset,            # the whole dataset (ids, titles, genres, n_users/n_movies)
        params: dict,                # resolve_params(...) output: validated, complete
        *,
        train: pd.DataFrame,         # rows of dataset.ratings (user, movie, rating, timestamp)
        test: pd.DataFrame | None,   # held-out rows, or None (no test metrics)
        seed: int,                   # seeds every random choice (init, shuffling, sampling)
        reporter: Reporter,          # call reporter.report(...) / reporter.check_stop()
        init: TrainedModel | None,   # continue from this model's arrays (same kind) or None
        strategy: object | None,     # a tf.distribute.Strategy or None (default device)
    ) -> TrainedModel

The fit function fills the arrays (``movie_embeddings`` M×d float32, ``user_embeddings``,
biases, ``global_mean``, ``extra``) and ``params``; the trainer then sets preset, kind,
metric_groups, history, dataset name/fingerprint and fit_seconds. During training it calls
``reporter.report(step, metrics, snapshot)`` at steps 0, 10, 20, ... and at the last step
(``metrics``: name -> float, computed on the state that ``snapshot()`` returns as a
TrainedModel; the reporter keeps the last finite one for TrainingDiverged). Long steps
(ease's solve, an epoch on big data) call ``reporter.check_stop()`` in between. A kind
without iterations reports once, e.g. ``reporter.report(0, metrics, snapshot)`` with
``reporter.total == 0``; set ``reporter.total`` first if the step count is only known inside.
"""

from __future__ import annotations

import importlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from movielens_tui.errors import ModelError
from movielens_tui.models.kinds import all_kinds
from movielens_tui.models.presets import Preset, get_preset, resolve_params
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset

KINDS: dict[str, str] = {kind.name: kind.fit_target for kind in all_kinds()}
REPORT_EVERY = 10
# TensorFlow traces are shared between fits, so one process trains one model at a time:
# a second call waits (and can still be stopped) until the first one is done.
_TRAINING = threading.Lock()


@dataclass(frozen=True)
class Progress:
    """One progress report: ``step`` of ``total`` with the metrics at that step."""

    step: int
    total: int
    metrics: dict[str, float]
    elapsed: float


class TrainingCancelled(ModelError):
    """``should_stop()`` returned true; no model is produced."""

    def __init__(self, step: int) -> None:
        super().__init__(f"training cancelled at step {step}")
        self.step = step


class TrainingDiverged(ModelError):
    """A metric became NaN or infinite; ``last_model`` holds the last finite state."""

    def __init__(self, step: int, metric: str, last_model: TrainedModel | None) -> None:
        super().__init__(
            f"training diverged at step {step} ({metric} is not finite); "
            "lower the learning rate or the init stddev"
        )
        self.step = step
        self.metric = metric
        self.last_model = last_model


@dataclass
class Reporter:
    """What a kind's fit function talks to: history, callback, cancellation, divergence."""

    total: int
    callback: Callable[[Progress], None] | None = None
    should_stop: Callable[[], bool] | None = None
    step_offset: int = 0
    history: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    last_good: TrainedModel | None = None

    def check_stop(self, step: int = -1) -> None:
        """Raise TrainingCancelled if the caller asked to stop."""
        if self.should_stop is not None and self.should_stop():
            raise TrainingCancelled(step if step >= 0 else self._last_step())

    def report(
        self,
        step: int,
        metrics: Mapping[str, float],
        snapshot: Callable[[], TrainedModel] | None = None,
    ) -> None:
        """Record ``metrics`` at ``step``; raise on NaN/inf or when asked to stop."""
        values = {name: float(value) for name, value in metrics.items()}
        for name, value in values.items():
            if not math.isfinite(value):
                raise TrainingDiverged(self.step_offset + step, name, self.last_good)
        if snapshot is not None:
            self.last_good = snapshot()
        self.history.append({"step": self.step_offset + step, **values})
        if self.callback is not None:
            self.callback(
                Progress(
                    self.step_offset + step,
                    self.step_offset + self.total,
                    values,
                    time.perf_counter() - self.started,
                )
            )
        self.check_stop(step)

    def _last_step(self) -> int:
        return int(self.history[-1]["step"]) if self.history else self.step_offset


def report_steps(iterations: int) -> list[tuple[int, int]]:
    """``(first_step, n_steps)`` chunks covering steps 0..iterations (iterations + 1 steps).

    Metrics are recorded at each chunk's first step: 0, 10, 20, ... and ``iterations``.
    """
    chunks = []
    start = 0
    while start <= iterations:
        n = min(REPORT_EVERY, iterations - start) if start < iterations else 1
        chunks.append((start, n))
        start += n
    return chunks


def kind_function(kind: str) -> Callable[..., TrainedModel]:
    """Import the fit function of ``kind`` lazily."""
    try:
        target = KINDS[kind]
    except KeyError:
        raise ModelError(f"no trainer for model kind {kind!r}") from None
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def default_split(
    dataset: Dataset, preset: Preset, params: Mapping[str, object], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The colab's split for ``preset``: users for kinds with ``user_split`` (softmax),
    rating rows otherwise."""
    from movielens_tui.data.splits import split_dataframe, user_split

    fraction = float(params.get("holdout", 0.1))  # type: ignore[arg-type]
    if preset.model_kind.user_split:
        return user_split(dataset, fraction, seed)
    return split_dataframe(dataset.ratings, fraction, seed)


def train(
    dataset: Dataset,
    preset: str | Preset,
    params: Mapping[str, object] | None = None,
    *,
    train: pd.DataFrame | None = None,
    test: pd.DataFrame | None = None,
    seed: int = 0,
    callback: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    init: TrainedModel | None = None,
    strategy: object | None = None,
) -> TrainedModel:
    """Train ``preset`` on ``dataset`` and return the fitted model.

    ``params`` are overrides of the preset's values (validated; strings accepted). Without
    ``train`` the preset's holdout split (seeded by ``seed``) is used; with ``train`` and no
    ``test`` there are no test metrics. ``init`` continues training from a previous model
    of the same kind and dataset (its history is continued). ``strategy``: an optional
    ``tf.distribute.Strategy`` for the kinds that support it.
    """
    preset_obj = get_preset(preset)
    resolved = resolve_params(preset_obj, params or {})
    if init is not None:
        if init.kind != preset_obj.kind:
            raise ModelError(f"cannot continue a {init.kind} model as {preset_obj.kind}")
        if init.dataset_fingerprint and init.dataset_fingerprint != dataset.fingerprint:
            raise ModelError("cannot continue a model trained on another dataset")
    if train is None:
        train, default_test = default_split(dataset, preset_obj, resolved, seed)
        if test is None:
            test = default_test
    if len(train) == 0:
        raise ModelError("the training split has no ratings")
    if test is not None and len(test) == 0:
        test = None
    fit = kind_function(preset_obj.kind)
    offset = 0
    history: list[dict] = []
    if init is not None and init.history:
        offset = int(init.history[-1]["step"]) + 1
        history = [dict(entry) for entry in init.history]
    total = int(resolved.get("iterations", resolved.get("epochs", 0)))  # type: ignore[arg-type]
    reporter = Reporter(total, callback, should_stop, step_offset=offset, history=history)
    reporter.check_stop(offset)
    _wait_for_other_training(reporter, offset)
    started = time.perf_counter()
    try:
        model = fit(
            dataset,
            resolved,
            train=train,
            test=test,
            seed=seed,
            reporter=reporter,
            init=init,
            strategy=strategy,
        )
    except TrainingDiverged as exc:
        if exc.last_model is not None:
            _finish(exc.last_model, preset_obj, resolved, dataset, reporter, init, started)
        raise
    finally:
        _TRAINING.release()
    return _finish(model, preset_obj, resolved, dataset, reporter, init, started)


def _wait_for_other_training(reporter: Reporter, step: int) -> None:
    """Take the process-wide training lock, waiting (stoppable) while another fit runs."""
    while not _TRAINING.acquire(timeout=0.1):
        reporter.check_stop(step)


def _finish(
    model: TrainedModel,
    preset: Preset,
    params: dict,
    dataset: Dataset,
    reporter: Reporter,
    init: TrainedModel | None,
    started: float,
) -> TrainedModel:
    model.preset = preset.name
    model.kind = preset.kind
    # a fit may settle a parameter (ease's automatic top_n): keep what it used
    model.params = {**params, **{k: v for k, v in model.params.items() if k in params}}
    model.metric_groups = [list(group) for group in preset.metric_groups]
    model.history = list(reporter.history)
    model.dataset_name = dataset.name
    model.dataset_fingerprint = dataset.fingerprint
    model.rating_range = (float(dataset.scale.low), float(dataset.scale.high))
    previous = init.fit_seconds if init is not None else 0.0
    model.fit_seconds = previous + (time.perf_counter() - started)
    return model
