"""Drive the installed ``movielens-tui`` in tmux and check what a person would see."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def _console_script() -> str | None:
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


@pytest.fixture
def terminal(small_data_dir: Path, isolated_dirs: Path) -> Iterator[Terminal]:
    script = _console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    env = {
        "MOVIELENS_TUI_HOME": os.environ["MOVIELENS_TUI_HOME"],
        "MOVIELENS_TUI_CACHE": os.environ["MOVIELENS_TUI_CACHE"],
        "TERM": "xterm-256color",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = (
        f"env {assignments} {shlex.quote(script)} --data {shlex.quote(str(small_data_dir))}; "
        "echo EXITED-$?; sleep 30"
    )
    term = Terminal(command)
    try:
        yield term
    finally:
        term.close()


def test_a_person_sees_counts_trains_and_quits(terminal: Terminal, small_dataset) -> None:
    screen = terminal.wait_for(lambda s: f"{small_dataset.n_ratings:,} ratings" in s)
    assert f"{small_dataset.n_users} users" in screen
    assert f"{small_dataset.n_movies} movies" in screen
    assert f"{small_dataset.n_ratings:,} ratings" in screen
    assert "Ratings by value" in screen and "Most rated" in screen
    assert "measure: DOT" in screen

    terminal.send("m")
    terminal.wait_for(lambda s: "measure: COSINE" in s, timeout=10)

    terminal.send("2")
    screen = terminal.wait_for(lambda s: "Start (s)" in s, timeout=10)
    assert "No trained model yet" in screen

    terminal.send("s")
    screen = terminal.wait_for(lambda s: "Stop (s)" in s, timeout=10)
    screen = terminal.wait_for(lambda s: "done · step" in s, timeout=120)
    assert "is now the active model" in screen
    done = re.search(r"done · step (\d+) / (\d+)", screen)
    assert done and done.group(1) == done.group(2)
    assert "test_rmse 0." in screen  # the current metric values beside the chart

    terminal.send("C-q")
    screen = terminal.wait_for(lambda s: "EXITED-" in s, timeout=15)
    assert "EXITED-0" in screen
    # Nothing from TensorFlow reached the terminal.
    for marker in ("oneDNN", "cuda", "absl", "I0000", "WARNING"):
        assert marker not in screen


def test_first_run_offline_opens_the_bundled_release(isolated_dirs: Path) -> None:
    """No network, no cache, no --data: the installed app shows ml-latest-small's counts
    and says in one line why, and how to get ml-100k."""
    import socket

    script = _console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    with socket.socket() as probe:  # a port nothing listens on: every download is refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {
        "MOVIELENS_TUI_HOME": os.environ["MOVIELENS_TUI_HOME"],
        "MOVIELENS_TUI_CACHE": os.environ["MOVIELENS_TUI_CACHE"],
        "MOVIELENS_TUI_URL": f"http://127.0.0.1:{closed}/ml-100k.zip",
        "TERM": "xterm-256color",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    term = Terminal(f"env -u MOVIELENS_TUI_DATA {assignments} {shlex.quote(script)}; "
                    "echo EXITED-$?; sleep 30", width=120, height=40)  # fmt: skip
    try:
        screen = term.wait_for(lambda s: "100,836 ratings" in s, timeout=90)
        assert "610 users" in screen and "9,742 movies" in screen
        assert "ml-latest-small" in screen.splitlines()[0]  # the header names it
        # the one-line notice above the footer (the toast repeating it goes after 8 s)
        screen = term.wait_for(lambda s: "ml-100k could not be downloaded" in s, timeout=30)
        notice = [line for line in screen.splitlines() if "opened the bundled" in line]
        assert len(notice) == 1 and notice[0].strip().startswith("Offline: opened the bundled")
        term.send("C-q")
        assert "EXITED-0" in term.wait_for(lambda s: "EXITED-" in s, timeout=15)
    finally:
        term.close()
