"""The app shell: start-up, pane keys, measure, palette, saved models, quitting, small sizes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input, Static, TabbedContent

from movielens_tui.models.trained import TrainedModel
from movielens_tui.tui.app import PANES, MovieLensApp, native_stderr_to
from movielens_tui.tui.messages import ModelActivated


def _active(app: MovieLensApp) -> str:
    return app.query_one("#tabs", TabbedContent).active


async def test_number_keys_switch_panes_unless_typing(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        for n, (name, _, _) in enumerate(PANES, start=1):
            app.set_focus(None)
            await pilot.press(str(n))
            await pilot.pause()
            assert _active(app) == f"tab-{name}"
        await pilot.press("1")
        await pilot.pause()
        field = app.query_one("#top-n", Input)
        field.focus()
        await pilot.press("end", "2")
        await pilot.pause()
        assert _active(app) == "tab-dataset" and field.value.endswith("2")
        await pilot.press("escape", "2")
        await pilot.pause()
        assert _active(app) == "tab-train"
        assert app.query_one("#pane-train") in app.focused.ancestors_with_self


async def test_m_toggles_the_measure_and_shows_it(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.measure == "dot" and "DOT" in app.sub_title
        await pilot.press("m")
        assert app.measure == "cosine" and "COSINE" in app.sub_title
        await pilot.press("m")
        assert app.measure == "dot"


async def test_palette_lists_every_action_and_runs_them(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        names = [c.name for c in app.palette_commands()]
        for _, label, _ in PANES:
            assert f"Go to {label}" in names
        for name in ("Search", "Measure", "Quit", "Train: Start/stop"):
            assert name in names
        for _, label, pane_class in PANES:
            for binding in pane_class.BINDINGS:
                description = getattr(binding, "description", None)
                if description:
                    assert f"{label}: {description}" in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Measure")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.measure == "cosine"


async def test_slash_jumps_to_the_movie_search(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", "m", "a", "2")  # one fast burst: all typed in the box
        await settle(pilot, app)
        assert _active(app) == "tab-neighbors"
        assert isinstance(app.focused, Input) and app.focused.value == "ma2"
        assert app.measure == "dot"


async def test_dataset_error_is_shown(tmp_path: Path, settle) -> None:
    app = MovieLensApp(data=tmp_path / "nowhere")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.dataset is None
        assert "nowhere" in (app.data_error or "")
        assert "nowhere" in str(app.query_one("#dataset-summary", Static).render())


async def test_saved_model_loads_at_start_and_model_flag(make_app, settle, small_dataset) -> None:
    from movielens_tui.models import store

    model = _numpy_model(small_dataset)
    default = store.default_model_path(small_dataset.name)
    store.save(model, default)
    seen: list[object] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot, app)
        assert app.model is not None and app.model.preset == "mf"
        assert app.model_path == default
        assert any(isinstance(m, ModelActivated) for m in seen)

    other = default.with_name("other.npz")
    store.save(model, other)
    default.unlink()
    app = make_app(model_path=other)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.model is not None and app.model_path == other


async def test_refused_model_file_is_reported_and_app_keeps_going(
    make_app, settle, small_dataset
) -> None:
    from movielens_tui.models import store

    path = store.default_model_path(small_dataset.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a model")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.model is None and app.dataset is not None
        messages = [n.message for n in app._notifications]
        assert any(path.name in m and "retrain" in m for m in messages), messages


def _numpy_model(dataset) -> TrainedModel:
    """A small mf model built without TensorFlow (what the app loads is only arrays)."""
    rng = np.random.default_rng(0)
    return TrainedModel(
        preset="mf",
        kind="mf",
        params={"dim": 3},
        movie_embeddings=rng.normal(size=(dataset.n_movies, 3)).astype(np.float32),
        user_embeddings=rng.normal(size=(dataset.n_users, 3)).astype(np.float32),
        history=[{"step": 0, "train_error": 1.0}],
        metric_groups=[["train_error"]],
        dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
    )


@pytest.mark.parametrize("size", [(80, 24), (40, 12)])
async def test_small_terminals_do_not_crash(make_app, settle, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        for n in range(1, len(PANES) + 1):
            app.set_focus(None)
            await pilot.press(str(n))
            await settle(pilot, app)
        await pilot.press("m")
        await settle(pilot, app)
        assert app.is_running


async def test_quit_during_training_cancels_it(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await pilot.pause()
        app.query_one("#param-epochs" if app.query("#param-epochs") else "#param-iterations",
                      Input).value = "100000"  # fmt: skip
        app.query_one("#train-button").focus()
        await pilot.press("s")
        await pilot.pause(0.5)
        worker = app.query_one("#pane-train")._worker
        await pilot.press("ctrl+q")
    assert worker is not None and worker.is_cancelled
    assert app.return_code == 0


def test_native_stderr_goes_to_the_log(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    before = os.fstat(2).st_ino
    with native_stderr_to(log):
        os.write(2, b"from C++\n")
        assert sys.__stderr__ is not None and sys.__stderr__.fileno() != 2
    assert os.fstat(2).st_ino == before
    assert log.read_bytes() == b"from C++\n"


def test_first_paint_happens_before_tensorflow_is_imported(small_data_dir: Path) -> None:
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        from movielens_tui.tui.app import MovieLensApp

        async def main():
            app = MovieLensApp(data={str(small_data_dir)!r})
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                painted = "tensorflow" in sys.modules
                await app.workers.wait_for_complete()
                await pilot.pause()
                print("tf-at-paint", painted, "loaded", app.dataset is not None,
                      "tf-after-load", "tensorflow" in sys.modules)

        asyncio.run(main())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    assert "tf-at-paint False loaded True tf-after-load False" in out.stdout
