"""The help screen (``?`` / F1): the shown pane's keys, then the app-wide ones.

Generated from the bindings themselves (``BINDINGS`` of the pane, the widgets inside it
and the app), so it cannot go stale; hidden bindings with no description are left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "delete": "del",
    "backspace": "bksp",
    "plus": "+",
    "minus": "-",
}


def key_text(binding: Binding) -> str:
    """How a binding's keys are written in the help: ``0 / del``, ``ctrl+q``."""
    if binding.key_display:
        return binding.key_display
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))


def help_lines(title: str, bindings: Iterable[Binding]) -> list[str]:
    """One markup line per described binding, under a bold ``title``."""
    lines: list[str] = []
    seen: set[str] = set()
    for binding in bindings:
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        tip = f" [dim]— {escape(binding.tooltip)}[/dim]" if binding.tooltip else ""
        lines.append(f"  [b]{escape(key_text(binding)):>8}[/b]  {escape(binding.description)}{tip}")
    return [f"[b u]{escape(title)}[/b u]", *lines, ""] if lines else []


class HelpScreen(ModalScreen[None]):
    """Keys of the shown pane and of the app; any of esc, q, ?, F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help-close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    @property
    def text(self) -> str:
        lines: list[str] = []
        for title, bindings in self.sections:
            lines += help_lines(title, bindings)
        lines.append("[dim]esc closes · ctrl+p lists every command[/dim]")
        return "\n".join(lines)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            yield Static(self.text, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
