"""Snapshots of the Neighbors, Users, Map and You panes at a fixed size, with a small
trained model active, on the generated dataset; the Users and You panes also on the real
ml-latest-small (no demographics, half stars) with an untrained model of its shape.

Update after an intended change with ``pytest tests/tui/test_snapshots_panes.py
--snapshot-update`` and look at the SVGs in ``__snapshots__``.
"""

from __future__ import annotations

import pytest
from pane_support import random_model, settle, trained_model
from textual.pilot import Pilot

from movielens_tui.tui.app import MovieLensApp

SIZE = (100, 30)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


def _steps(model, *actions):
    """``run_before``: activate ``model``, then run each action (keys or a callable)."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        app.set_active_model(model)
        await pilot.pause()
        for action in actions:
            if callable(action):
                action(app)
            else:
                await pilot.press(*action)
            await settle(pilot, app, rounds=2)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def _type(selector: str, text: str):
    def action(app) -> None:
        app.query_one(selector).value = text

    return action


NEIGHBORS = (("slash",), _type("#neighbors-search-input", "Aladd"), ("enter",))


def test_neighbors_pane(snap_compare, make_app, model) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_steps(model, *NEIGHBORS))


def test_neighbors_pane_cosine_at_80x24(snap_compare, make_app, model) -> None:
    steps = _steps(model, *NEIGHBORS, ("m",))
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)


def test_users_pane(snap_compare, make_app, model) -> None:
    steps = _steps(model, ("4", "slash"), _type("#users-filter", "2"), ("enter",))
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steps)


def test_map_pane(snap_compare, make_app, model) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_steps(model, ("5",)))


def test_you_pane(snap_compare, make_app, model) -> None:
    steps = _steps(
        model,
        ("6", "slash"),
        _type("#you-search-input", "Aladd"),
        ("enter", "5", "down", "3", "slash"),
        _type("#you-search-input", "godfathr"),
        ("enter", "4"),
    )
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steps)


def test_users_pane_latest_small(snap_compare, latest_small) -> None:
    """Users without demographics: id, ratings and mean columns, the id-only hint."""
    steps = _steps(random_model(latest_small), ("4", "slash"), _type("#users-filter", "41"))
    app = MovieLensApp(dataset=latest_small)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps)


def test_you_pane_half_stars_latest_small(snap_compare, latest_small) -> None:
    """Half stars: h in the hint line and the footer, 4.5 and 0.5 in the tables."""
    steps = _steps(
        random_model(latest_small),
        ("6", "slash"),
        _type("#you-search-input", "forest gump"),
        ("enter", "4", "h", "slash"),
        _type("#you-search-input", "matrix"),
        ("enter", "h"),
    )
    app = MovieLensApp(dataset=latest_small)
    assert snap_compare(app, terminal_size=SIZE, run_before=steps)


# Issue 13: every pane complete at 80x24 and using the room at 120x40.
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
def test_neighbors_pane_sizes(snap_compare, make_app, model, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_steps(model, *NEIGHBORS))


@SIZES
def test_you_pane_sizes(snap_compare, make_app, model, size) -> None:
    """Opened, then down and 5 as the hint says: the first movie rated."""
    steps = _steps(model, ("6",), ("down", "5"))
    assert snap_compare(make_app(), terminal_size=size, run_before=steps)


@SIZES
def test_users_pane_sizes(snap_compare, make_app, model, size) -> None:
    steps = _steps(model, ("4", "slash"), _type("#users-filter", "2"), ("enter",))
    assert snap_compare(make_app(), terminal_size=size, run_before=steps)


@SIZES
def test_map_pane_sizes(snap_compare, make_app, model, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_steps(model, ("5",)))
