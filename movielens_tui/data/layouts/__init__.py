"""One loader per MovieLens file layout, all returning the same :class:`Dataset`.

- ``100k``: ml-100k's ``u.*`` files (:mod:`.u_files`);
- ``dat``: ml-1m and ml-10m's ``::``-separated ``.dat`` files (:mod:`.dat_files`);
- ``csv``: ml-latest-small, ml-20m, ml-25m and ml-32m (:mod:`.csv_files`);
- ``ratings-csv``: a plain ratings CSV of your own (:mod:`.ratings_csv`).

The registry entry names its layout; nothing downstream asks which one it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from movielens_tui.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.data.registry import DatasetSpec


def _module(layout: str):  # noqa: ANN202 - a loader module
    if layout == "100k":
        from movielens_tui.data.layouts import u_files as module
    elif layout == "dat":
        from movielens_tui.data.layouts import dat_files as module
    elif layout == "csv":
        from movielens_tui.data.layouts import csv_files as module
    elif layout == "ratings-csv":
        from movielens_tui.data.layouts import ratings_csv as module
    else:
        raise DataError(f"unknown dataset layout {layout!r}")
    return module


def load(folder: Path, spec: DatasetSpec) -> Dataset:
    """Parse and validate ``folder`` as a release of ``spec``'s layout."""
    folder = Path(folder)
    if spec.layout == "ratings-csv":
        return _module(spec.layout).load(folder, spec)
    if not folder.is_dir():
        raise DataError(
            f"{folder}: not a folder; pass an {spec.folder} folder or {spec.zip_name} with --data"
        )
    return _module(spec.layout).load(folder, spec)


def read_ratings(path: Path, dataset: Dataset) -> pd.DataFrame:
    """A ratings file in ``dataset``'s own layout (e.g. ``u1.base``, a ``ratings.csv``
    subset), checked against its users, movies and rating scale."""
    return _module(dataset.layout).read_ratings(Path(path), dataset)
