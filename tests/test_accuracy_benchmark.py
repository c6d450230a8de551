"""Smoke run of benchmarks/accuracy.py on tiny generated data (as CI does)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"


def _section(text: str, name: str) -> str:
    return text[text.index(f"<!-- {name}:start -->") : text.index(f"<!-- {name}:end -->")]


def test_accuracy_smoke_writes_its_sections(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\n<!-- other:start -->\nkeep me\n<!-- other:end -->\n")
    raw = tmp_path / "rows.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("BENCHMARKS_OUTPUT", None)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke",
         "--presets", "biased-mf,ease,ease:regularization=50", "--folds", "1,2",
         "--output", str(out), "--json", str(raw)],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    text = out.read_text()
    assert "keep me" in text
    for name in ("accuracy", "accuracy_latest_small"):
        section = _section(text, name)
        assert "| ease |" in section and "| ease (regularization=50) |" in section
        assert "| biased-mf |" in section and "| popularity |" in section
        assert "Machine:" in section and "--smoke" in section
        assert "failed" not in section
    small = _section(text, "accuracy_latest_small")
    assert "ml-latest-small-layout" in small and "| fold1 |" in small
    assert "| u1 |" in _section(text, "accuracy")
    rows = json.loads(raw.read_text())
    assert {r["dataset"] for r in rows} == {"ml-100k", "ml-latest-small"}
    for dataset in ("ml-100k", "ml-latest-small"):
        by_label = {r["label"]: r for r in rows if r["dataset"] == dataset}
        assert len(by_label["ease"]["per_fold"]) == 2
        assert 0.0 < by_label["popularity"]["per_fold"][0]["precision_at_10"] <= 1.0
    if any(r["label"] == "Surprise SVD" for r in rows):  # Surprise installed
        small = _section(text, "accuracy_latest_small")
        assert "rating_scale=(0.5, 5)" in small and "Where the gain holds" in small


def _accuracy_module():
    spec = importlib.util.spec_from_file_location("accuracy_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_latest_small_folds_are_splits_kfold_seed_0(tmp_path: Path) -> None:
    """Our models and Surprise read the same rows: the chosen folds of splits.kfold."""
    from movielens_tui.data import splits

    accuracy = _accuracy_module()
    dataset = accuracy.smoke_dataset(tmp_path, "ml-latest-small")
    assert dataset.scale.low == 0.5 and dataset.scale.half_stars
    protocol = accuracy.protocol_for("ml-latest-small", [1, 3])
    chosen = list(protocol.splits(dataset, 0))
    expected = splits.kfold(dataset.ratings, 5, 0)
    assert [name for name, _, _ in chosen] == ["fold1", "fold3"]
    for (_, train, test), (exp_train, exp_test) in zip(
        chosen, [expected[0], expected[2]], strict=True
    ):
        assert train.index.equals(exp_train.index) and test.index.equals(exp_test.index)
    assert "seeded 5-fold (seed 0), folds 1,3" == protocol.describe(dataset, 0)
