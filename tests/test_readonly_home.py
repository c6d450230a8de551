"""The app starts with a read-only or unwritable data dir (issue 13, section 4).

Its native stderr log lives in ``MOVIELENS_TUI_HOME``; when that cannot be written the log
goes to the system's temporary folder (else nowhere) and one line on stderr says so, before
the app takes the screen. "Unwritable" is a data dir under a regular file (tests run as
root, where chmod stops nothing) or a patched ``os.open`` raising EROFS. No real TTY:
the context manager and ``run_app`` (with the app's ``run`` replaced) are called directly.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from movielens_tui.tui import process
from movielens_tui.tui.process import native_stderr_to, private_temp_dir, system_temp_dir

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix file descriptors")


@pytest.fixture
def systemp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder is a fresh one per test."""
    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _unwritable_home(tmp_path: Path) -> Path:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    return blocker / "home"


def test_log_falls_back_to_the_temp_folder_and_says_so_once(
    tmp_path: Path, systemp: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = _unwritable_home(tmp_path) / "movielens-tui.log"
    before = os.fstat(2).st_ino
    with native_stderr_to(log) as used:
        os.write(2, b"from C++\n")
    assert os.fstat(2).st_ino == before  # fd 2 is put back
    fallback = systemp / f"movielens-tui-{os.getuid()}.log"
    assert used == fallback and fallback.read_bytes() == b"from C++\n"
    err = capfd.readouterr().err
    assert err.count("\n") == 1, err  # one line, and the C++ output is not in it
    blocker = tmp_path / "afile"
    assert err.startswith(f"movielens-tui: cannot write the log {log} ({blocker} is a file, not")
    assert f"logging to {fallback} instead" in err


def test_read_only_file_system(tmp_path: Path, systemp: Path, capfd, monkeypatch) -> None:
    log = tmp_path / "home" / "movielens-tui.log"
    real = os.open

    def read_only(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path) == log:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with native_stderr_to(log) as used:
        os.write(2, b"x\n")
    assert used == systemp / f"movielens-tui-{os.getuid()}.log" and used.read_bytes() == b"x\n"
    assert "(read-only file system); logging to" in capfd.readouterr().err


def test_nowhere_writable_discards_the_log(tmp_path: Path, capfd, monkeypatch) -> None:
    blocked = _unwritable_home(tmp_path)
    monkeypatch.setattr(process, "system_temp_dir", lambda: blocked / "tmp")  # nor temp
    with native_stderr_to(blocked / "movielens-tui.log") as used:
        os.write(2, b"lost\n")
    assert used is None
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "native stderr is discarded" in err and "lost" not in err


def test_a_fifo_in_place_of_the_log_does_not_hang(tmp_path: Path, systemp: Path, capfd) -> None:
    log = tmp_path / "movielens-tui.log"
    os.mkfifo(log)
    with native_stderr_to(log) as used:
        pass
    assert used is not None and used.parent == systemp and log.is_fifo()
    assert "(is a FIFO (named pipe), not a regular file)" in capfd.readouterr().err


def test_a_writable_home_is_used_silently(tmp_path: Path, systemp: Path, capfd) -> None:
    log = tmp_path / "home" / "movielens-tui.log"
    with native_stderr_to(log) as used:
        os.write(2, b"ok\n")
    assert used == log and log.read_bytes() == b"ok\n"
    assert capfd.readouterr().err == "" and list(systemp.iterdir()) == []


def test_the_fallback_log_is_outside_the_private_temp_folder(
    tmp_path: Path, systemp: Path, capfd
) -> None:
    """run_app enters its private temp folder (removed on quit) before the log."""
    log = _unwritable_home(tmp_path) / "movielens-tui.log"
    with private_temp_dir(tmp_path / "cache" / "tmp") as private:
        assert private is not None and system_temp_dir() == systemp
        with native_stderr_to(log) as used:
            pass
    assert used is not None and used.parent == systemp and used.exists()
    assert process._outer_temp == []


def test_run_app_starts_with_an_unwritable_home(tmp_path: Path, small_data_dir: Path) -> None:
    """The start-up path itself (a fresh process, the app's ``run`` replaced: no TTY)."""
    home = _unwritable_home(tmp_path)
    systemp = tmp_path / "systemp"
    systemp.mkdir()
    code = textwrap.dedent(
        f"""
        import os, sys
        from movielens_tui.tui import app as app_module

        def run(self):
            os.write(2, b"native\\n")
            print("ran", file=sys.stderr)  # Textual's stream: still the terminal

        app_module.MovieLensApp.run = run
        sys.exit(app_module.run_app(data={str(small_data_dir)!r}))
        """
    )
    env = dict(os.environ, MOVIELENS_TUI_HOME=str(home), TMPDIR=str(systemp))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    fallback = systemp / f"movielens-tui-{os.getuid()}.log"
    assert lines[0] == (
        f"movielens-tui: cannot write the log {home / 'movielens-tui.log'} "
        f"({tmp_path / 'afile'} is a file, not a folder); logging to {fallback} instead"
    )
    assert lines[1:] == ["ran"]
    assert fallback.read_bytes() == b"native\n"


async def test_browsing_with_an_unwritable_home(
    tmp_path: Path, small_data_dir: Path, monkeypatch
) -> None:
    """Loading the data and switching panes writes nothing to the data dir."""
    from textual.widgets import TabbedContent

    from movielens_tui.tui.app import PANES, MovieLensApp

    monkeypatch.setenv("MOVIELENS_TUI_HOME", str(_unwritable_home(tmp_path)))
    app = MovieLensApp(data=small_data_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert app.dataset is not None
        for n, (name, _, _) in enumerate(PANES, start=1):
            app.set_focus(None)
            await pilot.press(str(n))
            await pilot.pause()
            assert app.query_one("#tabs", TabbedContent).active == f"tab-{name}"
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
    assert app.return_code in (None, 0)
