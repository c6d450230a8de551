"""TensorFlow is imported quietly: nothing of TF's start-up logging reaches stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("tensorflow")

from movielens_tui.models._tf import _TF_LOG_LINES  # noqa: E402


def test_log_line_filter_keeps_other_output() -> None:
    raw = (
        b"\x1b[2Jframe"
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        b"I0000 00:00:1795916270.375931    6022 cudart_stub.cc:31] Could not find cuda drivers\n"
        b"E0000 00:00:1795916272.019716    6022 port.cc:153] oneDNN custom operations are on.\n"
        b"more frame\n"
    )
    assert _TF_LOG_LINES.sub(b"", raw) == b"\x1b[2Jframemore frame\n"


def test_import_and_train_step_print_nothing_to_stderr() -> None:
    code = (
        "import sys\n"
        "sys.stderr.write('mine\\n')\n"
        "from movielens_tui.models._tf import tf\n"
        "t = tf()\n"
        "print(float(t.reduce_sum(t.ones([3]))))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0
    assert out.stdout.strip() == "3.0"
    assert out.stderr == "mine\n"
