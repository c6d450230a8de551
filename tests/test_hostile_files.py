"""Hostile or special files in place of data, model or ratings files: refused at once,
with one line, never read whole (no hang on a FIFO, no OOM on /dev/zero)."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from movielens_tui.data import source
from movielens_tui.errors import DataError, ModelError
from movielens_tui.models import store


@pytest.fixture
def copy_of_small(small_data_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "ml-100k"
    shutil.copytree(small_data_dir, folder)
    return folder


@pytest.mark.parametrize("name", ["u.user", "u.data", "u.item"])
def test_a_device_in_place_of_a_data_file(copy_of_small: Path, name: str) -> None:
    (copy_of_small / name).unlink()
    (copy_of_small / name).symlink_to("/dev/zero")
    with pytest.raises(DataError) as info:
        source.load(copy_of_small)
    assert str(info.value).startswith(f"{copy_of_small / name} is a character device")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["u.data", "u.item"])
def test_a_fifo_in_place_of_a_data_file_does_not_hang(copy_of_small: Path, name: str) -> None:
    (copy_of_small / name).unlink()
    os.mkfifo(copy_of_small / name)
    with pytest.raises(DataError, match="is a FIFO"):
        source.load(copy_of_small)


def test_a_fifo_as_ratings_csv_does_not_hang(latest_small_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ml-latest-small"
    shutil.copytree(latest_small_dir, folder)
    (folder / "ratings.csv").unlink()
    os.mkfifo(folder / "ratings.csv")
    with pytest.raises(DataError, match="ratings.csv is a FIFO"):
        source.load(folder, "ml-latest-small")


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_special_model_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "model.npz"
    if kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    with pytest.raises(ModelError) as info:
        store.load(path)
    assert "\n" not in str(info.value)


def _npz(member: str, payload: bytes, compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr(member, payload)
    return buffer.getvalue()


def test_an_npz_header_claiming_36_tib_is_refused_before_allocating(tmp_path: Path) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**7, 10**6)}
    )
    path = tmp_path / "huge.npz"
    path.write_bytes(_npz("movie_embeddings.npy", header.getvalue() + b"\0" * 254_000))
    with pytest.raises(ModelError, match=r"claims shape \(10000000, 1000000\)"):
        store.load(path)


def test_deflated_zeros_are_refused_before_unpacking(tmp_path: Path) -> None:
    array = io.BytesIO()
    np.save(array, np.zeros(100_000_000, np.float32))  # 400 MB of zeros, ~0.4 MB deflated
    path = tmp_path / "zeros.npz"
    path.write_bytes(_npz("movie_embeddings.npy", array.getvalue(), zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ModelError, match="would unpack to 400,000,128 bytes"):
        store.load(path)


def test_a_zip_whose_files_do_not_parse_leaves_no_extracted_copy(
    small_data_dir: Path, tmp_path: Path
) -> None:
    from movielens_tui.paths import cache_dir

    folder = tmp_path / "ml-100k"
    shutil.copytree(small_data_dir, folder)
    (folder / "u.data").write_text("1\t1\t9\t0\n")  # rating 9: off the scale
    zip_path = tmp_path / "broken.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, f"ml-100k/{path.name}")
    with pytest.raises(DataError, match="rating 9 is outside 1 to 5"):
        source.load(zip_path)
    assert not list(cache_dir().rglob("u.data")) and not list(cache_dir().rglob("local-*"))
