"""The import-linter contracts in pyproject.toml hold: the layers (tui | cli > evaluate >
models > data) and domain code forbidden textual; every ``movielens_tui.cli*`` module
is in the top layer, and the old cycles (cli <-> cli_models, models.ease -> evaluate ->
models.trainer) stay broken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("importlinter")
grimp = pytest.importorskip("grimp")
tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def _contract() -> dict:
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    return layers


def test_layers_contract_is_kept() -> None:
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "importlinter.cli"]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "2 kept, 0 broken" in out.stdout


def test_domain_code_is_forbidden_the_ui_toolkit() -> None:
    """Replaces the old text grep: import-linter sees every import, lazy ones included."""
    (forbidden,) = [c for c in _contracts() if c["type"] == "forbidden"]
    domain = {p.stem for p in (ROOT / "movielens_tui").iterdir()} - {
        "tui", "cli", "cli_models", "cli_output", "cli_tables", "__init__", "__main__",
        "__pycache__",
    }  # fmt: skip
    sources = {m.removeprefix("movielens_tui.") for m in forbidden["source_modules"]}
    assert {"data", "models", "evaluate", "search", "my_ratings", "compare"} <= sources
    assert {"textual", "movielens_tui.tui"} <= set(forbidden["forbidden_modules"])
    assert sources <= domain


def test_contract_layers_and_every_cli_module() -> None:
    layers = [[m.strip() for m in layer.split(":")] for layer in _contract()["layers"]]
    assert layers[1:] == [["movielens_tui.evaluate"], ["movielens_tui.models"],
                          ["movielens_tui.data"]]  # fmt: skip
    cli_modules = {f"movielens_tui.{p.stem}" for p in (ROOT / "movielens_tui").glob("cli*.py")}
    assert "movielens_tui.tui" in layers[0]
    assert cli_modules <= set(layers[0]), cli_modules - set(layers[0])


def test_former_cycles_are_gone() -> None:
    graph = grimp.build_graph("movielens_tui")
    for importer, imported in (
        ("movielens_tui.cli_models", "movielens_tui.cli"),
        ("movielens_tui.models.ease", "movielens_tui.evaluate"),
    ):
        assert graph.find_shortest_chain(importer=importer, imported=imported) is None
