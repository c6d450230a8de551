"""Control characters in the data files: stripped as a file is decoded, and counted.

A title, tag or user field holding ``\\x1b]0;PWNED\\x07\\x1b[2J`` would otherwise set the
terminal's window title and clear the screen wherever it is printed (``stats``,
``neighbors``, the app). Every C0 control but tab, newline and carriage return (which
are the files' structure), DEL and the C1 controls (U+0080-U+009F, which a latin-1
decode of stray bytes produces; U+009B is a one-byte CSI) are removed. The counts per
file are collected while a dataset is parsed (:func:`collecting`) so the loader can say
how many it removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_counts: ContextVar[dict[str, int] | None] = ContextVar("control_char_counts", default=None)


def strip_controls(text: str, filename: str = "") -> str:
    """``text`` without control characters; the number removed is recorded for
    ``filename`` while :func:`collecting` is active."""
    cleaned, removed = CONTROL.subn("", text)
    if removed:
        counts = _counts.get()
        if counts is not None:
            counts[filename] = counts.get(filename, 0) + removed
    return cleaned


@contextmanager
def collecting() -> Iterator[dict[str, int]]:
    """Collect {filename: characters removed} for the files decoded inside the block."""
    counts: dict[str, int] = {}
    token = _counts.set(counts)
    try:
        yield counts
    finally:
        _counts.reset(token)


def describe(counts: dict[str, int]) -> str:
    """One line: "removed 3 control characters from u.item (terminal escapes)"."""
    from pathlib import Path

    total = sum(counts.values())
    files = ", ".join(f"{Path(name).name} ({n})" for name, n in sorted(counts.items()))
    noun = "character" if total == 1 else "characters"
    return (
        f"removed {total} control {noun} (terminal escapes) from {files}; "
        "the rest of each line was kept"
    )
