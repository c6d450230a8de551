"""Find the dataset: ``--data PATH``, ``MOVIELENS_TUI_DATA``, the bundled copy, or the
verified download; then parse it with its layout's loader."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from movielens_tui.data import layouts, registry
from movielens_tui.data.download import (
    Progress,
    dataset_dir,
    extract,
    fetch,
    file_md5,
    is_complete,
)
from movielens_tui.data.layouts import ratings_csv
from movielens_tui.data.movielens import Dataset
from movielens_tui.errors import DataError, DownloadError

DATA_ENV = "MOVIELENS_TUI_DATA"
URL_ENV = "MOVIELENS_TUI_URL"  # a mirror of the same zip (checked against the same MD5)


def resolve_folder(
    data: str | Path | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """The folder holding the dataset's files, downloading it if nothing local is given.

    With ``name`` None, a local ``data`` path's release is recognised from its folder
    name or its files; without ``data`` it is the default, ml-100k.
    """
    return _resolve(data, name, progress)[0]


def _resolve(
    data: str | Path | None, name: str | None, progress: Progress | None
) -> tuple[Path, registry.DatasetSpec]:
    from movielens_tui.paths import cache_dir

    origin = "--data"
    if not data and os.environ.get(DATA_ENV):
        data, origin = os.environ[DATA_ENV], DATA_ENV
    if not data:
        spec = registry.get(name or registry.DEFAULT)
        bundled = registry.bundled_zip(spec)
        if bundled is not None:
            return _from_zip(bundled, spec, dataset_dir(spec, cache_dir())), spec
        folder = fetch(spec, cache_dir(), progress, url=os.environ.get(URL_ENV) or None)
        return folder, spec
    path = Path(data).expanduser()
    if not name and path.is_file() and ratings_csv.looks_like_ratings_csv(path):
        return path, ratings_csv.spec_for(path)
    spec = registry.get(name) if name else detect(path)
    if path.is_dir():
        return _dataset_folder(path, spec), spec
    if path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        try:
            digest = file_md5(path)
        except OSError as exc:
            raise DataError(f"{path} (from {origin}): cannot read it ({exc.strerror})") from None
        target = dataset_dir(spec, cache_dir()).parent / f"local-{digest[:12]}" / spec.folder
        return _from_zip(path, spec, target), spec
    if not path.exists():
        raise DataError(
            f"{path} (from {origin}): no such file or folder; "
            f"give an {spec.folder} folder or {spec.zip_name}"
        )
    raise DataError(
        f"{path} (from {origin}): expected an {spec.folder} folder, a .zip or a ratings .csv, "
        "got another kind of file"
    )


def _from_zip(zip_path: Path, spec: registry.DatasetSpec, target: Path) -> Path:
    """``zip_path`` extracted (once) into ``target`` in the cache."""
    if not is_complete(target, spec):
        extract(zip_path, spec, target)
    return target


def detect(path: Path) -> registry.DatasetSpec:
    """The release a local folder or zip holds: by its name, else by its files."""
    stem = path.name.removesuffix(".zip").lower()
    for spec in registry.REGISTRY.values():
        if stem in (spec.name.lower(), spec.folder.lower()):
            return spec
    named = _readme_name(path)
    if named in registry.REGISTRY:
        return registry.get(named)
    names = _member_names(path)
    if "u.data" in names:
        return registry.get("ml-100k")
    if "ratings.dat" in names:
        return registry.get("ml-1m" if "users.dat" in names else "ml-10m")
    if "ratings.csv" in names:
        return registry.get("ml-latest-small")
    return registry.get(registry.DEFAULT)


_README_NAME = re.compile(rb"This dataset \((ml-[\w-]+)\)")


def _readme_name(path: Path) -> str | None:
    """The release a folder's README.txt names ("This dataset (ml-25m) describes ...")."""
    for readme in (path / "README.txt", *path.glob("*/README.txt")) if path.is_dir() else ():
        try:
            with open(readme, "rb") as handle:
                found = _README_NAME.search(handle.read(4096))
        except OSError:
            continue
        if found:
            return found.group(1).decode("ascii").lower()
    return None


def _member_names(path: Path) -> set[str]:
    """File names in ``path`` (a folder, its one sub-folder, or a zip), without folders."""
    try:
        if path.is_dir():
            names = {p.name for p in path.iterdir()}
            subs = [p for p in path.iterdir() if p.is_dir()]
            if len(subs) == 1:
                names |= {p.name for p in subs[0].iterdir()}
            return names
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return {Path(n).name for n in archive.namelist()}
    except (OSError, zipfile.BadZipFile):
        pass
    return set()


def _dataset_folder(path: Path, spec: registry.DatasetSpec) -> Path:
    """``path`` itself, or the one sub-folder (e.g. ``ml-100k/``) that holds the files."""
    marker = spec.marker
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
    name: str | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Resolve and parse the dataset."""
    folder, spec = _resolve(data, name, progress)
    return layouts.load(folder, spec)


def offline_hint(name: str) -> str:
    """How to get ``name`` without the network, and the bundled alternative."""
    spec = registry.get(name)
    fallback = registry.get(registry.OFFLINE_FALLBACK)
    return (
        f"to get {spec.name}, pass --data PATH (an {spec.folder} folder or {spec.zip_name}), "
        f"set {DATA_ENV}, or connect to the network; or use --dataset {fallback.name}, "
        "which ships with the app"
    )


def load_or_fallback(
    data: str | Path | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> tuple[Dataset, str | None]:
    """Like :func:`load`, but when the default download fails with nothing local given,
    open the bundled release instead. Returns the dataset and a one-line notice saying
    so (None when nothing was swapped)."""
    try:
        return load(data, name, progress), None
    except DownloadError as exc:
        if data or os.environ.get(DATA_ENV) or (name and name != registry.DEFAULT):
            raise
        fallback = registry.OFFLINE_FALLBACK
        notice = (
            f"Opened the bundled {fallback}: {registry.DEFAULT} could not be downloaded "
            f"({_short(str(exc))}); {offline_hint(registry.DEFAULT).split('; or')[0]}"
        )
        return load(None, fallback), notice


def _short(reason: str) -> str:
    """The reason part of a download error (before its own hint)."""
    return reason.split(";")[0].strip()
