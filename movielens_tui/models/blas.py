"""One BLAS thread for the interactive queries (neighbours, recommendations).

A query is one matrix-vector product over the catalogue: at ml-32m's 87,585 movies × 64
dims OpenBLAS's two threads take about 8 ms for it, one thread 0.8 ms (the threads'
hand-off costs more than the product; ``benchmarks/queries.py``). Fits keep every thread.
The limit is set by the first query in and restored by the last one out (nested uses are
safe). It is applied on the main thread only, where the app's and the CLI's queries run:
OpenBLAS's thread count read from another thread is not the global one, so a worker
thread could not restore it correctly; there the block runs as before. Without
threadpoolctl it is a no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

_lock = threading.Lock()
_depth = 0
_restore: list[tuple[object, int]] = []


@lru_cache(maxsize=1)
def _blas_libraries() -> tuple:
    """threadpoolctl's controllers of the loaded BLAS libraries (numpy's OpenBLAS)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return ()
    import numpy  # noqa: F401 - its BLAS must be loaded to be found

    return tuple(lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas")


@contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with BLAS limited to one thread (main thread; nested uses are safe).

    Sets the libraries' thread counts directly (about a microsecond): a reused
    ``ThreadpoolController.limit`` does not apply a limit a second time."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield  # OpenBLAS's counts read and set from other threads are not the global ones
        return
    with _lock:
        if _depth == 0:
            for lib in _blas_libraries():
                _restore.append((lib, lib.get_num_threads()))
                lib.set_num_threads(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                while _restore:
                    lib, threads = _restore.pop()
                    lib.set_num_threads(threads)
