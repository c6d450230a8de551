"""What the app's process sets up around the UI: native stderr to a log, a private
temporary folder, and quitting cleanly on SIGTERM / SIGHUP.

- TensorFlow's C++ logging writes to file descriptor 2; it goes to a log file.
- TensorFlow's autograph writes ``__autograph_generated_file*.py`` to the temporary
  folder and removes them at interpreter exit, which ``run_app`` skips (``os._exit``,
  to leave without TensorFlow's slow teardown): five files in ``$TMPDIR`` per run of
  ``softmax``. The process uses a private folder under the cache dir instead, removed
  on the way out (and, for a run that was killed, by the next one).
- SIGTERM and SIGHUP are handled like ctrl+q (cancel the workers, then Textual puts the
  terminal back: echo, main screen, no mouse reporting, cursor shown).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

TEMP_FOLDER = "tmp"  # under the cache dir
QUIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_RUN = re.compile(r"run-(\d+)-")


@contextlib.contextmanager
def native_stderr_to(log_path: Path) -> Iterator[None]:
    """Send file descriptor 2 (TensorFlow's C++ logging) to ``log_path`` meanwhile.

    Textual draws on ``sys.__stderr__``; it is pointed at a duplicate of the
    terminal's descriptor so the screen keeps working while fd 2 goes to the log.
    """
    try:
        sys.__stderr__.flush()  # type: ignore[union-attr]
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    old_dunder, old_stderr = sys.__stderr__, sys.stderr
    terminal = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 2)
    sys.__stderr__ = sys.stderr = terminal
    try:
        yield
    finally:
        terminal.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.__stderr__, sys.stderr = old_dunder, old_stderr
        terminal.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists
        return True
    return True


def remove_stale_temp(root: Path) -> None:
    """Remove the private folders of earlier runs whose process is gone."""
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for entry in entries:
        found = _RUN.match(entry.name)
        if found and int(found.group(1)) != os.getpid() and not _pid_alive(int(found.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def private_temp_dir(root: Path) -> Iterator[Path | None]:
    """Point ``tempfile`` (and ``$TMPDIR`` for child processes) at a new folder under
    ``root`` meanwhile; remove it afterwards. Yields None (nothing changed) when
    ``root`` cannot be written."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        remove_stale_temp(root)
        path = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=root))
    except OSError:
        yield None
        return
    old_env, old_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = str(path)
    try:
        yield path
    finally:
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        remove_private(path)


def remove_private(path: Path) -> None:
    """Remove a private temp folder, and the folder above it if no other run's is left."""
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def terminal_gone() -> bool:
    """Whether the process has lost its terminal (hung up: ``/dev/tty`` cannot be opened)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return True
    os.close(fd)
    return False


def install_quit_signals(loop: object, quit: Callable[[int], object]) -> Callable[[], None]:
    """Call ``quit(signum)`` on the event loop on SIGTERM / SIGHUP; returns the undo.

    Only where the loop supports it (the main thread, Unix); elsewhere a no-op.
    """
    installed: list[int] = []
    add = getattr(loop, "add_signal_handler", None)
    for signum in QUIT_SIGNALS:
        try:
            add(signum, quit, signum)  # type: ignore[misc]
        except (NotImplementedError, RuntimeError, ValueError, TypeError, OSError):
            continue
        installed.append(signum)

    def undo() -> None:
        for signum in installed:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)  # type: ignore[attr-defined]

    return undo
