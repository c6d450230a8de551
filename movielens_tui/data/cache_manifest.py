"""The columnar cache's manifest: what it is, what it was made from, its counts.

Kept apart from :mod:`movielens_tui.data.columnar` so reading the counts imports neither
numpy nor pandas (the app shows them before either has loaded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "movielens-tui-columnar"
VERSION = 2
FOLDER = f"columnar-v{VERSION}"
MANIFEST = "manifest.json"


class StaleCache(Exception):
    """The cache is missing, from another source or version, or damaged (the reason)."""


@dataclass(frozen=True)
class Manifest:
    """What the cache says about itself (read without numpy arrays or pandas)."""

    key: str
    name: str
    n_users: int
    n_movies: int
    n_ratings: int
    raw: dict[str, Any]


def read_manifest(folder: Path, key: str) -> Manifest:
    """The cache's manifest if it is this version and made from ``key``."""
    try:
        raw = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StaleCache("no cache yet") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise StaleCache(f"its manifest is unreadable ({type(exc).__name__})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise StaleCache("its manifest is not a movielens-tui cache")
    if raw.get("version") != VERSION:
        raise StaleCache(f"it is format version {raw.get('version')!r}, not {VERSION}")
    if raw.get("key") != key:
        raise StaleCache("it was made from other source files")
    try:
        counts = raw["counts"]
        return Manifest(key, str(raw["dataset"]["name"]), int(counts["users"]),
                        int(counts["movies"]), int(counts["ratings"]), raw)  # fmt: skip
    except (KeyError, TypeError, ValueError):
        raise StaleCache("its manifest lacks the counts") from None
