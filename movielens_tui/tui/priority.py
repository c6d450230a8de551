"""Keep the UI thread responsive while background threads compute (training, t-SNE).

CPU: on Linux the nice value is per thread and inherited by the threads a thread creates, so
lowering it at the start of a background thread also covers the thread pools TensorFlow,
BLAS or scikit-learn start from there. The UI thread keeps its priority: while it has
work (a key press, a repaint) the scheduler runs it first, and training gets the rest.

Garbage collection: once TensorFlow is loaded the heap holds millions of objects, and
each full collection (which stops every thread, whichever one triggers it) took 0.2-0.7 s,
the longest pauses of the screen during training. :func:`freeze_heap` moves the objects
that exist by then (modules, traced functions, the dataset) out of the collector's
reach, so later collections only walk what was allocated since.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading

BACKGROUND_NICE = 10  # 0 is normal; 19 the lowest priority


def lower_thread_priority(increment: int = BACKGROUND_NICE) -> None:
    """Lower the calling thread's CPU priority (no-op where threads cannot be reniced)."""
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None or not hasattr(threading, "get_native_id"):
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        setpriority(os.PRIO_PROCESS, tid, min(19, current + increment))


def freeze_heap() -> None:
    """Exclude every object alive now from future garbage collections (``gc.freeze``).

    Called once the long-lived objects exist: after the dataset loads and after
    TensorFlow is imported and the training step traced (the first progress report).
    """
    gc.freeze()
