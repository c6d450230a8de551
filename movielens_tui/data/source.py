"""Find the dataset: ``--data PATH``, ``MOVIELENS_TUI_DATA``, or the verified download."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from movielens_tui.data import registry
from movielens_tui.data.download import Progress, dataset_dir, extract, fetch, file_md5
from movielens_tui.data.movielens import Dataset, load_folder
from movielens_tui.errors import DataError

DATA_ENV = "MOVIELENS_TUI_DATA"
URL_ENV = "MOVIELENS_TUI_URL"  # a mirror of the same zip (checked against the same MD5)


def resolve_folder(
    data: str | Path | None = None,
    name: str = registry.DEFAULT,
    progress: Progress | None = None,
) -> Path:
    """The folder holding the dataset's files, downloading it if nothing local is given."""
    from movielens_tui.paths import cache_dir

    spec = registry.get(name)
    origin = "--data"
    if not data and os.environ.get(DATA_ENV):
        data, origin = os.environ[DATA_ENV], DATA_ENV
    if not data:
        return fetch(spec, cache_dir(), progress, url=os.environ.get(URL_ENV) or None)
    path = Path(data).expanduser()
    if path.is_dir():
        return _dataset_folder(path, spec)
    if path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        try:
            digest = file_md5(path)
        except OSError as exc:
            raise DataError(f"{path} (from {origin}): cannot read it ({exc.strerror})") from None
        folder = dataset_dir(spec, cache_dir()).parent / f"local-{digest[:12]}"
        if not all((folder / spec.folder / r).is_file() for r in spec.required):
            extract(path, spec, folder / spec.folder)
        return folder / spec.folder
    if not path.exists():
        raise DataError(
            f"{path} (from {origin}): no such file or folder; "
            f"give an {spec.folder} folder or {spec.zip_name}"
        )
    raise DataError(
        f"{path} (from {origin}): expected an {spec.folder} folder or a .zip, "
        "got another kind of file"
    )


def _dataset_folder(path: Path, spec: registry.DatasetSpec) -> Path:
    """``path`` itself, or the one sub-folder (e.g. ``ml-100k/``) that holds the files."""
    marker = spec.required[0]
    if (path / marker).exists():
        return path
    if (path / spec.folder / marker).exists():
        return path / spec.folder
    try:
        candidates = sorted(sub for sub in path.iterdir() if (sub / marker).is_file())
    except OSError:
        return path
    return candidates[0] if len(candidates) == 1 else path


def load(
    data: str | Path | None = None,
    name: str = registry.DEFAULT,
    progress: Progress | None = None,
) -> Dataset:
    """Resolve and parse the dataset."""
    return load_folder(resolve_folder(data, name, progress), name=name)
