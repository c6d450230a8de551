"""Start-up never imports TensorFlow (nor numpy / pandas before the first paint). That
domain code never imports textual is import-linter's forbidden contract
(``test_import_contract.py``)."""

from __future__ import annotations

import subprocess
import sys


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
