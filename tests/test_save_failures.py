"""A model that cannot be saved where asked (issue 13, section 4): one line, no traceback,
the old file kept, and the freshly trained model kept in a fallback file it names.

"Read-only" and "unwritable" are a path under a regular file (tests run as root, where
chmod stops nothing) or a patched ``mkstemp`` raising EROFS; "disk full" is a patched
``os.fsync`` raising ENOSPC. Nothing here writes to a device.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from movielens_tui import cli, files
from movielens_tui.models import store
from movielens_tui.models.trained import TrainedModel
from movielens_tui.paths import models_dir

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


@pytest.fixture(autouse=True)
def fallback_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder (where fallback files go) is a fresh one per test."""
    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _model(seed: int = 0) -> TrainedModel:
    rng = np.random.default_rng(seed)
    return TrainedModel(
        preset="mf",
        kind="mf",
        params={"seed": seed},
        movie_embeddings=rng.normal(size=(8, 3)).astype(np.float32),
    )


def _disk_full(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> None:
    """Syncing a file under any of ``folders`` fails with ENOSPC (as a full disk does on
    write or flush); other files (the dataset's cache) are written as usual."""
    real = os.fsync

    def fsync(fd: int) -> None:
        where = Path(os.readlink(f"/proc/self/fd/{fd}"))
        if any(where.is_relative_to(folder) for folder in folders):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Creating a file in ``folder`` fails as on a read-only file system."""
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(kwargs.get("dir") or "") == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder / "x.tmp"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def _one_fallback(folder: Path) -> Path:
    found = sorted(folder.glob("movielens-tui-*.npz"))
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------- the write helper


def test_a_folder_or_fifo_target_is_refused_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    renames: list[object] = []
    monkeypatch.setattr(os, "replace", lambda *a: renames.append(a))
    for target, reason in (
        (folder, "is a folder"),
        (fifo, "is a FIFO (named pipe), not a regular file"),
    ):
        with pytest.raises(OSError) as info:
            files.atomic_write(target, b"payload")
        assert files.write_reason(target, info.value) == reason
    assert renames == []
    assert folder.is_dir() and (folder / "keep.txt").read_text() == "mine"
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pipe", "systemp"]  # no temps


def test_a_target_that_becomes_a_folder_meanwhile_is_not_renamed_over(
    tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "m.npz"
    real = os.fsync

    def fsync(fd: int) -> None:  # while the bytes are being written, a folder appears
        real(fd)
        target.mkdir()

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(IsADirectoryError):
        files.atomic_write(target, b"payload")
    assert target.is_dir() and list(target.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "systemp"]


def test_reasons_name_the_blocking_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    target = blocker / "home" / "models" / "m.npz"
    with pytest.raises(OSError) as info:
        files.atomic_write(target, b"payload")
    assert files.write_reason(target, info.value) == f"{blocker} is a file, not a folder"
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert files.write_reason(target, full) == "no space left on device"


# ---------------------------------------------------------------------- store


def test_disk_full_keeps_the_old_model_and_saves_the_new_one_elsewhere(
    tmp_path: Path, fallback_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = store.save(_model(0), tmp_path / "d" / "m.npz")
    before = path.read_bytes()
    _disk_full(monkeypatch, path.parent)
    saved = store.save_or_fallback(_model(1), path)
    assert path.read_bytes() == before  # the old model, byte for byte
    assert saved.path == _one_fallback(fallback_dir)
    assert store.load(saved.path).params == {"seed": 1}
    assert saved.error is not None and "\n" not in saved.error
    assert f"cannot save the model to {path}: no space left on device" in saved.error
    assert f"--model {saved.path}" in saved.error
    assert [p.name for p in path.parent.iterdir()] == ["m.npz"]  # no temporary file left


def test_when_the_fallback_fails_too_the_error_names_both(
    tmp_path: Path, fallback_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _disk_full(monkeypatch, tmp_path)
    with pytest.raises(store.SaveError) as info:
        store.save_or_fallback(_model(), tmp_path / "m.npz")
    message = str(info.value)
    assert str(tmp_path / "m.npz") in message and str(fallback_dir) in message
    assert message.count("no space left on device") == 2
    assert list(fallback_dir.iterdir()) == [] and not (tmp_path / "m.npz").exists()


def test_a_good_save_goes_where_asked(tmp_path: Path, fallback_dir: Path) -> None:
    saved = store.save_or_fallback(_model(), tmp_path / "deep" / "m.npz")
    assert saved == store.Saved(tmp_path / "deep" / "m.npz")
    assert list(fallback_dir.iterdir()) == []


# ---------------------------------------------------------------------- the train command


def _train(capsys: pytest.CaptureFixture[str], data: Path, *extra: str) -> tuple[int, str, str]:
    code = cli.main(["train", "--data", str(data), "--preset", "popularity", "--json", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def _check_fallback_message(err: str, asked: Path, reason: str, fallback: Path) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("movielens-tui: error: cannot save the model to ")
    assert f"{asked}: {reason}" in lines[0]
    assert f"saved it to {fallback} instead" in lines[0] and f"--model {fallback}" in lines[0]


def test_train_out_an_existing_folder(
    capsys, small_data_dir: Path, tmp_path: Path, fallback_dir: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, err = _train(capsys, small_data_dir, "--out", str(folder))
    fallback = _one_fallback(fallback_dir)
    assert code == 1
    _check_fallback_message(err, folder, "is a folder", fallback)
    assert json.loads(out)["model"] == str(fallback)  # the metrics are still printed
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert store.load(fallback).preset == "popularity"
    # and the message's advice works
    code = cli.main(
        ["neighbors", "1", "--data", str(small_data_dir), "--model", str(fallback), "--json"]
    )
    assert code == 0, capsys.readouterr().err


def test_train_out_a_fifo_leaves_it_alone(
    capsys, small_data_dir: Path, tmp_path: Path, fallback_dir: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = _train(capsys, small_data_dir, "--out", str(fifo))
    assert code == 1 and fifo.is_fifo()
    _check_fallback_message(
        err, fifo, "is a FIFO (named pipe), not a regular file", _one_fallback(fallback_dir)
    )


def test_train_out_on_a_read_only_file_system(
    capsys, small_data_dir: Path, tmp_path: Path, fallback_dir: Path, monkeypatch
) -> None:
    out = tmp_path / "ro" / "m.npz"
    out.parent.mkdir()
    store.save(_model(0), out)
    before = out.read_bytes()
    _read_only(monkeypatch, out.parent)
    code, _, err = _train(capsys, small_data_dir, "--out", str(out))
    assert code == 1 and out.read_bytes() == before
    _check_fallback_message(
        err,
        out,
        f"cannot create a file in {out.parent}: read-only file system",
        _one_fallback(fallback_dir),
    )


def test_train_on_a_full_disk_keeps_the_old_model(
    capsys, small_data_dir: Path, tmp_path: Path, fallback_dir: Path, monkeypatch
) -> None:
    out = tmp_path / "d" / "m.npz"
    store.save(_model(0), out)
    before = out.read_bytes()
    _disk_full(monkeypatch, out.parent)
    code, _, err = _train(capsys, small_data_dir, "--out", str(out))
    assert code == 1 and out.read_bytes() == before
    _check_fallback_message(err, out, "no space left on device", _one_fallback(fallback_dir))


def test_train_with_an_unwritable_home(
    capsys, small_data_dir: Path, tmp_path: Path, fallback_dir: Path, monkeypatch
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    monkeypatch.setenv("MOVIELENS_TUI_HOME", str(blocker / "home"))
    code, _, err = _train(capsys, small_data_dir)
    assert code == 1
    _check_fallback_message(
        err,
        models_dir() / "ml-100k.npz",
        f"{blocker} is a file, not a folder",
        _one_fallback(fallback_dir),
    )


def test_train_with_a_read_only_home(
    capsys, small_data_dir: Path, fallback_dir: Path, monkeypatch
) -> None:
    default = models_dir() / "ml-100k.npz"
    store.save(_model(0), default)
    before = default.read_bytes()
    _read_only(monkeypatch, default.parent)
    code, _, err = _train(capsys, small_data_dir)
    assert code == 1 and default.read_bytes() == before
    reason = f"cannot create a file in {default.parent}: read-only file system"
    _check_fallback_message(err, default, reason, _one_fallback(fallback_dir))


def test_train_with_a_full_home_and_a_full_temp_says_the_model_is_lost(
    capsys, small_data_dir: Path, fallback_dir: Path, monkeypatch
) -> None:
    default = models_dir() / "ml-100k.npz"
    store.save(_model(0), default)
    before = default.read_bytes()
    _disk_full(monkeypatch, default.parent, fallback_dir)
    code, _, err = _train(capsys, small_data_dir)
    assert code == 1 and default.read_bytes() == before
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert f"cannot save the model to {default}: no space left on device" in line
    assert f"nor to a fallback file in {fallback_dir}" in line and "model is lost" in line
    assert list(fallback_dir.iterdir()) == []


def test_debug_shows_the_traceback(
    capsys, small_data_dir: Path, tmp_path: Path, fallback_dir: Path
) -> None:
    from movielens_tui.errors import ModelError

    with pytest.raises(ModelError, match="is a folder"):
        _train(capsys, small_data_dir, "--out", str(tmp_path), "--debug")
    assert _one_fallback(fallback_dir).is_file()  # saved before the error is raised


# ---------------------------------------------------------------------- the app's job


def test_the_train_job_names_its_fallback_file(
    tmp_path: Path, fallback_dir: Path, monkeypatch
) -> None:
    from movielens_tui.tui import training_job
    from movielens_tui.tui.process import private_temp_dir, system_temp_dir

    target = tmp_path / "home" / "models" / "ml-100k.npz"
    _disk_full(monkeypatch, target.parent)
    # inside the app, tempfile points at its private folder, removed on quit: the
    # fallback must go to the system's temporary folder instead
    with private_temp_dir(tmp_path / "cache" / "tmp") as private:
        assert private is not None and tempfile.gettempdir() == str(private)
        assert system_temp_dir() == fallback_dir
        run = training_job._save(_model(3), target)
    fallback = _one_fallback(fallback_dir)
    assert run.path is None and not target.exists()
    assert run.note.startswith(f"cannot save the model to {target}: no space left on device")
    assert f"saved it to {fallback} instead" in run.note
    assert store.load(fallback).params == {"seed": 3}


def test_the_train_job_says_not_saved_when_nothing_can_be_written(
    tmp_path: Path, fallback_dir: Path, monkeypatch
) -> None:
    from movielens_tui.tui import training_job

    _disk_full(monkeypatch, tmp_path)
    run = training_job._save(_model(), tmp_path / "m.npz")
    assert run.path is None and run.note.startswith("not saved: cannot save the model to ")
