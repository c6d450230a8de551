"""Find the dataset: ``--data PATH``, ``MOVIELENS_TUI_DATA``, or the verified download."""

from __future__ import annotations

import os
from pathlib import Path

from movielens_tui.data import registry
from movielens_tui.data.download import Progress, dataset_dir, extract, fetch, file_md5
from movielens_tui.data.movielens import Dataset, load_folder
from movielens_tui.errors import DataError

DATA_ENV = "MOVIELENS_TUI_DATA"


def resolve_folder(
    data: str | Path | None = None,
    name: str = registry.DEFAULT,
    progress: Progress | None = None,
) -> Path:
    """The folder holding the dataset's files, downloading it if nothing local is given."""
    from movielens_tui.paths import cache_dir

    spec = registry.get(name)
    data = data or os.environ.get(DATA_ENV) or None
    if data is None:
        return fetch(spec, cache_dir(), progress)
    path = Path(data).expanduser()
    if path.is_dir():
        nested = path / spec.folder
        if not (path / "u.data").exists() and (nested / "u.data").exists():
            return nested
        return path
    if path.is_file() and path.suffix == ".zip":
        folder = dataset_dir(spec, cache_dir()).parent / f"local-{file_md5(path)[:12]}"
        if not all((folder / spec.folder / r).is_file() for r in spec.required):
            extract(path, spec, folder / spec.folder)
        return folder / spec.folder
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; --data takes an ml-100k folder or zip")
    raise DataError(f"{path}: expected an ml-100k folder or a .zip, got another kind of file")


def load(
    data: str | Path | None = None,
    name: str = registry.DEFAULT,
    progress: Progress | None = None,
) -> Dataset:
    """Resolve and parse the dataset."""
    return load_folder(resolve_folder(data, name, progress), name=name)
