"""A row-cursor table of movies (search matches, neighbours, recommendations, ratings).

Rows are keyed by the internal movie position, so panes ask :meth:`highlighted_movie`
instead of parsing cells. Columns are declared once as ``(key, label)`` pairs; a label
can be changed later (the score column says which measure produced it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

HIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "#"),
    ("title", "Title"),
    ("score", "Score"),
    ("count", "Ratings"),
    ("genres", "Genres"),
)
TITLE_WIDTH = 44
GENRES_WIDTH = 28
RIGHT_ALIGNED = frozenset({"rank", "score", "count", "rating", "mine", "mean", "predicted"})


def format_cell(key: str, value: Any) -> Text | str:
    """How a value of column ``key`` is shown (numbers right-aligned)."""
    if value is None or (isinstance(value, float) and value != value):
        text = "-"
    elif isinstance(value, str) and not value:
        text = ""
    elif key == "genres" and isinstance(value, (list, tuple)):
        text = _clip(", ".join(value), GENRES_WIDTH) if value else "-"
    elif key in ("score", "predicted"):
        text = f"{float(value):.3f}"
    elif key in ("rating", "mine"):
        text = f"{float(value):g}"  # "4", "3.5": as the dataset's scale writes them
    elif key == "mean":
        number = float(value)
        text = f"{number:.0f}" if number.is_integer() else f"{number:.2f}"
    elif key == "title":
        text = _clip(str(value), TITLE_WIDTH)
    else:
        text = str(value)
    return Text(text, justify="right" if key in RIGHT_ALIGNED else "left")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class ResultsTable(DataTable):
    """A DataTable of movies keyed by internal movie position."""

    DEFAULT_CSS = """
    ResultsTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(
        self,
        columns: Sequence[tuple[str, str]] = HIT_COLUMNS,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            id=id, classes=classes, cursor_type="row", zebra_stripes=True, show_row_labels=False
        )
        self._column_specs = list(columns)
        self._keys: list[int] = []
        self.raw_rows: list[dict[str, Any]] = []
        """The rows as given to :meth:`show_rows` (unclipped values, for export)."""

    def park_cursor(self) -> None:
        """Hide the cursor until the first ``down``/``up`` (which shows it on the first
        row instead of moving it) or :meth:`unpark_cursor`: a list that takes the focus
        as its pane opens, where ``↓`` then ``5`` should rate the first movie."""
        if self.row_count:
            self.move_cursor(row=0, animate=False)
        self.show_cursor = False

    def unpark_cursor(self) -> bool:
        """Show a parked cursor (on the first row); False when it was already shown."""
        if self.show_cursor:
            return False
        self.show_cursor = True
        self.move_cursor(row=0, animate=False)
        return True

    def action_cursor_down(self) -> None:
        if not self.unpark_cursor():
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if not self.unpark_cursor():
            super().action_cursor_up()

    def on_blur(self) -> None:
        self.show_cursor = True  # parking lasts only while the list keeps the focus

    def on_mount(self) -> None:
        for key, label in self._column_specs:
            self.add_column(label, key=key)

    def set_columns(self, columns: Sequence[tuple[str, str]]) -> None:
        """Replace the columns (another dataset has other user attributes); clears rows."""
        columns = list(columns)
        if columns == self._column_specs:
            return
        self._column_specs = columns
        self._keys = []
        if self.is_mounted:
            self.clear(columns=True)
            for key, label in self._column_specs:
                self.add_column(label, key=key)

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._column_specs]

    def column_label(self, key: str) -> str:
        column = self.columns.get(ColumnKey(key))
        return "" if column is None else column.label.plain

    def show_rows(
        self,
        rows: Iterable[Mapping[str, Any]],
        movies: Iterable[int],
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Replace the rows; keeps the cursor on the same movie when it is still listed.

        ``labels`` renames column headers (e.g. the score column to "cosine score").
        """
        previous = self.highlighted_movie()
        relabel = bool(labels) and any(
            labels.get(key, label) != label for key, label in self._column_specs
        )
        if relabel:
            self._column_specs = [(k, labels.get(k, label)) for k, label in self._column_specs]
            self.clear(columns=True)
            for key, label in self._column_specs:
                self.add_column(label, key=key)
        else:
            self.clear()
        self._keys = []
        self.raw_rows = []
        for row, movie in zip(rows, movies, strict=True):
            self.raw_rows.append(dict(row))
            cells = [format_cell(key, row.get(key)) for key, _ in self._column_specs]
            self.add_row(*cells, key=str(int(movie)))
            self._keys.append(int(movie))
        if previous is not None and previous in self._keys:
            self.move_cursor(row=self._keys.index(previous), animate=False)
        self.refresh()

    @property
    def movies(self) -> list[int]:
        """Internal movie positions in display order."""
        return list(self._keys)

    def highlighted_movie(self) -> int | None:
        """Internal position of the movie under the cursor, or None for an empty table."""
        if not self._keys or not 0 <= self.cursor_row < len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def cell_text(self, row: int, key: str) -> str:
        """The shown text of a cell (tests and snapshots read the table this way)."""
        column = [k for k, _ in self._column_specs].index(key)
        value = self.get_cell_at(Coordinate(row, column))
        return value.plain if isinstance(value, Text) else str(value)
