"""Fetch, verify and safely extract a MovieLens zip into the user cache dir.

The zip is downloaded by pooch to a temporary name in the cache and only moved into
place once its MD5 matches; extraction writes to a temporary folder and renames it
once every expected member is out. A failure of either leaves the cache as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from movielens_tui.data.registry import DatasetSpec
from movielens_tui.errors import DownloadError

Progress = Callable[[int, int], None]  # (bytes_done, bytes_total)


def dataset_dir(spec: DatasetSpec, cache: Path) -> Path:
    """Where the extracted dataset lives in the cache, keyed by name and checksum."""
    return cache / f"{spec.name}-{spec.md5[:12]}" / spec.folder


def is_complete(folder: Path, spec: DatasetSpec) -> bool:
    return all((folder / name).is_file() for name in spec.required)


class _PoochProgress:
    """The small tqdm-like object pooch's HTTPDownloader drives."""

    def __init__(self, callback: Progress, total: int) -> None:
        self.callback = callback
        self.total = total
        self.n = 0

    def update(self, chunk: int) -> None:
        self.n += chunk
        self.callback(self.n, self.total)

    def reset(self) -> None:
        self.n = 0

    def refresh(self) -> None:
        self.callback(self.n, self.total)

    def close(self) -> None:
        self.callback(self.n, self.total)


def _no_network_hint(spec: DatasetSpec) -> str:
    return (
        f"pass --data PATH (an {spec.folder} folder or {spec.zip_name}) "
        "or set MOVIELENS_TUI_DATA to use a local copy, "
        "or use --dataset ml-latest-small (it ships with the app)"
    )


def download_zip(
    spec: DatasetSpec,
    cache: Path,
    progress: Progress | None = None,
    url: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download ``spec``'s zip into ``cache`` (once) and verify its MD5."""
    import pooch
    import requests

    url = url or spec.url
    pooch.get_logger().setLevel("WARNING")  # its INFO lines would land on stderr / in the TUI
    cache.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(
        progressbar=_PoochProgress(progress, spec.size) if progress else False,
        timeout=timeout,
    )
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"md5:{spec.md5}",
            fname=spec.zip_name,
            path=cache,
            downloader=downloader,
        )
    except ValueError as exc:  # pooch: hash mismatch
        if "hash" in str(exc).lower():
            raise DownloadError(
                f"{url}: downloaded file failed its MD5 check (expected {spec.md5}); "
                f"nothing was kept; try again later or {_no_network_hint(spec)}"
            ) from None
        raise DownloadError(f"{url}: {exc}; {_no_network_hint(spec)}") from None
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "error"
        raise DownloadError(
            f"{url}: the server answered HTTP {status}; {_no_network_hint(spec)}"
        ) from None
    except requests.exceptions.RequestException as exc:
        reason = type(exc).__name__
        if isinstance(exc, requests.exceptions.Timeout):
            reason = f"no answer within {timeout:g} s"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            reason = "the connection dropped before the whole file arrived"
        elif isinstance(exc, requests.exceptions.ConnectionError):
            reason = "could not connect (offline, DNS failure or connection dropped)"
        raise DownloadError(
            f"downloading {url} failed: {reason}; {_no_network_hint(spec)}"
        ) from None
    except OSError as exc:
        raise DownloadError(f"downloading {url} failed: {exc}; {_no_network_hint(spec)}") from None
    return Path(path)


def _check_member_name(name: str, zip_path: Path) -> None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise DownloadError(
            f"{zip_path}: refusing an unsafe member {name!r} (absolute path or '..'); "
            "the zip is damaged or hostile, nothing was extracted"
        )


