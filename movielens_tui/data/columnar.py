"""A columnar cache of a parsed release: parse once, open in seconds.

The first open of a release parses its text files and writes the parsed arrays as
``.npy`` files (no pickle: strings are stored as one UTF-8 blob plus offsets) into a
folder beside the verified download, keyed by the release's checksum. Every later open
reads those arrays instead of parsing. ``manifest.json`` records the format version,
the source key, the dataset's counts, scale, genres and user attributes (so the first
counts need neither pandas nor the arrays), and every file's size and CRC-32.

The folder is written under a temporary name and renamed into place, so a crash leaves
either no cache or a complete one. A cache whose manifest, sizes or checksums do not
match is never trusted: :func:`read` raises :class:`StaleCache`, the caller rebuilds it
and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from movielens_tui.data.cache_manifest import (
    FORMAT,
    MANIFEST,
    VERSION,
    StaleCache,
    read_manifest,
)

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

_CRC_BLOCK = 1 << 24
_RATING_COLUMNS = {"user": np.int32, "movie": np.int32, "rating": np.float32,
                   "timestamp": np.int64}  # fmt: skip


# --------------------------------------------------------------------------- write


def write(dataset: Dataset, folder: Path, key: str) -> Path:
    """Write ``dataset``'s arrays into ``folder`` atomically (a temp folder, then rename)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        files = _write_arrays(dataset, tmp)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "key": key,
            "dataset": {
                "name": dataset.name,
                "fingerprint": dataset.fingerprint,
                "layout": dataset.layout,
                "scale": [dataset.scale.low, dataset.scale.high, dataset.scale.step],
                "genres": list(dataset.genres),
                "user_attributes": list(dataset.user_attributes),
                "user_columns": [str(c) for c in dataset.users.columns],
                "occupations": list(dataset.occupations),
                "has_tags": dataset.tags is not None,
            },
            "counts": {
                "users": dataset.n_users,
                "movies": dataset.n_movies,
                "ratings": dataset.n_ratings,
            },  # fmt: skip
            "files": files,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync_dir(tmp)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / MANIFEST).is_file():  # not a second writer that won the race
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _write_arrays(dataset: Dataset, tmp: Path) -> dict[str, dict[str, int]]:
    arrays: dict[str, np.ndarray] = {}
    ratings = dataset.ratings
    for column, dtype in _RATING_COLUMNS.items():
        arrays[f"ratings.{column}"] = ratings[column].to_numpy(dtype)
    for column in dataset.users.columns:
        _put_column(arrays, f"users.{column}", dataset.users[column])
    movies = dataset.movies
    arrays["movies.movie_id"] = movies["movie_id"].to_numpy(np.int64)
    _put_strings(arrays, "movies.title", movies["title"])
    arrays["movies.year"] = movies["year"].fillna(-1).to_numpy(np.int32)
    genres = list(dataset.genres)
    flags = movies[genres].to_numpy(np.uint8) if genres else np.zeros((len(movies), 0), np.uint8)
    arrays["movies.genre_flags"] = np.ascontiguousarray(flags)
    _put_strings(arrays, "movies.genre", movies["genre"])
    _put_strings(arrays, "movies.genres", ["|".join(g) for g in movies["genres"]])
    if dataset.tags is not None:
        tags = dataset.tags
        arrays["tags.user_id"] = tags["user_id"].to_numpy(np.int64)
        arrays["tags.movie_id"] = tags["movie_id"].to_numpy(np.int64)
        arrays["tags.timestamp"] = tags["timestamp"].to_numpy(np.int64)
        _put_strings(arrays, "tags.tag", tags["tag"])
    files = {}
    for name, value in arrays.items():
        path = tmp / f"{name}.npy"
        np.save(path, value, allow_pickle=False)
        files[path.name] = {"bytes": path.stat().st_size, "crc32": _crc32(path)}
    return files


def _put_column(arrays: dict[str, np.ndarray], name: str, column: Any) -> None:
    kind = getattr(column.dtype, "kind", "O")
    if kind in "iu" and not column.isna().any():
        arrays[name] = column.to_numpy(np.int64)
    elif kind == "f":
        arrays[name] = column.to_numpy(np.float64)
    else:
        _put_strings(arrays, name, column.astype(str))


SEP = "\x1f"  # ASCII unit separator: no MovieLens title or tag holds it


