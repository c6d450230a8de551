"""Import contracts: domain code never imports textual; start-up never imports TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "movielens_tui"
DOMAIN = ["data", "models", "search.py", "evaluate.py", "my_ratings.py"]


def _domain_files() -> list[Path]:
    files: list[Path] = []
    for name in DOMAIN:
        path = PACKAGE / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return files


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_module_never_imports_textual(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "import textual" not in text and "from textual" not in text
    assert "movielens_tui.tui" not in text and "movielens_tui.cli" not in text


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_help_and_version_skip_heavy_imports() -> None:
    mods = _modules_after(
        "from movielens_tui import cli\n"
        "import contextlib, io\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['--version'])"
    )
    assert "tensorflow" not in mods and "pandas" not in mods


def test_app_module_and_ui_side_models_do_not_import_tensorflow() -> None:
    mods = _modules_after(
        "import movielens_tui.tui.app, movielens_tui.models.scoring, "
        "movielens_tui.models.presets, movielens_tui.models.store"
    )
    assert "tensorflow" not in mods


def test_first_paint_needs_neither_numpy_nor_pandas() -> None:
    """The app module, its panes and the cached counts (the Dataset pane's first paint on
    a cached start) load without numpy or pandas; the dataset job imports them later."""
    mods = _modules_after(
        "import movielens_tui.tui.app\n"
        "from movielens_tui.data import source\n"
        "source.cached_counts()"
    )
    assert not {"numpy", "pandas", "tensorflow"} & mods
