"""Find the dataset: ``--data PATH``, ``MOVIELENS_TUI_DATA``, the bundled copy, or the
verified download; then open it from its columnar cache, or parse it with its layout's
loader and write that cache (:mod:`movielens_tui.data.columnar`).

Importing this module imports neither pandas nor numpy, so :func:`cached_counts` can
show a cached release's counts before either is loaded.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from movielens_tui.data import layouts, registry
from movielens_tui.data.cache_manifest import FOLDER as COLUMNAR
from movielens_tui.data.download import (
    Progress,
    dataset_dir,
    extract,
    fetch,
    file_md5,
    is_complete,
)
from movielens_tui.errors import DataError, DownloadError

if TYPE_CHECKING:
    from movielens_tui.data.cache_manifest import Manifest
    from movielens_tui.data.movielens import Dataset

DATA_ENV = "MOVIELENS_TUI_DATA"
URL_ENV = "MOVIELENS_TUI_URL"  # a mirror of the same zip (checked against the same MD5)
NO_CACHE_ENV = "MOVIELENS_TUI_NO_CACHE"  # set to parse every time (no columnar cache)
Notify = Callable[[str], None]


class Resolved(NamedTuple):
    """Where a dataset's files are, which release they are, and its cache."""

    folder: Path
    spec: registry.DatasetSpec
    key: str  # identifies the source bytes; the columnar cache must carry the same
    cache: Path  # the columnar cache folder
    extracted: bool = False  # ``folder`` was extracted from a zip by this call


