"""What the app remembers between runs (last pane, dataset, measure, k, preset, theme).

A small JSON file in the user config dir (``platformdirs.user_config_path``), or in the
folder ``MOVIELENS_TUI_CONFIG`` names (else ``<MOVIELENS_TUI_HOME>/config`` when that is
set); written atomically. A file that cannot be read
is moved aside (never deleted) and reported in one line; the defaults are used instead.
No Textual here: the app reads and writes these plain values.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from movielens_tui.paths import APP_NAME, atomic_write_bytes

CONFIG_ENV = "MOVIELENS_TUI_CONFIG"
FILE_NAME = "settings.json"
KEYS: dict[str, type] = {
    "pane": str,
    "dataset": str,
    "measure": str,
    "k": int,
    "preset": str,
    "theme": str,
}


def config_dir() -> Path:
    """The config folder; override with ``MOVIELENS_TUI_CONFIG``. With only
    ``MOVIELENS_TUI_HOME`` set (tests, a private data folder) it is ``<home>/config``,
    so such a run never reads or changes the user's own settings."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    home = os.environ.get("MOVIELENS_TUI_HOME")
    if home:
        return Path(home) / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def _clean(raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    out: dict[str, Any] = {}
    for key, kind in KEYS.items():
        value = raw.get(key)
        if isinstance(value, kind) and not isinstance(value, bool):
            out[key] = value
    return out


def load(path: Path | None = None) -> tuple[dict[str, Any], str | None]:
    """The remembered values (only known keys of the right type) and a one-line warning
    (None: fine). A corrupt file is renamed ``settings.json.corrupt-<time>``."""
    path = path or settings_path()
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, f"Settings not read ({path}: {exc.strerror or exc}); using defaults"
    try:
        return _clean(json.loads(payload.decode("utf-8"))), None
    except (ValueError, UnicodeDecodeError) as exc:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
        except OSError:
            return {}, f"Settings file {path} is corrupt ({exc}); using defaults"
        return {}, f"Settings file was corrupt ({exc}); moved to {aside}; using defaults"


def save(values: dict[str, Any], path: Path | None = None) -> None:
    """Write the known keys of ``values`` atomically (raises OSError)."""
    path = path or settings_path()
    clean = {k: v for k, v in _clean(values).items()}
    atomic_write_bytes(path, (json.dumps(clean, indent=2, sort_keys=True) + "\n").encode())
