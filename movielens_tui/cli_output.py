"""Output helpers shared by the command modules (``cli``, ``cli_models``): a console that
treats a closed pipe as a normal end and never reads markup (styles are given as
``rich.text.Text``), JSON printing, one-line notes. Imports nothing heavy
at module level."""

from __future__ import annotations

import json
import sys
from typing import Any

PROG = "movielens-tui"


def console(stderr: bool = False):  # noqa: ANN201 - rich is imported lazily
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            """Rich would exit 1; a closed pipe (``| head``) is a normal end: exit 0."""
            raise BrokenPipeError

    # markup=False: titles, tags and user fields come from the data files and are printed
    # as text, never as markup ("Four [/] Rooms" must not raise, "[bold red]" must show)
    return _Console(stderr=stderr, highlight=False, markup=False)


def note(message: str) -> None:
    """A one-line note on stderr (e.g. a damaged cache was rebuilt)."""
    print(f"{PROG}: note: {message}", file=sys.stderr)


def print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2, ensure_ascii=False, default=json_default))


def json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
