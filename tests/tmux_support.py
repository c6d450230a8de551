"""Driving the installed ``movielens-tui`` in a real terminal: one tmux session per test
on a private server socket (shared by the tmux tests)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

TMUX = shutil.which("tmux")


def console_script() -> str | None:
    """The installed console script next to this Python, or on PATH."""
    local = Path(sys.executable).with_name("movielens-tui")
    return str(local) if local.exists() else shutil.which("movielens-tui")


class Terminal:
    """One tmux session on a private server socket running a command."""

    def __init__(self, command: str, width: int = 100, height: int = 30) -> None:
        self.socket = f"mltui-{uuid.uuid4().hex[:8]}"
        self.session = "app"
        self._tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y",
                   str(height), command)  # fmt: skip

    def _tmux(self, *args: str) -> str:
        out = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True,
                             timeout=20)  # fmt: skip
        return out.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.session, *keys)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"screen never matched; last capture:\n{text}")

    def alive(self) -> bool:
        return bool(self._tmux("list-sessions"))

    def close(self) -> None:
        self._tmux("kill-server")
