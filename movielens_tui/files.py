"""Reading the user's files defensively: only regular files, never more than a limit.

A device (``/dev/zero``), a FIFO or a socket in place of a data, model or ratings file
would otherwise hang the app or exhaust memory; so would a huge file. Callers turn
these errors into their own one-line messages.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

GIB = 1024**3


class NotARegularFile(OSError):
    """The path is a device, FIFO, socket or folder."""


class TooLarge(OSError):
    """The file holds more bytes than the caller accepts."""


def check_regular(path: Path, limit: int) -> int:
    """The size of ``path`` if it is a regular file of at most ``limit`` bytes.

    Follows symlinks (a link to ``/dev/zero`` is refused like the device itself);
    raises FileNotFoundError, :class:`NotARegularFile` or :class:`TooLarge`.
    """
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "is a folder", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFile(f"{path} is {_kind(info.st_mode)}, not a regular file")
    if info.st_size > limit:
        raise TooLarge(f"{path} holds {info.st_size:,} bytes, more than {limit:,}")
    return info.st_size


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`check_regular`)."""
    check_regular(path, limit)
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew after the check
        raise TooLarge(f"{path} holds more than {limit:,} bytes")
    return data


def describe(exc: OSError) -> str:
    """A short reason for a refused file ("is a FIFO, not a regular file")."""
    if isinstance(exc, NotARegularFile | TooLarge):
        text = str(exc)
        return text.split(" ", 1)[1] if " " in text else text
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: Path) -> None:
    """Refuse to write over ``path`` if it exists and is not a regular file.

    ``os.replace`` over a folder fails, and over a device or FIFO it replaces the node
    itself (as root, ``/dev/null`` would become a model file). Raises
    ``IsADirectoryError`` or :class:`NotARegularFile`; a missing path is fine.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "is a folder", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFile(f"{path} is {_kind(info.st_mode)}, not a regular file")


def atomic_write(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so a crash or a failed write leaves the old file.

    Writes a temporary file beside ``path``, syncs it, then renames it over ``path``;
    refuses a ``path`` that is a folder, device or FIFO (:func:`check_target`), both
    before writing and just before the rename. On any error the temporary file is
    removed and the error is raised (an ``OSError``: see :func:`write_reason`).
    """
    import tempfile

    check_target(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where the folder should be
        raise NotADirectoryError(20, "is not a folder", str(folder)) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        check_target(path)  # it may have become a folder or FIFO meanwhile
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reason(path: Path, exc: OSError) -> str:
    """Why writing ``path`` failed, in a few words ("no space left on device",
    "/x/models is not a folder", "is a FIFO (named pipe), not a regular file")."""
    if isinstance(exc, NotARegularFile | TooLarge):
        return describe(exc)
    reason = exc.strerror or str(exc) or type(exc).__name__
    reason = reason[:1].lower() + reason[1:]
    where = Path(str(exc.filename)) if exc.filename is not None else path
    if isinstance(exc, NotADirectoryError):  # name the file that stands where a folder should
        blocker = next((p for p in (where, *where.parents) if p.is_file()), None)
        if blocker is not None:
            return f"{blocker} is a file, not a folder"
    if where == path:  # the target itself, or a write that names no file (a full disk)
        return reason
    if where.parent == path.parent:  # the temporary file beside the target
        return f"cannot create a file in {path.parent}: {reason}"
    return f"{where} {reason}" if reason.startswith("is ") else f"{where}: {reason}"
