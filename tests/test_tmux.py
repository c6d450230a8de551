"""Drive the installed ``movielens-tui`` in tmux and check what a person would see."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_support import TMUX, Terminal, console_script

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


@pytest.fixture
def terminal(small_data_dir: Path, isolated_dirs: Path) -> Iterator[Terminal]:
    script = console_script()
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
    assert "Most rated" in screen and "Highest mean" in screen  # the charts follow (scroll)
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

    script = console_script()
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
        # the header names it (once the notice's toast, top-right, has gone)
        term.wait_for(lambda s: "ml-latest-small" in s.splitlines()[0], timeout=15)
        # the one-line notice above the footer (the toast repeating it goes after 8 s)
        screen = term.wait_for(  # the toast repeating it may linger on a loaded machine
            lambda s: (
                "ml-100k could not be downloaded" in s
                and sum("opened the bundled" in line for line in s.splitlines()) == 1
            ),
            timeout=40,
        )
        notice = [line for line in screen.splitlines() if "opened the bundled" in line]
        assert len(notice) == 1 and notice[0].strip().startswith("Offline: opened the bundled")
        # every pane on the bundled release: half stars, no demographics, seeded folds
        for key, text in (("2", "Start (s)"), ("3", "Search a movie title"),
                          ("4", "610 users"), ("5", "Movie embeddings"),
                          ("6", "Your ratings (0)")):  # fmt: skip
            term.send(key)
            screen = term.wait_for(lambda s, t=text: t in s, timeout=15)
        assert "h ±½ star" in screen  # the You pane offers half stars here
        term.send("Escape")
        time.sleep(0.5)
        term.send("7")
        screen = term.wait_for(lambda s: "Presets (p)" in s, timeout=15)
        assert "seeded 5-fold" in screen
        term.send("4")
        screen = term.wait_for(lambda s: "610 users" in s, timeout=15)
        assert " Age " not in screen and "Occupation" not in screen  # no demographics
        term.send("C-q")
        assert "EXITED-0" in term.wait_for(lambda s: "EXITED-" in s, timeout=15)
    finally:
        term.close()


def _app_env(extra: dict[str, str] | None = None) -> str:
    env = {
        "MOVIELENS_TUI_HOME": os.environ["MOVIELENS_TUI_HOME"],
        "MOVIELENS_TUI_CACHE": os.environ["MOVIELENS_TUI_CACHE"],
        "TERM": "xterm-256color",
        **(extra or {}),
    }
    return " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())


def _pane_flags(term: Terminal) -> dict[str, str]:
    """tmux's view of the terminal modes the app may leave on."""
    names = ("alternate_on", "cursor_flag", "mouse_any_flag", "mouse_button_flag",
             "mouse_standard_flag", "mouse_sgr_flag")  # fmt: skip
    out = term._tmux("display-message", "-p", "-t", term.session,
                     " ".join(f"#{{{n}}}" for n in names)).split()  # fmt: skip
    return dict(zip(names, out, strict=True))


@pytest.mark.parametrize("signame", ["TERM", "HUP"])
def test_sigterm_and_sighup_leave_the_terminal_usable(
    signame: str, small_data_dir: Path, small_dataset, tmp_path: Path
) -> None:
    """``kill -TERM`` / ``-HUP`` on the app: it quits as ctrl+q does and the shell after
    it has echo, the main screen, the cursor and no mouse reporting."""
    script = console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    pid_file = tmp_path / "app.pid"
    inner = (f"echo $$ > {shlex.quote(str(pid_file))}; exec env {_app_env()} "
             f"{shlex.quote(script)} --data {shlex.quote(str(small_data_dir))}")  # fmt: skip
    term = Terminal(f"sh -c {shlex.quote(inner)}; echo EXITED-$?; stty -a; sleep 30")
    try:
        term.wait_for(lambda s: f"{small_dataset.n_ratings:,} ratings" in s)
        assert _pane_flags(term)["alternate_on"] == "1"  # the app is on the screen
        term.send("2")  # another pane mounted and focused: mouse reporting is on
        term.wait_for(lambda s: "Start (s)" in s, timeout=10)
        subprocess.run(["kill", f"-{signame}", pid_file.read_text().strip()], check=True)
        code = 128 + getattr(__import__("signal"), f"SIG{signame}")
        screen = term.wait_for(lambda s: "EXITED-" in s and "speed" in s, timeout=15)
        assert f"EXITED-{code}" in screen
        modes = " ".join(screen.split("EXITED-", 1)[1].split())
        assert re.search(r"(?<![-\w])echo(?![-\w])", modes), modes  # echo on, not -echo
        assert re.search(r"(?<![-\w])icanon(?![-\w])", modes), modes  # line editing back
        flags = _pane_flags(term)
        assert flags["alternate_on"] == "0" and flags["cursor_flag"] == "1", flags
        assert {flags[k] for k in flags if k.startswith("mouse")} == {"0"}, flags
    finally:
        term.close()