def resolve_folder(
    data: str | Path | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """The folder holding the dataset's files, downloading it if nothing local is given.

    With ``name`` None, a local ``data`` path's release is recognised from its folder
    name or its files; without ``data`` it is the default, ml-100k.
    """
    return resolve(data, name, progress).folder


def resolve(
    data: str | Path | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> Resolved:
    """Find (and download, if needed) the dataset's files; see :class:`Resolved`."""
    from movielens_tui.paths import cache_dir

    origin = "--data"
    if not data and os.environ.get(DATA_ENV):
        data, origin = os.environ[DATA_ENV], DATA_ENV
    if not data:
        spec = registry.get(name or registry.DEFAULT)
        home = dataset_dir(spec, cache_dir())
        bundled = registry.bundled_zip(spec)
        fresh = not is_complete(home, spec)
        if bundled is not None:
            folder = _from_zip(bundled, spec, home)
        else:
            folder = fetch(spec, cache_dir(), progress, url=os.environ.get(URL_ENV) or None)
        key = f"{spec.name}:md5:{spec.md5}"
        return Resolved(folder, spec, key, home.parent / COLUMNAR, fresh)
    from movielens_tui.data.layouts import ratings_csv

    path = Path(data).expanduser()
    if not name and path.is_file() and ratings_csv.looks_like_ratings_csv(path):
        spec = ratings_csv.spec_for(path)
        return Resolved(path, spec, *_local_cache(spec, [path]))
    spec = registry.get(name) if name else detect(path)
    if path.is_dir():
        folder = _dataset_folder(path, spec)
        files = [folder / f for f in (*spec.required, *spec.optional) if (folder / f).is_file()]
        return Resolved(folder, spec, *_local_cache(spec, files))
    if path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        try:
            digest = file_md5(path)
        except OSError as exc:
            raise DataError(f"{path} (from {origin}): cannot read it ({exc.strerror})") from None
        target = dataset_dir(spec, cache_dir()).parent / f"local-{digest[:12]}" / spec.folder
        fresh = not is_complete(target, spec)
        folder = _from_zip(path, spec, target)
        key = f"{spec.name}:zip-md5:{digest}"
        return Resolved(folder, spec, key, target.parent / COLUMNAR, fresh)
    if not path.exists():
        raise DataError(
            f"{path} (from {origin}): no such file or folder; "
            f"give an {spec.folder} folder or {spec.zip_name}"
        )
    raise DataError(
        f"{path} (from {origin}): expected an {spec.folder} folder, a .zip or a ratings .csv, "
        "got another kind of file"
    )


def _local_cache(spec: registry.DatasetSpec, files: list[Path]) -> tuple[str, Path]:
    """(key, cache folder) for local files: their names, sizes and CRC-32 of their bytes.

    Reading the bytes once (about 1 GB/s) is far cheaper than parsing them, and unlike
    modification times it cannot mistake an edited file for the cached one.
    """
    from movielens_tui.paths import cache_dir

    crc = zlib.crc32(spec.name.encode())
    parts = []
    for path in files:
        try:
            with open(path, "rb") as handle:
                file_crc = 0
                while block := handle.read(1 << 24):
                    file_crc = zlib.crc32(block, file_crc)
            parts.append(f"{path.name}:{path.stat().st_size}:{file_crc:08x}")
        except OSError:
            parts.append(f"{path.name}:unreadable")  # the loader will name the problem
    crc = zlib.crc32("|".join(parts).encode(), crc)
    resolved = str(files[0].resolve().parent) if files else ""
    where = zlib.crc32(resolved.encode())
    cache = cache_dir() / "local-columnar" / f"{spec.name}-{where:08x}"
    return f"{spec.name}:files:{crc:08x}:{'|'.join(parts)}", cache


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
    notify: Notify | None = None,
) -> Dataset:
    """Resolve the dataset and open it: from its columnar cache when that is intact,
    else by parsing its files (and then writing the cache).

    ``notify`` hears, in one line each, that a damaged or stale cache was rebuilt or
    that the cache could not be written (the load itself goes on)."""
    return open_resolved(resolve(data, name, progress), notify)


def open_resolved(found: Resolved, notify: Notify | None = None) -> Dataset:
    """Open a resolved dataset (see :func:`load`)."""
    from movielens_tui.data import columnar, control_chars
    from movielens_tui.data.cache_manifest import StaleCache

    if found.cache is not None and not os.environ.get(NO_CACHE_ENV):
        try:
            return columnar.read(found.cache, found.key, path=found.folder)
        except StaleCache as exc:
            if notify is not None and str(exc) != "no cache yet":
                notify(f"the cache of {found.spec.name} was not used ({exc}); rebuilding it")
    try:
        with control_chars.collecting() as stripped:
            dataset = layouts.load(found.folder, found.spec)
    except DataError:
        if found.extracted:  # the zip's files do not parse: keep no extracted copy
            import shutil

            shutil.rmtree(found.folder, ignore_errors=True)
            _remove_empty(found.folder.parent)
        raise
    if stripped and notify is not None:
        notify(f"{found.spec.name}: {control_chars.describe(stripped)}")
    if not os.environ.get(NO_CACHE_ENV):
        try:
            columnar.write(dataset, found.cache, found.key)
        except OSError as exc:
            if notify is not None:
                notify(f"could not write the cache of {found.spec.name} at {found.cache} "
                       f"({exc.strerror or exc}); it will be parsed again next time")  # fmt: skip
    return dataset


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def cached_counts(data: str | Path | None = None, name: str | None = None) -> Manifest | None:
    """The cached release's counts, read without parsing (None if it is not cached).

    Only for releases opened from the cache dir (downloaded or bundled): local paths
    need their files read to be recognised.
    """
    if data or os.environ.get(DATA_ENV) or os.environ.get(NO_CACHE_ENV):
        return None
    from movielens_tui.paths import cache_dir

    try:
        spec = registry.get(name or registry.DEFAULT)
    except DataError:
        return None
    folder = dataset_dir(spec, cache_dir()).parent / COLUMNAR
    from movielens_tui.data.cache_manifest import StaleCache, read_manifest

    try:
        return read_manifest(folder, f"{spec.name}:md5:{spec.md5}")
    except StaleCache:
        return None


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
    notify: Notify | None = None,
) -> tuple[Dataset, str | None]:
    """Like :func:`load`, but when the default download fails with nothing local given,
    open the bundled release instead. Returns the dataset and a one-line notice saying
    so (None when nothing was swapped)."""
    try:
        return load(data, name, progress, notify), None
    except DownloadError as exc:
        if data or os.environ.get(DATA_ENV) or (name and name != registry.DEFAULT):
            raise
        fallback = registry.OFFLINE_FALLBACK
        notice = (
            f"Offline: opened the bundled {fallback} ({registry.DEFAULT} could not be "
            f"downloaded: {_short(str(exc))}). For {registry.DEFAULT}: --data PATH, "
            f"{DATA_ENV}, or a network"
        )
        return load(None, fallback, notify=notify), notice


def _short(reason: str) -> str:
    """The reason of a download error, without its URL and its own hint
    ("could not connect", "the server answered HTTP 404")."""
    text = reason.split(";")[0].strip()
    if " failed: " in text:
        text = text.split(" failed: ", 1)[1]
    elif text.startswith(("http://", "https://")) and ": " in text:
        text = text.split(": ", 1)[1]
    return text.split(" (")[0]
