"""Snapshots of the Dataset and Train panes and the dataset picker at a fixed size on the
generated dataset.

Update after an intended change with ``pytest tests/tui/test_snapshots_shell.py
--snapshot-update`` and look at the SVGs in ``__snapshots__``.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

SIZE = (100, 30)


def _settled(*keys: str):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        for key in keys:
            await pilot.press(key)
            for _ in range(2):
                await app.workers.wait_for_complete()
                await pilot.pause()

    return run_before


def test_dataset_pane(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_settled())


def test_dataset_pane_filtered_by_genre(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _settled()(pilot)
        pilot.app.query_one("#genre-filter").value = "Comedy"
        await _settled()(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_train_pane(snap_compare, make_app) -> None:
    """The colab's "mf" preset (its hyperparameters are fixed by the colab)."""

    async def run_before(pilot: Pilot) -> None:
        await _settled("2")(pilot)
        pilot.app.query_one("#preset").value = "mf"
        await _settled()(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_train_pane_with_an_invalid_value(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _settled("2")(pilot)
        pilot.app.query_one("#preset").value = "mf"
        await _settled()(pilot)
        pilot.app.query_one("#param-learning_rate").value = "-3"
        await _settled()(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_dataset_pane_at_80x24(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_settled())


def test_dataset_picker(snap_compare, make_app) -> None:
    """The picker over the Dataset pane (empty cache: only the bundled release has ✓)."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_settled("c"))


# Issue 13: every pane complete at 80x24 and using the room at 120x40.
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_dataset_pane_sizes(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_settled())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_train_pane_sizes(snap_compare, make_app, size) -> None:
    """The default preset: every hyperparameter and the whole description reachable."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_settled("2"))
