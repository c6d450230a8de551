"""The dataset picker: every MovieLens release, its size and whether it opens offline.

Enter asks the app to open the highlighted release (:class:`DatasetChosen`); the app
does the work in its dataset worker and reports back through :meth:`show_progress`,
:meth:`show_failure` and :meth:`show_cancelled`, and dismisses the picker once the new
dataset is open. Escape cancels a running download or load, else closes the picker.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from movielens_tui.tui.messages import DatasetChosen, DatasetSwitchCancelled

MB = 1024 * 1024
NAME_WIDTH = 16
HINT = "enter opens · esc closes"
BUSY_HINT = "esc cancels · ctrl+q quits"


@dataclass(frozen=True)
class Release:
    """One row of the picker."""

    name: str
    size: int  # bytes of the zip
    summary: str
    bundled: bool
    cached: bool  # opens without a download (bundled, or in the cache)

    @property
    def state(self) -> str:
        if self.bundled:
            return "✓ bundled"
        return "✓ cached" if self.cached else "download"


def releases() -> list[Release]:
    """The registry in its order, with what is at hand on this machine."""
    from movielens_tui.data import catalogue

    return [
        Release(row["name"], row["bytes"], row["summary"], row["bundled"], row["cached"])
        for row in catalogue.rows()
    ]


def size_mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


class DatasetPicker(ModalScreen[str | None]):
    """Choose the MovieLens release to explore (``current`` is the open one)."""

    DEFAULT_CSS = """
    DatasetPicker {
        align: center middle;
    }
    DatasetPicker #picker-dialog {
        width: 100%;
        max-width: 92;
        height: auto;
        max-height: 100%;
        margin: 0 1;
        border: thick $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    DatasetPicker #picker-list {
        height: auto;
        max-height: 70vh;  /* the status, progress and hint lines stay visible */
        text-wrap: nowrap;  /* two lines per release: a narrow screen crops the summary */
        text-overflow: ellipsis;
        border: none;
        padding: 0;
    }
    DatasetPicker #picker-status {
        height: 1;
        margin: 1 0 0 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    DatasetPicker #picker-status.-error {
        color: $error;
    }
    DatasetPicker #picker-progress {
        display: none;
        height: 1;
    }
    DatasetPicker.-busy #picker-progress {
        display: block;
    }
    DatasetPicker #picker-hint {
        color: $text-muted;
    }
    """
    BINDINGS = [Binding("escape", "close", "Close / cancel", id="picker-close")]

    def __init__(self, current: str | None = None, rows: list[Release] | None = None) -> None:
        super().__init__(id="dataset-picker")
        self.current = current
        self.rows = rows if rows is not None else releases()
        self.busy: str | None = None
        """The release being downloaded or opened (None while the list is usable)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog") as dialog:
            dialog.border_title = "Choose a dataset"
            yield OptionList(*(self._option(row) for row in self.rows), id="picker-list")
            yield Static(self._idle_status(), id="picker-status")
            yield ProgressBar(id="picker-progress", show_eta=True)
            yield Static(HINT, id="picker-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        names = [row.name for row in self.rows]
        options.highlighted = names.index(self.current) if self.current in names else 0
        options.focus()

    def _option(self, row: Release) -> Option:
        line = Text.assemble(
            (row.name.ljust(NAME_WIDTH), "bold"),
            size_mb(row.size).rjust(9),
            "  ",
            (row.state.ljust(10), "" if row.cached else "dim"),
            ("  ● open" if row.name == self.current else "", "bold"),
        )
        line.append("\n  " + row.summary, "dim")
        return Option(line, id=row.name)

    def _idle_status(self) -> str:
        if self.current:
            return f"Open now: {self.current}. ✓ opens at once; the others download first."
        return "✓ opens at once; the others download first."

    def row(self, name: str) -> Release:
        return next(r for r in self.rows if r.name == name)

    # ------------------------------------------------------------------ choosing

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = event.option.id
        if self.busy is not None or name is None:
            return
        if name == self.current:
            self.dismiss(None)
            return
        self.post_message(DatasetChosen(name))

    def action_close(self) -> None:
        """Cancel the running download or load; else close the picker."""
        if self.busy is not None:
            self.post_message(DatasetSwitchCancelled())
            return
        self.dismiss(None)

    # ------------------------------------------------------------------ reports from the app

    def show_busy(self, name: str) -> None:
        """``name`` is being downloaded (if not cached) or opened."""
        self.busy = name
        row = self.row(name)
        self.add_class("-busy")
        self.query_one(OptionList).disabled = True
        bar = self.query_one(ProgressBar)
        if row.cached:
            bar.update(total=None, progress=0)
            self._status(f"Opening {name}…")
        else:
            bar.update(total=row.size, progress=0)
            self._status(f"Downloading {name} ({size_mb(row.size)})…")
        self.query_one("#picker-hint", Static).update(BUSY_HINT)

    def show_progress(self, done: int, total: int) -> None:
        """Bytes of the zip downloaded so far."""
        if self.busy is None:
            return
        bar = self.query_one(ProgressBar)
        if total and done >= total:
            bar.update(total=None)
            self._status(f"Downloaded; opening {self.busy}…")
            return
        bar.update(total=total or None, progress=done)
        pct = f" {done / total:.0%}" if total else ""
        self._status(f"Downloading {self.busy}{pct} ({done / MB:.1f} of {total / MB:.1f} MB)…")

    def show_failure(self, message: str) -> None:
        """The chosen release could not be opened; the current one stays."""
        self._idle()
        stays = f" {self.current} stays open." if self.current else ""
        self._status(f"{message}{stays}", error=True)

    def show_cancelled(self, name: str) -> None:
        self._idle()
        stays = f"; {self.current} stays open" if self.current else ""
        self._status(f"Cancelled opening {name}{stays}.")

    def _idle(self) -> None:
        self.busy = None
        self.remove_class("-busy")
        options = self.query_one(OptionList)
        options.disabled = False
        options.focus()
        self.query_one("#picker-hint", Static).update(HINT)

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#picker-status", Static)
        status.update(Text(text))
        status.tooltip = text if error else None  # the whole line when it is cropped
        status.set_class(error, "-error")

    @property
    def status_text(self) -> str:
        return str(self.query_one("#picker-status", Static).render())
