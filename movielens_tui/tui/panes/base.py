"""The base of the seven panes: typed access to the app and the hooks the app calls.

A pane is ``class TrainPane(Horizontal, Pane)``: the container gives the layout, ``Pane``
the rest. The container comes first: Textual takes a widget's CSS type names and default
CSS from the chain of *first* bases only (``DOMNode._css_bases``), so ``Horizontal`` must
be on it; ``Pane`` adds no CSS (query panes with ``.pane``, not ``query(Pane)``).

``self.app`` is typed as :class:`~movielens_tui.tui.app.MovieLensApp` (a ``cast``, as
posting does), so panes read ``self.app.dataset`` / ``self.app.model`` /
``self.app.measure`` and call ``self.app.set_active_model`` without ``getattr``.

Hooks the app calls (each has a default):

- :meth:`focus_default` when the pane is shown (first focusable widget that is not a
  text field, else the pane itself, so single-key bindings work);
- :meth:`focus_search` for ``/`` (False: the pane has no search);
- :meth:`show_message` for progress or errors while there is nothing else to show;
- :meth:`palette_commands` for extra command-palette entries beyond its bindings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.widget import Widget
from textual.widgets import Input

from movielens_tui.tui.focus import focus_now

if TYPE_CHECKING:
    from movielens_tui.tui.app import MovieLensApp
    from movielens_tui.tui.commands import PaletteCommand


class Pane(Widget):
    """One of the app's panes (mixed in after a container class)."""

    NAME: ClassVar[str] = ""
    """The pane's key: its id is ``pane-NAME`` and its tab ``tab-NAME``."""

    def __init__(self, *children: Widget, **options: Any) -> None:
        # called by the container's __init__ (if it has one) with all of Widget's options
        if options.get("id") is None:
            options["id"] = f"pane-{self.NAME}"
        options["classes"] = " ".join(c for c in ("pane", options.get("classes")) if c)
        super().__init__(*children, **options)

    @property
    def app(self) -> MovieLensApp:  # type: ignore[override]
        """The running app, typed."""
        return cast("MovieLensApp", super().app)

    # ------------------------------------------------------------------ hooks
    def focus_default(self) -> None:
        """Put the focus inside the pane when it is shown."""
        for widget in self.query("*"):
            if widget.focusable and not isinstance(widget, Input):
                focus_now(widget)
                return
        self.focus_self()

    def focus_self(self) -> None:
        """Focus the pane itself: digits switch panes, the pane's keys work."""
        self.can_focus = True
        focus_now(self)

    def focus_search(self) -> bool:
        """Focus the pane's search box for ``/``; False if it has none."""
        return False

    def show_message(self, text: str) -> None:
        """Progress or error text while the pane has nothing else to show."""

    def palette_commands(self) -> Iterator[PaletteCommand]:
        """Palette entries beyond the pane's bindings (which the app lists itself)."""
        yield from ()
