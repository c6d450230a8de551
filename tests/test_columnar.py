"""The columnar cache: parse once, open from arrays; never trust a damaged or stale one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from movielens_tui.data import columnar, layouts, registry, source
from movielens_tui.data.movielens import Dataset
from movielens_tui.data.synthetic import (
    write_csv_release,
    write_dat_release,
    write_movielens_folder,
)
from movielens_tui.paths import cache_dir


def assert_same(a: Dataset, b: Dataset) -> None:
    assert (a.name, a.fingerprint, a.layout, a.scale) == (b.name, b.fingerprint, b.layout, b.scale)
    assert (a.genres, a.user_attributes, a.occupations) == (b.genres, b.user_attributes,
                                                            b.occupations)  # fmt: skip
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    pd.testing.assert_frame_equal(a.users.reset_index(drop=True), b.users.reset_index(drop=True),
                                  check_dtype=False)  # fmt: skip
    columns = ["movie_id", "title", "year", "genres", "all_genres", "genre", *a.genres]
    pd.testing.assert_frame_equal(a.movies[columns], b.movies[columns], check_dtype=False)
    if a.tags is None:
        assert b.tags is None
    else:
        pd.testing.assert_frame_equal(a.tags, b.tags, check_dtype=False)
    assert a.user_index(int(a.users["user_id"].iloc[-1])) == b.n_users - 1


def release(tmp_path: Path, kind: str) -> Path:
    if kind == "ml-100k":
        return write_movielens_folder(tmp_path / "ml-100k")
    if kind == "ml-1m":
        return write_dat_release(tmp_path / "ml-1m", "ml-1m")
    if kind == "ml-10m":
        return write_dat_release(tmp_path / "ml-10M100K", "ml-10m")
    return write_csv_release(tmp_path / "ml-25m")


@pytest.mark.parametrize("kind", ["ml-100k", "ml-1m", "ml-10m", "ml-25m"])
def test_a_cached_open_equals_a_parse(tmp_path: Path, kind: str) -> None:
    folder = release(tmp_path, kind)
    parsed = layouts.load(folder, registry.get(kind))
    first = source.load(folder, kind)  # parses and writes the cache
    assert list(cache_dir().glob("local-columnar/*/manifest.json"))
    again = source.load(folder, kind)  # from the cache
    assert_same(parsed, first)
    assert_same(parsed, again)


def test_the_bundled_release_is_cached_beside_its_folder() -> None:
    first = source.load(name="ml-latest-small")
    folder = next(cache_dir().glob(f"ml-latest-small-*/{source.COLUMNAR}"))
    assert (folder / "manifest.json").is_file()
    assert_same(first, source.load(name="ml-latest-small"))
    counts = source.cached_counts(name="ml-latest-small")
    assert counts is not None and (counts.n_users, counts.n_movies, counts.n_ratings) == (
        610, 9742, 100_836,
    )  # fmt: skip


def _cache_of(folder: Path, kind: str) -> Path:
    return source.resolve(folder, kind).cache


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip", "manifest-garbage", "manifest-deep", "missing", "other-version"],
)
def test_a_damaged_cache_is_rebuilt_and_reported(tmp_path: Path, damage: str) -> None:
    folder = release(tmp_path, "ml-1m")
    truth = source.load(folder, "ml-1m")
    cache = _cache_of(folder, "ml-1m")
    target = cache / "ratings.rating.npy"
    manifest = cache / "manifest.json"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:-8])
    elif damage == "flip":
        raw = bytearray(target.read_bytes())
        raw[-1] ^= 0xFF
        target.write_bytes(bytes(raw))
    elif damage == "manifest-garbage":
        manifest.write_bytes(b"\x00\x01 not json")
    elif damage == "manifest-deep":
        manifest.write_text("[" * 100_000 + "]" * 100_000)
    elif damage == "missing":
        target.unlink()
    else:
        doc = json.loads(manifest.read_text())
        doc["version"] = 999
        manifest.write_text(json.dumps(doc))
    heard: list[str] = []
    again = source.load(folder, "ml-1m", notify=heard.append)
    assert_same(truth, again)
    assert len(heard) == 1 and "was not used" in heard[0] and "rebuilding" in heard[0]
    assert "\n" not in heard[0]
    heard.clear()
    assert_same(truth, source.load(folder, "ml-1m", notify=heard.append))
    assert heard == []  # rebuilt: trusted again


def test_an_edited_source_file_is_never_served_from_the_cache(tmp_path: Path) -> None:
    folder = release(tmp_path, "ml-25m")
    first = source.load(folder, "ml-25m")
    ratings = folder / "ratings.csv"
    raw = ratings.read_bytes()
    stat = ratings.stat()
    edited = raw.replace(b",4.0,", b",3.0,", 1)
    assert len(edited) == len(raw) and edited != raw
    ratings.write_bytes(edited)
    os.utime(ratings, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and time
    second = source.load(folder, "ml-25m")
    assert second.fingerprint != first.fingerprint
    assert second.ratings["rating"].sum() == pytest.approx(first.ratings["rating"].sum() - 1)


def test_a_failed_write_leaves_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = release(tmp_path, "ml-100k")
    real_save = np.save
    calls = []

    def failing(path, value, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real_save(path, value, **kwargs)

    monkeypatch.setattr(np, "save", failing)
    heard: list[str] = []
    dataset = source.load(folder, "ml-100k", notify=heard.append)
    assert dataset.n_ratings == 1500  # the load itself succeeds
    assert len(heard) == 1 and "could not write the cache" in heard[0]
    cache = _cache_of(folder, "ml-100k")
    assert not cache.exists()
    assert not [p for p in cache.parent.iterdir() if p.name.startswith(".")]  # no temp left


def test_no_cache_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(source.NO_CACHE_ENV, "1")
    folder = release(tmp_path, "ml-100k")
    source.load(folder, "ml-100k")
    assert not _cache_of(folder, "ml-100k").exists()


def test_cached_counts_need_neither_pandas_nor_numpy(tmp_path: Path) -> None:
    source.load(name="ml-latest-small")
    code = (
        "import sys\n"
        "from movielens_tui.data import source\n"
        "m = source.cached_counts(name='ml-latest-small')\n"
        "print(m.n_users, m.n_movies, m.n_ratings, 'pandas' in sys.modules,"
        " 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=os.environ.copy(), check=True)  # fmt: skip
    assert out.stdout.split() == ["610", "9742", "100836", "False", "False"]


def test_a_manifest_naming_a_path_outside_is_refused(tmp_path: Path) -> None:
    folder = release(tmp_path, "ml-100k")
    truth = source.load(folder, "ml-100k")
    cache = _cache_of(folder, "ml-100k")
    doc = json.loads((cache / "manifest.json").read_text())
    doc["files"]["../../etc/passwd"] = {"bytes": 1, "crc32": 0}
    (cache / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(columnar.StaleCache, match="unexpected file"):
        columnar.read(cache, doc["key"])
    assert_same(truth, source.load(folder, "ml-100k"))
