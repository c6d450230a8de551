"""``e``: the table in view to CSV under ``<data dir>/exports/`` (written atomically).

Which table: the focused one if it is a table of the shown pane, else the pane's main
table (:data:`MAIN_TABLES`), else its first table with rows. A :class:`ResultsTable`
exports its unclipped values (whole titles, genres joined by ``|``); another
``DataTable`` its shown cells.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable

from movielens_tui.tui.widgets.results_table import ResultsTable

MAIN_TABLES = {
    "dataset": "top-by-count",
    "neighbors": "neighbors-table",
    "users": "users-recs",
    "you": "you-recs",
    "compare": "compare-table",
}
EXPORT_FOLDER = "exports"


def table_in_view(pane: Widget, focused: Widget | None) -> DataTable | None:
    """The table ``e`` exports in ``pane``, or None (no table with rows)."""
    if isinstance(focused, DataTable) and pane in focused.ancestors and focused.row_count:
        return focused
    tables = [t for t in pane.query(DataTable) if t.row_count]
    main = MAIN_TABLES.get((pane.id or "").removeprefix("pane-"))
    for table in tables:
        if table.id == main:
            return table
    return tables[0] if tables else None


def _plain(value: Any) -> str:
    if isinstance(value, Text):
        return value.plain
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return "" if value is None else str(value)


def table_rows(table: DataTable) -> tuple[list[str], list[list[str]]]:
    """The header and rows of ``table`` as text."""
    header = [column.label.plain for column in table.ordered_columns]
    if isinstance(table, ResultsTable) and len(table.raw_rows) == table.row_count:
        keys = table.column_keys
        rows = [[_plain(row.get(key)) for key in keys] for row in table.raw_rows]
        return header, rows
    rows = [[_plain(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    return header, rows


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def export_table(table: DataTable, pane_name: str, dataset_name: str | None) -> Path:
    """Write ``table`` to a new CSV file and return its path."""
    header, rows = table_rows(table)
    return write_export(to_csv(header, rows), pane_name, dataset_name, table.id or "table")


def write_export(
    content: bytes, pane_name: str, dataset_name: str | None, what: str, suffix: str = ".csv"
) -> Path:
    """Write ``content`` to a new file ``<dataset>-<pane>-<what>-<time><suffix>`` in the
    exports folder (atomically; never over an earlier export) and return its path."""
    from movielens_tui.paths import atomic_write_bytes, data_dir

    stamp = time.strftime("%Y%m%d-%H%M%S")
    parts = [dataset_name or "dataset", pane_name, what, stamp]
    folder = data_dir() / EXPORT_FOLDER
    path = folder / ("-".join(parts) + suffix)
    n = 2
    while path.exists():
        path = folder / ("-".join(parts) + f"-{n}{suffix}")
        n += 1
    atomic_write_bytes(path, content)
    return path
