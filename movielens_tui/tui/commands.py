"""Command-palette provider: every app and pane action, found by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class PaletteCommand:
    """One palette entry: its name, a help line (with the key) and what it runs."""

    name: str
    help: str
    callback: Callable[[], Any]


class MovieLensCommands(Provider):
    """Lists the commands the app reports through ``palette_commands()``."""

    def _commands(self) -> list[PaletteCommand]:
        from movielens_tui.tui.app import MovieLensApp

        app = self.app
        return list(app.palette_commands()) if isinstance(app, MovieLensApp) else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = max(matcher.match(command.name), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.callback,
                          text=command.name, help=command.help)  # fmt: skip
