"""Issue 13: in the app, titles with markup characters show as written and never crash a
pane; control characters never reach the screen (they are stripped when parsing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pane_support import settle, start, trained_model

from movielens_tui.data.synthetic import write_movielens_folder
from movielens_tui.tui.screens.why import WhyScreen
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import ResultsTable

SIZE = (100, 30)
MARKUP = "Four [/] Rooms [bold red]x (1995)"


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_movielens_folder(
        tmp_path_factory.mktemp("hostile-app") / "ml-100k", 60, 80, 1500, folds=False
    )
    lines = (folder / "u.item").read_text(encoding="latin-1").splitlines()
    for i, line in enumerate(lines):
        fields = line.split("|")
        if fields[0] == "1":
            fields[1] = MARKUP
        elif fields[0] == "2":
            fields[1] = "Evil\x1b]0;PWNED\x07\x1b[2J Dead (1981)"
        lines[i] = "|".join(fields)
    (folder / "u.item").write_text("\n".join(lines) + "\n", encoding="latin-1")
    return folder


async def test_markup_titles_in_every_pane(make_app, hostile_dir: Path) -> None:
    app = make_app(data=hostile_dir)
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, trained_model(hostile_dir))
        assert MARKUP in set(dataset.movies["title"])
        assert not any("\x1b" in t for t in dataset.movies["title"])
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("slash", *"Four", "enter")
        await settle(pilot, app)
        pane = app.query_one("NeighborsPane")
        assert "Four [/] Rooms" in pane.status_text
        table = app.query_one("#neighbors-table", ResultsTable)
        table.focus()
        await pilot.press("w")
        await settle(pilot, app)
        assert isinstance(app.screen, WhyScreen)
        assert "Four [/] Rooms [bold red]x" in app.screen.text
        await pilot.press("escape")
        await pilot.press("6")  # rate it in the You pane: its list, its notification
        await settle(pilot, app)
        await pilot.press("slash", *"Four Rooms", "enter")
        await settle(pilot, app)
        await pilot.press("5")
        await settle(pilot, app)
        search = app.query_one("#you-search", MovieSearch)
        assert search.matches.row_count
        await pilot.press("1")  # Dataset pane: the top movies tables
        await settle(pilot, app)
        shot = app.export_screenshot()
        assert "\x1b]0;" not in shot and "PWNED\x07" not in shot
        assert app.is_running
