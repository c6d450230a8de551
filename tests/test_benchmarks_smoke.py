"""Each benchmark script runs with --smoke and writes its section to a temp file.

Times are never asserted: only that the script runs, prints figures and writes its own
marked section (never the real BENCHMARKS.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REAL = REPO / "BENCHMARKS.md"


def run_smoke(script: str, output: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("BENCHMARKS_OUTPUT", None)
    return subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--smoke", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


@pytest.mark.parametrize(
    ("script", "section"),
    [
        ("search_speed.py", "search_speed"),
        ("queries.py", "queries"),
        ("scale.py", "scale"),
        ("startup.py", "startup"),
        ("responsiveness.py", "responsiveness"),
        ("loading.py", "loading"),
    ],
)
def test_benchmark_smoke(script: str, section: str, tmp_path: Path) -> None:
    if script == "startup.py" and shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    before = REAL.read_bytes() if REAL.exists() else None
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nkept text\n", encoding="utf-8")
    proc = run_smoke(script, output)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = output.read_text(encoding="utf-8")
    assert "kept text" in text
    assert f"<!-- {section}:start -->" in text and f"<!-- {section}:end -->" in text
    assert "--smoke" in text and "Machine:" in text
    assert text.count(f"<!-- {section}:start -->") == 1
    assert (REAL.read_bytes() if REAL.exists() else None) == before


def test_rerun_replaces_its_section(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("<!-- search_speed:start -->\nold figures\n<!-- search_speed:end -->\n")
    for _ in range(2):
        assert run_smoke("search_speed.py", output).returncode == 0
    text = output.read_text(encoding="utf-8")
    assert text.count("<!-- search_speed:start -->") == 1
    assert "old figures" not in text and "per keystroke" in text


def test_smoke_without_output_writes_nothing(tmp_path: Path) -> None:
    env = {**os.environ}
    env.pop("BENCHMARKS_OUTPUT", None)
    before = REAL.read_bytes() if REAL.exists() else None
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "search_speed.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "per keystroke" in proc.stdout
    assert (REAL.read_bytes() if REAL.exists() else None) == before
