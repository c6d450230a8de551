"""Smoke run of benchmarks/accuracy.py on tiny generated data (as CI does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"


def test_accuracy_smoke_writes_its_section(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\n<!-- other:start -->\nkeep me\n<!-- other:end -->\n")
    raw = tmp_path / "rows.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("BENCHMARKS_OUTPUT", None)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--presets", "ease,ease:regularization=50",
         "--folds", "1,2", "--output", str(out), "--json", str(raw)],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    text = out.read_text()
    assert "keep me" in text
    section = text[text.index("<!-- accuracy:start -->") : text.index("<!-- accuracy:end -->")]
    assert "| ease |" in section and "| ease (regularization=50) |" in section
    assert "| popularity |" in section and "Machine:" in section and "--smoke" in section
    assert "failed" not in section
    rows = {r["label"]: r for r in json.loads(raw.read_text())}
    assert len(rows["ease"]["per_fold"]) == 2
    assert 0.0 < rows["popularity"]["per_fold"][0]["precision_at_10"] <= 1.0
