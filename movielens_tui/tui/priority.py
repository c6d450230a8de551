"""Keep the UI thread ahead of background computation (training, t-SNE) for the CPU.

On Linux the nice value is per thread and inherited by the threads a thread creates, so
lowering it at the start of a background thread also covers the thread pools TensorFlow,
BLAS or scikit-learn start from there. The UI thread keeps its priority: while it has
work (a key press, a repaint) the scheduler runs it first, and training gets the rest.
"""

from __future__ import annotations

import contextlib
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
