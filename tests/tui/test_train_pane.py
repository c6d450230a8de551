"""Train pane: validated form, live chart, stop, divergence, save and activation."""

from __future__ import annotations

import math

from pane_support import ended_done, ended_failed
from textual.widgets import Button, Input, Select, Static

from movielens_tui.models import store
from movielens_tui.tui.messages import TrainingProgress
from movielens_tui.tui.panes.train import TrainPane, format_seconds
from movielens_tui.tui.widgets.loss_chart import LossChart


async def _open_train(app, pilot, settle, preset: str | None = None, **values: str) -> TrainPane:
    await settle(pilot, app)
    await pilot.press("2")
    await pilot.pause()
    pane = app.query_one(TrainPane)
    if preset is not None and pane.preset_name != preset:
        app.query_one("#preset", Select).value = preset
        await settle(pilot, app)
    for name, value in values.items():
        app.query_one(f"#param-{name}", Input).value = value
    await pilot.pause()
    app.query_one("#train-button", Button).focus()
    return pane


def _status(app) -> str:
    return str(app.query_one("#train-status", Static).render())


async def test_form_shows_the_preset_parameters(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await _open_train(app, pilot, settle, "regularized")
        values = pane.form_values()
        assert set(values) == {
            "dim", "init_stddev", "iterations", "learning_rate", "optimizer",
            "regularization", "gravity", "holdout",
        }  # fmt: skip
        assert values["gravity"] == "1.0"
        charts = [c for c in app.query(LossChart) if c.display]
        assert [c.metrics for c in charts] == [
            ["train_error_observed", "test_error_observed"],
            ["observed_loss", "regularization_loss", "gravity_loss"],
        ]
        app.query_one("#preset", Select).value = "mf"
        await settle(pilot, app)
        assert "gravity" not in pane.form_values()
        assert len([c for c in app.query(LossChart) if c.display]) == 1


async def test_bad_value_shows_inline_error_and_blocks_start(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await _open_train(app, pilot, settle, "mf", learning_rate="-1")
        error = app.query_one("#error-learning_rate", Static)
        assert error.display and "learning_rate" not in str(error.render())
        assert "too small" in str(error.render())
        assert app.query_one("#train-button", Button).disabled
        await pilot.press("s")
        await pilot.pause()
        assert not pane.running and pane.run == 0
        app.query_one("#param-learning_rate", Input).value = "abc"
        await pilot.pause()
        assert "not a number" in str(error.render())
        app.query_one("#param-learning_rate", Input).value = "0.5"
        await pilot.pause()
        assert not error.display
        assert not app.query_one("#train-button", Button).disabled


async def test_train_streams_progress_then_activates_and_saves(make_app, settle) -> None:
    seen: list[object] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        pane = await _open_train(app, pilot, settle, "mf", iterations="20")
        assert app.model is None
        await pilot.press("s")
        assert pane.run == 1
        await settle(pilot, app)
        progress = [m for m in seen if isinstance(m, TrainingProgress)]
        finished = [m for m in seen if ended_done(m)]
        assert progress and len(finished) == 1
        steps = [step for m in progress for step, _ in m.points]
        assert steps == [0, 10, 20]
        chart = app.query_one("#chart-0", LossChart)
        assert chart.steps == [0, 10, 20]
        assert all(math.isfinite(v) for v in chart.series["train_error"])
        assert not pane.running
        assert app.model is finished[0].trained.model
        assert app.model.preset == "mf" and app.model.history[-1]["step"] == 20
        path = store.default_model_path(app.dataset.name)
        assert finished[0].trained.path == path and path.exists()
        assert "done" in _status(app)
        assert "train_error" in str(app.query_one("#train-values", Static).render())


async def test_pressing_s_twice_stops_and_keeps_previous_model(make_app, settle) -> None:
    seen: list[object] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        pane = await _open_train(app, pilot, settle, "mf", iterations="200000")
        await pilot.press("s")
        first_worker = pane._worker
        await pilot.press("s")
        await settle(pilot, app)
        assert first_worker is not None and first_worker.is_cancelled
        assert [m.reason for m in seen if ended_failed(m)] == ["cancelled"]
        assert not [m for m in seen if ended_done(m)]
        assert app.model is None
        assert "stopped" in _status(app)
        assert not pane.running
        # Only one run ever started.
        assert pane.run == 1


async def test_divergence_keeps_previous_model_and_never_charts_nan(make_app, settle) -> None:
    seen: list[object] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        pane = await _open_train(
            app, pilot, settle, "mf", iterations="60", learning_rate="1000", init_stddev="50"
        )
        await pilot.press("s")
        await settle(pilot, app)
        failed = [m for m in seen if ended_failed(m)]
        assert [m.reason for m in failed] == ["diverged"]
        assert "diverged" in _status(app)
        assert app.model is None
        for chart in app.query(LossChart):
            for values in chart.series.values():
                assert all(math.isfinite(v) for v in values)
        assert not pane.running


async def test_two_then_s_in_one_burst_starts_training(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.query_one("#param-epochs", Input).value = "2"
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("2", "s")
        pane = app.query_one(TrainPane)
        assert pane.run == 1
        await settle(pilot, app)
        assert app.model is not None


def test_format_seconds() -> None:
    assert format_seconds(0) == "0:00"
    assert format_seconds(75.4) == "1:15"
    assert format_seconds(3725) == "1:02:05"
    assert format_seconds(float("nan")) == "-"
