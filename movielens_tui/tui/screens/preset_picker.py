"""Pick the presets a comparison runs: a checklist of every preset with what it is for.

Space toggles the highlighted preset, enter confirms (the chosen names, in the presets'
order), escape leaves the choice as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

HINT = "space toggles · enter uses these (then r runs them) · esc keeps the old choice"
NAME_WIDTH = 16


def preset_rows() -> list[tuple[str, str]]:
    """(name, one line: what it is for and its description) of every preset."""
    from movielens_tui.models.presets import PRESETS

    purpose = {"both": "rating & ranking"}
    return [
        (name, f"{purpose.get(p.model_kind.purpose, p.model_kind.purpose)}: {p.description}")
        for name, p in PRESETS.items()
    ]


class PresetPicker(ModalScreen[list[str] | None]):
    """A checklist of presets; dismisses with the chosen names or None."""

    DEFAULT_CSS = """
    PresetPicker {
        align: center middle;
    }
    PresetPicker #preset-dialog {
        width: 100%;
        max-width: 100;
        height: auto;
        max-height: 100%;
        margin: 0 1;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    PresetPicker #preset-list {
        height: auto;
        max-height: 80vh;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        border: none;
        padding: 0;
    }
    PresetPicker #preset-hint {
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """
    BINDINGS = [
        Binding("enter", "confirm", "Use these", id="presets-confirm", priority=True),
        Binding("escape", "close", "Close", id="presets-close"),
    ]

    def __init__(self, chosen: Sequence[str], rows: list[tuple[str, str]] | None = None) -> None:
        super().__init__(id="preset-picker")
        self.chosen = list(chosen)
        self.rows = rows if rows is not None else preset_rows()

    def compose(self) -> ComposeResult:
        with Vertical(id="preset-dialog") as dialog:
            dialog.border_title = "Presets to compare"
            yield SelectionList[str](
                *(
                    Selection(self._prompt(name, text), name, name in self.chosen)
                    for name, text in self.rows
                ),
                id="preset-list",
            )
            yield Static(HINT, id="preset-hint")

    @staticmethod
    def _prompt(name: str, text: str) -> Text:
        out = Text(name.ljust(NAME_WIDTH), style="bold")
        out.append(text, style="dim")
        return out

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_confirm(self) -> None:
        selected = set(self.query_one(SelectionList).selected)
        chosen = [name for name, _ in self.rows if name in selected]
        if not chosen:
            self.notify("Choose at least one preset (space toggles)", severity="warning")
            return
        self.dismiss(chosen)

    def action_close(self) -> None:
        self.dismiss(None)
