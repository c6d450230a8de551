"""A ``Select`` that survives being given a value before its own children exist.

Textual's ``Select`` shows its value through ``SelectCurrent``'s ``#label``. When a pane
is mounted lazily on a loaded machine, ``Select``'s mount (which sets the initial value)
can run before ``SelectCurrent`` has composed that label, and the value watcher raises
``NoMatches`` and ends the app (seen with the Train and Compare panes). This subclass
shows the value one refresh later instead.
"""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.widgets import Select

RETRIES = 20  # refreshes to wait for the label (a handful is already a very busy machine)


class SafeSelect(Select):
    """``Select`` whose value watcher waits for its children instead of failing."""

    def _watch_value(self, value: Any) -> None:
        self._show_value(value, RETRIES)

    def _show_value(self, value: Any, retries: int) -> None:
        if value != self.value:  # a newer value is on its way
            return
        try:
            super()._watch_value(value)
        except NoMatches:
            if retries > 0 and self.is_attached:
                self.call_after_refresh(self._show_value, value, retries - 1)
