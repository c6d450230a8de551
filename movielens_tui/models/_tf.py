"""The one place TensorFlow is imported: quietly, lazily, with sensible thread limits.

``TF_CPP_MIN_LOG_LEVEL=3`` is set before the import so TF's C++ logs never reach stderr;
absl and the ``tensorflow`` Python logger are silenced too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from types import ModuleType

_lock = threading.Lock()
_tf: ModuleType | None = None


def tf() -> ModuleType:
    """Import and configure TensorFlow once; return the module."""
    global _tf
    if _tf is not None:
        return _tf
    with _lock:
        if _tf is None:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
            onednn = os.environ.get("MOVIELENS_TUI_ONEDNN", "0")
            os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", onednn)
            os.environ.setdefault("KERAS_BACKEND", "tensorflow")
            with _stderr_silenced():
                import tensorflow as tensorflow_module

            logging.getLogger("tensorflow").setLevel(logging.ERROR)
            try:
                from absl import logging as absl_logging

                absl_logging.set_verbosity(absl_logging.ERROR)
            except ImportError:  # pragma: no cover - absl ships with TF
                pass
            _limit_threads(tensorflow_module)
            _tf = tensorflow_module
    return _tf


# TF's C++ start-up lines: "WARNING: All log messages before absl::InitializeLog() ..."
# and absl-format lines such as "I0000 00:00:1795916270.375931    6022 cudart_stub.cc:31] ...".
_TF_LOG_LINES = re.compile(
    rb"WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    rb"STDERR\r?\n|[IWEF]\d{4} [\d:.]+ +\d+ [\w.-]+:\d+\] [^\n]*\n"
)


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Capture file descriptor 2 for the duration; replay it without TF's log lines.

    TF 2.21 prints absl "I0000 ... cudart_stub" lines before it reads TF_CPP_MIN_LOG_LEVEL.
    Textual draws on stderr, so what the app wrote meanwhile is written back afterwards
    instead of being lost.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to protect
        yield
        return
    capture = tempfile.TemporaryFile()
    try:
        _flush_stderr()
        os.dup2(capture.fileno(), 2)
        yield
    finally:
        _flush_stderr()
        os.dup2(saved, 2)
        os.close(saved)
        capture.seek(0)
        kept = _TF_LOG_LINES.sub(b"", capture.read())
        capture.close()
        if kept:
            try:
                os.write(2, kept)
            except OSError:
                pass


def _flush_stderr() -> None:
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def _limit_threads(tensorflow_module: ModuleType) -> None:
    """Use the machine's cores for ops but do not oversubscribe (UI thread stays responsive)."""
    cores = os.cpu_count() or 1
    intra = int(os.environ.get("MOVIELENS_TUI_TF_THREADS", cores))
    try:
        tensorflow_module.config.threading.set_intra_op_parallelism_threads(intra)
        tensorflow_module.config.threading.set_inter_op_parallelism_threads(min(2, cores))
    except RuntimeError:  # already initialised by someone else: keep their settings
        pass