def test_quitting_after_softmax_leaves_no_autograph_files(
    small_data_dir: Path, small_dataset, tmp_path: Path
) -> None:
    """TensorFlow writes five ``__autograph_generated_file*.py`` to the temp folder when it
    traces softmax and removes them at interpreter exit, which the app skips; they go to a
    private folder under the cache dir, removed on the way out."""
    script = console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    from movielens_tui import settings

    settings.save({"preset": "softmax"})  # the app opens the Train pane on softmax
    command = (f"env {_app_env({'TMPDIR': str(tmpdir)})} {shlex.quote(script)} "
               f"--data {shlex.quote(str(small_data_dir))}; echo EXITED-$?; sleep 30")  # fmt: skip
    term = Terminal(command, width=120, height=40)
    try:
        term.wait_for(lambda s: f"{small_dataset.n_ratings:,} ratings" in s)
        term.send("2")
        term.wait_for(lambda s: "Start (s)" in s, timeout=10)
        term.wait_for(lambda s: "colab" in s and "softmax" in s, timeout=10)  # its description
        term.send("s")
        term.wait_for(lambda s: "step" in s and "ETA" in s, timeout=120)  # traced by now
        private = Path(os.environ["MOVIELENS_TUI_CACHE"]) / "tmp"
        generated = list(private.glob("run-*/__autograph_generated_file*.py"))
        assert generated, "softmax was traced: its autograph files are in the private folder"
        term.send("C-q")
        assert "EXITED-0" in term.wait_for(lambda s: "EXITED-" in s, timeout=15)
        assert not list(tmpdir.glob("__autograph_generated_file*"))
        assert not list(private.glob("run-*"))  # removed with what it held
    finally:
        term.close()


@pytest.mark.parametrize("quitting", [False, True], ids=["open", "quitting"])
def test_closing_the_terminal_ends_the_app(
    quitting: bool, small_data_dir: Path, small_dataset, tmp_path: Path
) -> None:
    """The terminal goes away (SIGHUP, then a tty that reads end-of-file), also while the
    app quits: the process ends within seconds instead of spinning on the dead terminal
    (Textual's input thread; it kept such processes alive one time in three)."""
    script = console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    pid_file = tmp_path / "app.pid"
    inner = (f"echo $$ > {shlex.quote(str(pid_file))}; exec env {_app_env()} "
             f"{shlex.quote(script)} --data {shlex.quote(str(small_data_dir))}")  # fmt: skip
    term = Terminal(f"sh -c {shlex.quote(inner)}; sleep 30")
    try:
        term.wait_for(lambda s: f"{small_dataset.n_ratings:,} ratings" in s)
        term.send("2")
        term.wait_for(lambda s: "Start (s)" in s, timeout=10)
        pid = int(pid_file.read_text())
        if quitting:
            term.send("C-q")  # and the terminal closes while the app quits
            time.sleep(0.1)
    finally:
        term.close()  # kills the tmux server: the pty closes under the app
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid), "the app kept running after its terminal closed"


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_new_user_walks_every_pane_at_80x24(small_data_dir: Path, isolated_dirs: Path) -> None:
    """Issue 13 at 80x24: every pane, a training with its chart in view, ``↓ 5`` in the
    You pane right after opening it, the help screen and a CSV export."""
    script = console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    home = Path(os.environ["MOVIELENS_TUI_HOME"])
    env = {
        "MOVIELENS_TUI_HOME": str(home),
        "MOVIELENS_TUI_CACHE": os.environ["MOVIELENS_TUI_CACHE"],
        "MOVIELENS_TUI_CONFIG": str(home / "config"),
        "TERM": "xterm-256color",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    term = Terminal(f"env {assignments} {shlex.quote(script)} --data "
                    f"{shlex.quote(str(small_data_dir))}; echo EXITED-$?; sleep 30",
                    width=80, height=24)  # fmt: skip
    try:
        screen = term.wait_for(lambda s: "Most rated" in s and " 10 " in s)
        assert "? Help" in screen.splitlines()[-1]  # the footer keeps the help key
        term.send("2")
        screen = term.wait_for(lambda s: "Start (s)" in s, timeout=10)
        assert "train_rmse" in screen and "┌" in screen  # the chart is in view
        term.send("s")  # a second or so on the small dataset: Stop (s) may never be seen
        screen = term.wait_for(lambda s: "Start (s)" in s and "test_rmse 0." in s, timeout=180)
        assert "train_rmse" in screen and "┌" in screen
        for key, text in (("3", "Neighbors"), ("4", "Users"), ("5", "Map")):
            term.send(key)
            time.sleep(0.5)
            assert term.alive() and text in term.screen()
        term.send("6")
        term.wait_for(lambda s: "↓ list" in s, timeout=10)
        term.send("Down")
        term.send("5")
        term.wait_for(lambda s: "Your ratings (1)" in s, timeout=10)
        term.send("Escape")
        term.send("?")
        screen = term.wait_for(lambda s: "You pane" in s and "Everywhere" in s, timeout=10)
        term.send("Escape")
        time.sleep(0.3)
        term.send("e")
        term.wait_for(lambda s: "Exported" in s, timeout=10)
        exports = list((home / "exports").glob("*.csv"))
        assert len(exports) == 1  # the table in view: the focused movie list
        lines = exports[0].read_text().splitlines()
        assert "Ratings" in lines[0] and len(lines) > 5
        term.send("C-q")
        assert "EXITED-0" in term.wait_for(lambda s: "EXITED-" in s, timeout=15)
    finally:
        term.close()
