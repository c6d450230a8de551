"""The Compare pane: run presets fold by fold, fill the table, save, reopen, export."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pane_support import settle
from textual.widgets import DataTable, Select, SelectionList, Static

from movielens_tui import compare
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.messages import CompareEnded, CompareProgressed
from movielens_tui.tui.panes.compare import METRICS, ComparePane
from movielens_tui.tui.screens.preset_picker import PresetPicker

SIZE = (100, 30)


def test_pane_metrics_are_the_domains() -> None:
    assert METRICS == compare.metric_names()


def _rows(pane: ComparePane) -> list[list[str]]:
    table = pane.query_one("#compare-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _status(pane: ComparePane) -> str:
    return str(pane.query_one("#compare-status", Static).render())


async def _open(pilot, app: MovieLensApp) -> ComparePane:
    await settle(pilot, app)
    assert app.dataset is not None, app.data_error
    await pilot.press("7")
    await settle(pilot, app)
    pane = app.pane("compare")
    assert isinstance(pane, ComparePane)
    return pane


async def _run(pilot, app, pane: ComparePane, presets: list[str], protocol: str) -> None:
    pane.presets = presets
    pane.query_one("#compare-protocol-select", Select).value = protocol
    await pilot.pause()
    await pilot.press("r")
    await pilot.pause()
    assert pane.comparison is not None and pane.comparison.dataset == app.dataset.name
    for _ in range(3000):
        await pilot.pause(0.05)
        if not pane.running:
            break
    await settle(pilot, app)


async def test_run_fills_the_table_saves_and_reopens(make_app) -> None:
    seen: list[object] = []
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        pane = await _open(pilot, app)
        assert "No comparison" in _status(pane)
        await _run(pilot, app, pane, ["popularity", "ease"], "folds")
        rows = _rows(pane)
        assert [r[0] for r in rows] == ["popularity", "ease"]
        assert all(r[-1] == "5" for r in rows)  # u1-u5 of the generated folder
        assert rows[0][1] == "-"  # popularity predicts no ratings
        assert "±" in rows[1][3]  # mean ± spread over the folds
        assert "★" in "".join(rows[0] + rows[1])
        assert "saved to" in _status(pane)
        progressed = [m for m in seen if isinstance(m, CompareProgressed)]
        results = [m.progress for m in progressed if m.progress.result is not None]
        order = list(dict.fromkeys((p.model, p.fold) for p in results))  # bubbled: once each
        assert order[:3] == [
            ("popularity", "u1"), ("ease", "u1"), ("popularity", "u2"),
        ]  # fmt: skip
        assert [m for m in seen if isinstance(m, CompareEnded)]
        saved = compare.load_comparison(app.dataset.name)
        assert saved is not None and [r.label for r in saved.rows] == ["popularity", "ease"]
        shown = rows
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        pane = await _open(pilot, again)
        assert _rows(pane) == shown
        assert "Last comparison" in _status(pane) and "canonical folds u1-u5" in _status(pane)
        assert pane.presets == ["popularity", "ease"]


async def test_one_fold_and_export(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _open(pilot, app)
        await _run(pilot, app, pane, ["popularity"], "fold1")
        assert _rows(pane)[0][-1] == "1"
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
    from movielens_tui.paths import data_dir

    files = sorted((data_dir() / "exports").glob("*-compare-table-*"))
    csv_file = next(f for f in files if f.suffix == ".csv")
    md_file = next(f for f in files if f.suffix == ".md")
    assert csv_file.read_text().startswith("preset,rmse,mae,precision_at_10")
    assert "| popularity |" in md_file.read_text()


async def test_stop_keeps_what_finished(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _open(pilot, app)
        slow = "mf:iterations=1000000"  # a preset entry may carry overrides, as on the CLI
        pane.presets = ["popularity", slow]
        await pilot.press("r")
        for _ in range(2000):  # until mf is training
            await pilot.pause(0.02)
            current = pane._current
            if current is not None and current.model == slow and current.progress is not None:
                break
        assert "training: step" in _status(pane)
        assert _rows(pane)[1][1] == "running…"  # its row says so while it trains
        await pilot.press("r")
        await settle(pilot, app)
        assert not pane.running
        assert "stopped" in _status(pane)
        rows = _rows(pane)
        assert rows[0][-1] == "1" and rows[1][-1] == "0"


async def test_preset_picker_toggles_and_keeps(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(pilot, app)
        before = list(pane.presets)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PresetPicker)
        await pilot.press("escape")
        await pilot.pause()
        assert pane.presets == before
        await pilot.press("p")
        await pilot.pause()
        listing = app.screen.query_one(SelectionList)
        first = listing.get_option_at_index(0).value
        await pilot.press("space", "enter")  # toggle the first preset off (or on)
        await pilot.pause()
        assert not isinstance(app.screen, PresetPicker)
        assert (first in pane.presets) != (first in before)
        assert "Presets (p)" in str(pane.query_one("#compare-presets-button").label)


async def test_bad_preset_is_one_line_not_a_run(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _open(pilot, app)
        pane.presets = ["no-such-preset"]
        await pilot.press("r")
        await pilot.pause()
        assert not pane.running
        assert "unknown preset" in _status(pane)


async def test_damaged_saved_comparison_is_reported(make_app, small_dataset) -> None:
    path = compare.comparison_path(small_dataset.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await _open(pilot, app)
        assert "not a saved comparison" in _status(pane)
    assert path.read_text() == "{not json"  # left for the user to look at


ML100K_PRESETS = ["popularity", "mf", "biased-mf", "ease"]


async def test_u1_in_the_app_matches_compare_json(ml100k_dir) -> None:
    """A Compare run on ml-100k u1 fills the table with what `compare --json` prints."""
    app = MovieLensApp(data=ml100k_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app)
        await _run(pilot, app, pane, ML100K_PRESETS, "fold1")
        rows = {r[0]: r for r in _rows(pane)}
        assert pane.comparison is not None
        assert pane.comparison.protocol == "canonical folds u1"
    presets = ",".join(ML100K_PRESETS)
    command = [sys.executable, "-m", "movielens_tui", "compare", "--data", str(ml100k_dir),
               "--presets", presets, "--fold", "1", "--json", "--no-save"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})  # fmt: skip
    cli = {row["preset"]: row for row in json.loads(out.stdout)}
    assert set(cli) == set(rows) == set(ML100K_PRESETS)
    columns = list(METRICS)
    for name, row in cli.items():
        shown = rows[name]
        for i, metric in enumerate(columns, start=1):
            if metric == "fit_seconds":
                continue
            cell = shown[i].lstrip("★")
            if row[metric] is None:
                assert cell == "-", (name, metric)
            else:  # shown to 4 decimals; TensorFlow on 2 threads may differ in the 5th
                assert float(cell) == pytest.approx(row[metric], abs=2e-4), (name, metric)
