"""The registry as people see it: each release, its size, and whether it is at hand
(bundled with the app, or already downloaded into the cache)."""

from __future__ import annotations

from typing import Any

from movielens_tui.data import registry
from movielens_tui.data.download import dataset_dir, is_complete


def is_cached(spec: registry.DatasetSpec) -> bool:
    """Whether ``spec`` opens without a download (in the cache, or bundled)."""
    from movielens_tui.paths import cache_dir

    return registry.bundled_zip(spec) is not None or is_complete(
        dataset_dir(spec, cache_dir()), spec
    )


def rows() -> list[dict[str, Any]]:
    """One plain dict per release, in registry order (``datasets --json`` prints these)."""
    out = []
    for spec in registry.REGISTRY.values():
        out.append(
            {
                "name": spec.name,
                "bytes": spec.size,
                "md5": spec.md5,
                "url": spec.url,
                "layout": spec.layout,
                "half_stars": spec.half_stars,
                "demographics": spec.demographics,
                "bundled": registry.bundled_zip(spec) is not None,
                "cached": is_cached(spec),
                "default": spec.name == registry.DEFAULT,
                "summary": spec.summary,
            }
        )
    return out