def _put_strings(arrays: dict[str, np.ndarray], name: str, values: Any) -> None:
    """Strings as one UTF-8 blob joined by :data:`SEP`, or (if one holds SEP) with the
    end offset of each."""
    texts = [str(v) for v in values]
    joined = SEP.join(texts)
    if joined.count(SEP) == max(len(texts) - 1, 0):
        arrays[f"{name}.joined"] = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
        arrays[f"{name}.count"] = np.array([len(texts)], dtype=np.int64)
        return
    encoded = [t.encode("utf-8") for t in texts]
    arrays[f"{name}.blob"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    arrays[f"{name}.ends"] = np.cumsum([len(e) for e in encoded], dtype=np.int64)


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while block := handle.read(_CRC_BLOCK):
            crc = zlib.crc32(block, crc)
    return crc


def _fsync_dir(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


# --------------------------------------------------------------------------- read


def read(folder: Path, key: str, path: Path | None = None) -> Dataset:
    """The cached dataset; :class:`StaleCache` when it cannot be trusted."""
    import pandas as pd

    from movielens_tui.data.movielens import (
        Dataset,
        RatingScale,
    )

    folder = Path(folder)
    manifest = read_manifest(folder, key).raw
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise StaleCache("its manifest lists no files")
    arrays = {name: _load_checked(folder, name, meta) for name, meta in files.items()}

    def get(name: str) -> np.ndarray:
        try:
            return arrays[f"{name}.npy"]
        except KeyError:
            raise StaleCache(f"{name}.npy is missing") from None

    def strings(name: str) -> list[str]:
        if f"{name}.joined.npy" in arrays:
            count = int(get(f"{name}.count")[0])
            try:
                texts = get(f"{name}.joined").tobytes().decode("utf-8").split(SEP)
            except UnicodeDecodeError:
                raise StaleCache(f"{name} is damaged") from None
            if count == 0:
                return []
            if len(texts) != count:
                raise StaleCache(f"{name} holds {len(texts)} strings, not {count}")
            return texts
        blob, ends = get(f"{name}.blob"), get(f"{name}.ends")
        data = blob.tobytes()
        starts = np.concatenate([[0], ends[:-1]]) if len(ends) else ends
        try:
            return [data[a:b].decode("utf-8") for a, b in zip(starts.tolist(), ends.tolist(),
                                                               strict=True)]  # fmt: skip
        except (UnicodeDecodeError, ValueError):
            raise StaleCache(f"{name} is damaged") from None

    meta = manifest["dataset"]
    try:
        counts = manifest["counts"]
        genres = tuple(str(g) for g in meta["genres"])
        low, high, step = (float(v) for v in meta["scale"])
        user_columns = [str(c) for c in meta["user_columns"]]
        # copy=False: pandas keeps the (memory-mapped) columns instead of stacking them
        ratings = pd.DataFrame({c: get(f"ratings.{c}") for c in _RATING_COLUMNS}, copy=False)
        users = pd.DataFrame({c: _user_column(get, strings, arrays, c) for c in user_columns})
        movies = pd.DataFrame({"movie_id": get("movies.movie_id"),
                               "title": strings("movies.title")})  # fmt: skip
        flags = get("movies.genre_flags")
        if flags.shape != (len(movies), len(genres)):
            raise StaleCache("the genre flags do not match the movies")
        flag_frame = pd.DataFrame(flags.astype(np.int64), columns=list(genres))
        movies = pd.concat([movies, flag_frame], axis=1)
        years = get("movies.year")
        movies["year"] = pd.array(np.where(years < 0, 0, years), dtype="Int64")
        movies.loc[years < 0, "year"] = pd.NA
        lists = [g.split("|") if g else [] for g in strings("movies.genres")]
        movies["genres"] = lists
        movies["all_genres"] = ["-".join(g) if g else "Other" for g in lists]
        movies["genre"] = strings("movies.genre")
        tags = None
        if meta.get("has_tags"):
            tags = pd.DataFrame({"user_id": get("tags.user_id"), "movie_id": get("tags.movie_id"),
                                 "tag": strings("tags.tag"),
                                 "timestamp": get("tags.timestamp")})  # fmt: skip
        if (len(users), len(movies), len(ratings)) != (
            counts["users"],
            counts["movies"],
            counts["ratings"],
        ):
            raise StaleCache("its arrays do not match its counts")
        r_user, r_movie = ratings["user"].to_numpy(), ratings["movie"].to_numpy()
        if len(ratings) and (r_user.min() < 0 or r_user.max() >= len(users)
                             or r_movie.min() < 0 or r_movie.max() >= len(movies)):  # fmt: skip
            raise StaleCache("its ratings point outside its users or movies")
        return Dataset(
            name=str(meta["name"]),
            users=users,
            movies=movies,
            ratings=ratings,
            genres=genres,
            fingerprint=str(meta["fingerprint"]),
            path=path,
            occupations=tuple(str(o) for o in meta["occupations"]),
            scale=RatingScale(low, high, step),
            user_attributes=tuple(str(a) for a in meta["user_attributes"]),
            tags=tags,
            layout=str(meta["layout"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StaleCache(f"its manifest or arrays are inconsistent ({exc})") from None


def _user_column(get: Any, strings: Any, arrays: dict[str, np.ndarray], column: str) -> Any:
    if f"users.{column}.npy" in arrays:
        return get(f"users.{column}")
    return strings(f"users.{column}")


def _load_checked(folder: Path, name: str, meta: Any) -> np.ndarray:
    path = folder / name
    if "/" in name or "\\" in name or not name.endswith(".npy"):
        raise StaleCache(f"its manifest names an unexpected file {name!r}")
    try:
        size = path.stat().st_size
        expected = int(meta["bytes"]), int(meta["crc32"])
    except FileNotFoundError:
        raise StaleCache(f"{name} is missing") from None
    except (OSError, KeyError, TypeError, ValueError):
        raise StaleCache(f"{name} cannot be checked") from None
    if not path.is_file() or size != expected[0]:
        raise StaleCache(f"{name} has {size} bytes, its manifest says {expected[0]}")
    if _crc32(path) != expected[1]:
        raise StaleCache(f"{name} fails its checksum")
    try:
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))  # a plain view
    except (OSError, ValueError) as exc:
        raise StaleCache(f"{name} is not a valid array ({exc})") from None
