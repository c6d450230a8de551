"""What the app's process sets up around the UI: native stderr to a log, a private
temporary folder, and quitting cleanly on SIGTERM / SIGHUP.

- TensorFlow's C++ logging writes to file descriptor 2; it goes to a log file. When the
  data dir cannot be written (browsing needs no writes), the log goes to the system's
  temporary folder instead, or nowhere, and one line on stderr says so.
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
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

TEMP_FOLDER = "tmp"  # under the cache dir
QUIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_RUN = re.compile(r"run-(\d+)-")
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


_outer_temp: list[str] = []  # the temporary folder from before private_temp_dir, if any


def system_temp_dir() -> Path:
    """The temporary folder of the system (``$TMPDIR``, ``/tmp``), even inside
    :func:`private_temp_dir`, whose folder is removed on the way out."""
    return Path(_outer_temp[-1] if _outer_temp else tempfile.gettempdir())


def _open_log(log_path: Path) -> tuple[int, Path | None, str | None]:
    """A descriptor to append native stderr to, the file it is, and (when that is not
    ``log_path``) one line saying why and where it goes instead."""
    from movielens_tui.files import check_target, write_reason

    try:
        check_target(log_path)  # a folder, device or FIFO in its place
        log_path.parent.mkdir(parents=True, exist_ok=True)
        # non-blocking: a FIFO that appears meanwhile fails at once instead of hanging
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NONBLOCK, 0o666)
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.set_blocking(fd, True)
            return fd, log_path, None
        os.close(fd)
        reason = "not a regular file"
    except OSError as exc:
        reason = write_reason(log_path, exc)
    head = f"movielens-tui: cannot write the log {log_path} ({reason})"
    if hasattr(os, "getuid"):
        fallback = system_temp_dir() / f"movielens-tui-{os.getuid()}.log"
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(fallback, flags, 0o600)
            info = os.fstat(fd)
            if info.st_uid == os.getuid() and stat.S_ISREG(info.st_mode):  # not planted
                os.set_blocking(fd, True)
                return fd, fallback, f"{head}; logging to {fallback} instead"
            os.close(fd)
        except OSError:
            pass
    return os.open(os.devnull, os.O_WRONLY), None, f"{head}; native stderr is discarded"


@contextlib.contextmanager
def native_stderr_to(log_path: Path) -> Iterator[Path | None]:
    """Send file descriptor 2 (TensorFlow's C++ logging) to ``log_path`` meanwhile.

    Textual draws on ``sys.__stderr__``; it is pointed at a duplicate of the
    terminal's descriptor so the screen keeps working while fd 2 goes to the log.
    When ``log_path`` cannot be written (a read-only data dir), the log goes to
    ``movielens-tui-<uid>.log`` in the system's temporary folder, else nowhere, and one
    line on stderr says so before the app starts. Yields the log file (None: none).
    """
    try:
        sys.__stderr__.flush()  # type: ignore[union-attr]
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):
        yield None
        return
    try:
        log_fd, used, note = _open_log(log_path)
    except OSError:  # not even /dev/null: leave fd 2 alone
        os.close(saved)
        yield None
        return
    if note is not None:
        with contextlib.suppress(OSError, ValueError):
            print(note, file=sys.stderr, flush=True)
    old_dunder, old_stderr = sys.__stderr__, sys.stderr
    terminal = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    os.dup2(log_fd, 2)
    os.close(log_fd)
    sys.__stderr__ = sys.stderr = terminal
    try:
        yield used
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
    _outer_temp.append(tempfile.gettempdir())
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = str(path)
    try:
        yield path
    finally:
        _outer_temp.pop()
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
