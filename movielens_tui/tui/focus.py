"""Move the focus at once.

``Widget.focus()`` only schedules the change (``call_later``), so keys typed in the same
burst as the key that moved the focus (``/`` then a title, fast) would still go to the
old widget — e.g. a digit would switch panes instead of being typed. ``focus_now`` sets
it synchronously.
"""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    """Give ``widget`` the focus before the next queued key is handled."""
    try:
        widget.screen.set_focus(widget)
    except Exception:  # noqa: BLE001 - not mounted / no screen yet: fall back to later
        widget.focus()
