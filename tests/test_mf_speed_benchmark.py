"""Smoke test of benchmarks/mf_speed.py: one variant on tiny generated data, in-process."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mf_speed.py"


def test_mf_speed_smoke_prints_a_table_row(capsys) -> None:
    spec = importlib.util.spec_from_file_location("mf_speed", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--smoke", "--only", "(now)"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| XLA gather-and-dot")]
    assert len(rows) == 2 and "(now)" in rows[0] and "(gather)" in rows[0]
    assert rows[1].startswith("| XLA gather-and-dot (predictions at the ratings) |")  # kernels
    assert "| sparse-dense matmul residual·V (user gradient) |" in out
    work = module.step_work(943, 1682, 90_000, 30)
    assert work["dense_flops"] > 5 * work["gather_flops"]