def extract(zip_path: Path, spec: DatasetSpec, target: Path) -> Path:
    """Extract only ``spec``'s expected members of ``zip_path`` into ``target`` atomically."""
    target = Path(target)
    created = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise DownloadError(f"{target.parent}: cannot create it ({exc.strerror})") from None
    done = False
    try:
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
            for info in infos:
                _check_member_name(info.filename, zip_path)
            by_name = {info.filename: info for info in infos}
            wanted = set(spec.members)
            missing = [m for m in (f"{spec.folder}/{r}" for r in spec.required) if m not in by_name]
            if missing:
                raise DownloadError(
                    f"{zip_path}: not a {spec.name} zip, it lacks {', '.join(missing)}"
                )
            chosen = [by_name[name] for name in sorted(wanted & by_name.keys())]
            limit = spec.max_extracted
            for info in chosen:
                if info.file_size > limit:
                    raise DownloadError(
                        f"{zip_path}: member {info.filename} declares {info.file_size} bytes, "
                        "far more than any MovieLens file; the zip is damaged or hostile, "
                        "nothing was extracted"
                    )
            declared = sum(info.file_size for info in chosen)
            if declared > limit:
                raise DownloadError(
                    f"{zip_path}: its {spec.name} files declare {declared} bytes in all, more "
                    f"than {spec.name} ever holds ({limit}); the zip is damaged or hostile, "
                    "nothing was extracted"
                )
            for info in chosen:
                _extract_member(archive, info, tmp / PurePosixPath(info.filename).name, zip_path)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        done = True
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DownloadError(
            f"{zip_path}: not a valid zip or a damaged member ({exc}); nothing was extracted"
        ) from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise DownloadError(f"{zip_path}: cannot extract it ({exc})") from None
    except OSError as exc:
        raise DownloadError(
            f"{zip_path}: extracting failed ({exc}); check free disk space"
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if not done:
            for folder in created:  # innermost first
                _remove_if_empty(folder)
    return target


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _extract_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, zip_path: Path
) -> None:
    limit = info.file_size
    written = 0
    with archive.open(info) as source, open(dest, "wb") as out:
        while chunk := source.read(1 << 16):
            written += len(chunk)
            if written > limit:
                raise DownloadError(
                    f"{zip_path}: member {info.filename} is larger than it declares; "
                    "the zip is damaged or hostile, nothing was extracted"
                )
            out.write(chunk)


def fetch(
    spec: DatasetSpec,
    cache: Path,
    progress: Progress | None = None,
    url: str | None = None,
) -> Path:
    """Return the extracted dataset folder, downloading and extracting on first use.

    To cancel a running download, raise from ``progress``: the exception propagates
    and the cache is left as it was.
    """
    folder = dataset_dir(spec, cache)
    if is_complete(folder, spec):
        return folder
    _remove_stale(folder.parent)
    try:
        zip_path = download_zip(spec, folder.parent, progress, url)
    except BaseException:  # also a cancel raised from ``progress`` or Ctrl-C
        _remove_if_empty(folder.parent)
        raise
    try:
        return extract(zip_path, spec, folder)
    except DownloadError:
        zip_path.unlink(missing_ok=True)
        _remove_if_empty(folder.parent)
        raise


STALE_SECONDS = 3600.0


def _remove_stale(folder: Path, max_age: float = STALE_SECONDS) -> None:
    """Delete temp leftovers of a killed download or extraction (older than ``max_age``).

    pooch downloads to ``tmp*`` files and :func:`extract` to ``.<folder>.*`` dirs in
    this folder; a live run's files are younger than ``max_age`` and are left alone.
    """
    import time

    if not folder.is_dir():
        return
    now = time.time()
    for entry in folder.iterdir():
        if not entry.name.startswith(("tmp", ".")):
            continue
        try:
            if now - entry.lstat().st_mtime >= max_age:
                _remove_entry(entry)
        except OSError:
            pass


def discard_partial(spec: DatasetSpec, cache: Path, since: float) -> None:
    """Remove the temp files of a download abandoned mid-way (started at ``since``, epoch s).

    Quitting while the server stalls leaves the download thread blocked in a read until
    its timeout; the program exits without it, so its partial files are removed here.
    """
    folder = dataset_dir(spec, cache).parent
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if not entry.name.startswith(("tmp", f".{spec.folder}.")):
            continue
        try:
            if entry.lstat().st_mtime >= since - 1:  # older ones: _remove_stale ages them out
                _remove_entry(entry)
        except OSError:
            pass
    _remove_if_empty(folder)


def _remove_entry(entry: Path) -> None:
    """Delete a temp file or folder (never following a symlink)."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
