"""Snapshots of the Compare pane and the "Why?" panel at 80x24 and 120x40.

The Compare pane shows a saved comparison (fixed numbers, so the picture does not depend
on fit times); the Why? panel explains the first recommendation of user 2 in the Users
pane with a small trained model. Update after an intended change with ``pytest
tests/tui/test_snapshots_compare_why.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from pane_support import settle, trained_model
from textual.pilot import Pilot

from movielens_tui import compare
from movielens_tui.evaluate import FoldResult

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])

# (preset, kind, per-fold metrics for u1 and u2, fit seconds)
ROWS = [
    ("popularity", "popularity", {"precision_at_10": (0.30, 0.28), "recall_at_10": (0.10, 0.09),
     "ndcg_at_10": (0.33, 0.31), "coverage": (0.05, 0.05)}, (0.1, 0.1)),
    ("mf", "mf", {"rmse": (1.45, 1.47), "mae": (1.10, 1.12), "precision_at_10": (0.05, 0.06),
     "recall_at_10": (0.02, 0.02), "ndcg_at_10": (0.06, 0.07), "coverage": (0.40, 0.41)},
     (2.6, 2.5)),
    ("biased-mf", "biased-mf", {"rmse": (0.917, 0.905), "mae": (0.72, 0.71),
     "precision_at_10": (0.12, 0.13), "recall_at_10": (0.03, 0.03), "ndcg_at_10": (0.12, 0.13),
     "coverage": (0.09, 0.10)}, (4.4, 4.2)),
    ("ease", "ease", {"precision_at_10": (0.51, 0.40), "recall_at_10": (0.19, 0.17),
     "ndcg_at_10": (0.57, 0.45), "coverage": (0.23, 0.24)}, (2.1, 2.0)),
]  # fmt: skip


def saved_comparison(dataset_name: str) -> compare.Comparison:
    rows = []
    for label, kind, metrics, seconds in ROWS:
        folds = [
            FoldResult(fold, {m: v[i] for m, v in metrics.items()}, seconds[i], 1200, 300, 55)
            for i, fold in enumerate(("u1", "u2"))
        ]
        rows.append(compare.CompareRow(label, label, kind, {}, folds))
    return compare.Comparison(dataset_name, "canonical folds u1,u2", 0, 10,
                              "2026-12-02T06:00:00+00:00", rows)  # fmt: skip


@SIZES
def test_compare_pane(snap_compare, make_app, small_dataset, size) -> None:
    compare.save_comparison(saved_comparison(small_dataset.name))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, pilot.app)
        await pilot.press("7")
        await settle(pilot, pilot.app, rounds=2)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


@SIZES
def test_why_panel(snap_compare, make_app, model, size) -> None:
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        app.set_active_model(model)
        await pilot.pause()
        app.clear_notifications()  # before the panel: the toast would show on its screen
        await pilot.press("4", "slash")
        app.query_one("#users-filter").value = "2"
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("enter")  # into the recommendations
        await settle(pilot, app)
        await pilot.press("w")
        await settle(pilot, app)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
