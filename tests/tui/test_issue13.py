"""Issue 13: help screen, CSV export, remembered settings, NO_COLOR, the footer at 80."""

from __future__ import annotations

import csv
import json

import pytest
from pane_support import settle, start, trained_model

from movielens_tui import paths, settings
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.panes.neighbors import K_DEFAULT
from movielens_tui.tui.screens.help import HelpScreen
from movielens_tui.tui.widgets.footer import KeyFooter


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


async def test_help_lists_the_pane_keys_and_the_global_ones(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("2", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.text
        for binding in type(app.pane("train")).BINDINGS + MovieLensApp.BINDINGS:
            if binding.description:
                assert binding.description in text  # generated from the bindings
        assert text.index("Train pane") < text.index("Everywhere")
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_e_exports_the_table_in_view(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await settle(pilot, app)
        await pilot.press("down", "5")  # a rating: recommendations listed
        await settle(pilot, app)
        await pilot.press("escape", "e")
        await pilot.pause()
        files = list((paths.data_dir() / "exports").glob("*.csv"))
        assert len(files) == 1 and "you-recs" in files[0].name
        rows = list(csv.reader(files[0].open(encoding="utf-8")))
        assert rows[0][:2] == ["#", "Title"] and len(rows) == 11
        assert rows[1][1] in set(dataset.movies["title"])  # whole titles, not clipped
        assert any(str(files[0]) in n.message for n in app._notifications)


async def test_settings_remembered_between_runs(make_app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(settings.CONFIG_ENV, str(tmp_path / "cfg"))
    app = make_app(remember=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("3", "plus", "m")
        await pilot.pause()
        await pilot.press("ctrl+q")
    saved = json.loads((tmp_path / "cfg" / "settings.json").read_text())
    assert (
        saved["pane"] == "neighbors"
        and saved["measure"] == "cosine"
        and saved["k"] == K_DEFAULT + 1
    )
    app = make_app(remember=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.pause()
        assert app.active_pane_name == "neighbors"
        assert app.measure == "cosine" and app.pane("neighbors").k == K_DEFAULT + 1


async def test_a_corrupt_settings_file_is_moved_aside(make_app, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "settings.json").write_text("{broken")
    monkeypatch.setenv(settings.CONFIG_ENV, str(folder))
    app = make_app(remember=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.settings_warning and "corrupt" in app.settings_warning
        assert "\n" not in app.settings_warning
        aside = list(folder.glob("settings.json.corrupt-*"))
        assert len(aside) == 1 and aside[0].read_text() == "{broken"


async def test_no_color_is_respected(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        names = {type(f).__name__ for f in app._filters}
        assert names & {"Monochrome", "NoColor"}


async def test_footer_at_80_keeps_labelled_keys_and_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        for key in ("1", "2", "3", "6"):
            await pilot.press(key)
            await pilot.pause()
            text = app.query_one(KeyFooter).render().plain
            assert len(text.rstrip()) <= 80
            assert "? Help" in text and "^q Quit" in text


async def test_terminal_theme_in_the_palette(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        command = next(c for c in app.palette_commands() if "follow the terminal" in c.name)
        await command.callback()
        assert app.theme == "ansi-dark" and app.current_theme.ansi
