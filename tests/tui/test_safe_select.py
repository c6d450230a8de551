"""SafeSelect shows its value even when its label is not composed yet (a loaded machine)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.css.query import NoMatches
from textual.widgets._select import SelectCurrent

from movielens_tui.tui.widgets.safe_select import SafeSelect


class _App(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeSelect([("one", 1), ("two", 2)], value=2, allow_blank=False, id="s")


async def test_a_value_given_before_the_label_exists_is_shown_later(monkeypatch) -> None:
    calls = {"n": 0}
    real = SelectCurrent.update

    def flaky(self, label) -> None:  # the first two updates find no label, as when busy
        calls["n"] += 1
        if calls["n"] <= 2:
            raise NoMatches("No nodes match '#label'")
        real(self, label)

    monkeypatch.setattr(SelectCurrent, "update", flaky)
    app = _App()
    async with app.run_test() as pilot:
        for _ in range(5):
            await pilot.pause()
        select = app.query_one("#s", SafeSelect)
        assert select.value == 2
        assert calls["n"] >= 3  # retried until the label was there
        assert "two" in str(select.query_one(SelectCurrent).query_one("#label").render())
