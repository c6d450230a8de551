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
