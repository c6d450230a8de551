"""Shared fixtures: a small generated MovieLens folder, the real ml-100k when available,
and isolated cache/data dirs so tests never touch the user's files."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from movielens_tui.data.movielens import Dataset, load_folder
from movielens_tui.data.synthetic import write_movielens_folder

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches the network: every name lookup except loopback is refused."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1"):
            raise socket.gaierror(socket.EAI_NONAME, f"test: no network for {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the cache, data and config dirs at a temp folder (subprocesses inherit them);
    forget MOVIELENS_TUI_DATA / _URL."""
    home = tmp_path / "home"
    monkeypatch.setenv("MOVIELENS_TUI_HOME", str(home / "data"))
    monkeypatch.setenv("MOVIELENS_TUI_CACHE", str(home / "cache"))
    monkeypatch.setenv("MOVIELENS_TUI_CONFIG", str(home / "config"))  # remembered settings
    monkeypatch.delenv("MOVIELENS_TUI_DATA", raising=False)
    monkeypatch.delenv("MOVIELENS_TUI_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def small_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated ml-100k-format folder: 60 users, 80 movies, 1,500 ratings, u1-u5 folds."""
    return write_movielens_folder(tmp_path_factory.mktemp("small") / "ml-100k")


@pytest.fixture(scope="session")
def small_dataset(small_data_dir: Path) -> Dataset:
    return load_folder(small_data_dir)


@pytest.fixture(scope="session")
def ml100k_dir() -> Path:
    """The real MovieLens 100K folder from MOVIELENS_100K_DIR; skips when absent."""
    value = os.environ.get("MOVIELENS_100K_DIR")
    if not value or not (Path(value) / "u.data").is_file():
        pytest.skip("MOVIELENS_100K_DIR is not set to an ml-100k folder")
    return Path(value)


@pytest.fixture(scope="session")
def ml100k(ml100k_dir: Path) -> Dataset:
    return load_folder(ml100k_dir)


@pytest.fixture(scope="session")
def latest_small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real ml-latest-small, extracted from the copy bundled in the package (never skips)."""
    from movielens_tui.data import registry
    from movielens_tui.data.download import extract

    spec = registry.get("ml-latest-small")
    bundled = registry.bundled_zip(spec)
    assert bundled is not None, "the package must ship ml-latest-small.zip"
    return extract(bundled, spec, tmp_path_factory.mktemp("latest") / spec.folder)


@pytest.fixture(scope="session")
def latest_small(latest_small_dir: Path) -> Dataset:
    """The real ml-latest-small as a Dataset (610 users, 9,742 movies, 100,836 ratings)."""
    from movielens_tui.data import layouts, registry

    return layouts.load(latest_small_dir, registry.get("ml-latest-small"))
