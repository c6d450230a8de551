"""The key footer: one widget drawing the active keys as a single line.

Textual's Footer mounts one widget per key and rebuilds them all on every bindings
update, i.e. on every focus change; on a pane switch that rebuild, its styling, layout
and repaint took longer than drawing the new pane. This footer shows the same keys in
the same order and colours, redraws only when they change, and runs a key when its
label is clicked.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen

PALETTE_SEPARATOR = "▏"
Entry = tuple[tuple[tuple[str, str, str, bool], ...], str | None]  # items, group label
KEEP_KEYS = frozenset({"question_mark", "f1", "ctrl+q"})  # shown however narrow
DIM = Style(dim=True)


class KeyFooter(Widget):
    """Shown bindings of the focused widget and its ancestors, grouped like Footer."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: tuple[tuple[tuple[str, str, str, bool], ...], ...] = ()
        self._group_labels: tuple[str | None, ...] = ()
        self._palette: tuple[str, str, str, bool] | None = None
        self._spans: list[tuple[int, int, str, bool]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        entries, labels, palette = self._collect(screen)
        if (entries, labels, palette) != (self._entries, self._group_labels, self._palette):
            self._entries, self._group_labels, self._palette = entries, labels, palette
            self.refresh()

    def _collect(self, screen: Screen) -> tuple[tuple, tuple, tuple | None]:
        """Shown bindings grouped by action, then runs of one binding group (as Footer)."""
        active = screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool]]] = defaultdict(list)
        for _, binding, enabled, _tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled))
        entries: list[tuple[tuple[str, str, str, bool], ...]] = []
        labels: list[str | None] = []
        for group, runs in groupby(by_action.values(), lambda bindings: bindings[0][0].group):
            items = [self._item(bindings[0]) for bindings in runs]
            if group is not None and len(items) > 1:
                entries.append(tuple(items))
                labels.append(group.description)
            else:
                for item in items:
                    entries.append((item,))
                    labels.append(None)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._item((binding, enabled))
        return tuple(entries), tuple(labels), palette

    def _item(self, pair: tuple[Binding, bool]) -> tuple[str, str, str, bool]:
        binding, enabled = pair
        return (binding.key, self.app.get_key_display(binding), binding.description, enabled)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str, bool]] = []

        def add(item: tuple[str, str, str, bool], with_description: bool = True) -> None:
            key, display, description, enabled = item
            start = len(text)
            dim = Style() if enabled else DIM
            text.append(display, key_style + dim)
            if with_description and description:
                text.append(" " + description, description_style + dim)
            spans.append((start, len(text), key, enabled))

        entries = self._fitting(self.size.width)
        for items, label in entries:
            if label is None:
                add(items[0])
                text.append(" ")
            else:
                text.append(" ")
                for item in items:
                    add(item, with_description=False)
                text.append(" " + label, description_style)
                text.append(" ")
        if self._palette is not None:
            width = self.size.width
            _, display, description, _ = self._palette
            right = len(PALETTE_SEPARATOR) + len(display) + 1 + len(description)
            if width - right > len(text):
                text.append(" " * (width - right - len(text)))
                text.append(PALETTE_SEPARATOR, "dim")
                add(self._palette)
        self._spans = spans
        return text

    def _fitting(
        self, width: int
    ) -> list[tuple[tuple[tuple[str, str, str, bool], ...], str | None]]:
        """The entries that fit in ``width`` with their labels: the last ones (the app's
        least used keys) go first; the help and quit keys always stay."""
        entries = list(zip(self._entries, self._group_labels, strict=True))

        def length(entry: Entry) -> int:
            items, label = entry
            if label is None:
                _key, display, description, _ = items[0]
                return len(display) + (len(description) + 1 if description else 0) + 1
            return 2 + sum(len(item[1]) for item in items) + len(label) + 1

        total = sum(length(entry) for entry in entries)
        index = len(entries) - 1
        while total > width and index >= 0:
            items, _label = entries[index]
            if not any(item[0] in KEEP_KEYS for item in items):
                total -= length(entries.pop(index))
            index -= 1
        return entries

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
