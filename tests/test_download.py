"""The download path end to end against a local HTTP server, and ``--data`` sources.

A zip is built from the generated small folder and served on 127.0.0.1; the dataset
entry is ``ML_100K`` with the URL, MD5 and size replaced. After every failure the
message is one clear line, nothing is written outside the cache, the cache holds no
partial zip, temp file or half-extracted folder, and the next run succeeds.
No test touches the real network: name lookups other than 127.0.0.1 fail.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import socket
import struct
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from movielens_tui.data import download, registry, source
from movielens_tui.data.download import dataset_dir, download_zip, fetch
from movielens_tui.data.registry import ML_100K, DatasetSpec
from movielens_tui.errors import DataError, DownloadError
from movielens_tui.paths import cache_dir

HINT = (
    "pass --data PATH (an ml-100k folder or ml-100k.zip) or set MOVIELENS_TUI_DATA "
    "to use a local copy, or use --dataset ml-latest-small (it ships with the app)"
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def private_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder so stray relative writes are caught by ``outside_files``."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def build_zip(
    folder: Path, prefix: str = "ml-100k/", extra: dict[str, bytes] | None = None
) -> bytes:
    """A zip of ``folder``'s files under ``prefix`` (plus ``extra`` members)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if prefix:
            archive.writestr(prefix, b"")  # directory entry, like the real zip
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{prefix}{path.name}")
        for name, payload in (extra or {}).items():
            archive.writestr(zipfile.ZipInfo(name), payload)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def good_zip(small_data_dir: Path) -> bytes:
    return build_zip(small_data_dir)


def spec_for(url: str, payload: bytes) -> DatasetSpec:
    return dataclasses.replace(
        ML_100K, url=url, md5=hashlib.md5(payload).hexdigest(), size=len(payload)
    )


class Server:
    """A tiny HTTP server on 127.0.0.1 whose behaviour each test sets."""

    def __init__(self) -> None:
        self.body = b""
        self.mode = "ok"  # ok | status:<code> | truncate | slow
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(self.path)
                body, mode = server.body, server.mode
                if mode.startswith("status:"):
                    self.send_error(int(mode.split(":")[1]))
                    return
                if mode == "slow":
                    time.sleep(1.5)
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if mode == "truncate":
                        self.wfile.write(body[: len(body) // 3])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout test)
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.running = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/datasets/ml-100k.zip"

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False


@pytest.fixture
def server(good_zip: bytes) -> Iterator[Server]:
    srv = Server()
    srv.body = good_zip
    yield srv
    srv.stop()


@pytest.fixture
def use_spec(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make ``spec`` the registry's ml-100k entry, so ``source.load()`` downloads it."""

    def install(spec: DatasetSpec) -> DatasetSpec:
        monkeypatch.setitem(registry.REGISTRY, "ml-100k", spec)
        return spec

    return install


def all_files(root: Path, skip: Path | None = None) -> dict[str, int]:
    out = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            continue
        for name in filenames:
            out[str(here / name)] = (here / name).stat().st_size
    return out


def assert_cache_clean(cache: Path) -> None:
    """Nothing at all left in the cache: no zip, temp file or (half) extracted folder."""
    leftovers = (
        sorted(str(p.relative_to(cache)) for p in cache.rglob("*")) if cache.exists() else []
    )
    assert leftovers == []


def failing_run(spec: DatasetSpec, tmp_path: Path) -> str:
    """Run a load that must fail; check message shape and that nothing leaked."""
    cache = cache_dir()
    before = all_files(tmp_path, skip=cache)
    with pytest.raises(DownloadError) as info:
        source.load()
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    assert all_files(tmp_path, skip=cache) == before  # nothing written outside the cache
    assert_cache_clean(cache)
    return message


def assert_next_run_succeeds(server: Server, good_zip: bytes, use_spec) -> None:  # type: ignore[no-untyped-def]
    server.mode, server.body = "ok", good_zip
    use_spec(spec_for(server.url, good_zip))
    asked = len(server.requests)
    dataset = source.load()
    assert len(server.requests) == asked + 1
    assert (dataset.n_users, dataset.n_movies, dataset.n_ratings) == (60, 80, 1500)


# --------------------------------------------------------------------------- good path


def test_good_download_then_cache_without_network(
    server: Server, good_zip: bytes, use_spec, capfd: pytest.CaptureFixture[str]
) -> None:
    spec = use_spec(spec_for(server.url, good_zip))
    seen: list[tuple[int, int]] = []
    dataset = source.load(progress=lambda done, total: seen.append((done, total)))
    assert (dataset.n_users, dataset.n_movies, dataset.n_ratings) == (60, 80, 1500)
    assert "Misérables, Les (1995)" in set(dataset.movies["title"])
    assert server.requests == ["/datasets/ml-100k.zip"]
    assert seen and seen[-1] == (len(good_zip), len(good_zip))
    folder = dataset_dir(spec, cache_dir())
    assert dataset.path == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        n for n in spec.required + spec.optional if (folder / n).exists()
    )
    assert {p.name for p in folder.parent.iterdir()} == {"ml-100k.zip", "ml-100k", source.COLUMNAR}
    assert download.file_md5(folder.parent / "ml-100k.zip") == spec.md5
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""  # pooch's log lines stay quiet

    server.stop()
    again = source.load()
    assert again.fingerprint == dataset.fingerprint
    assert server.requests == ["/datasets/ml-100k.zip"]  # no second request


def test_only_expected_members_are_extracted(
    server: Server, small_data_dir: Path, use_spec
) -> None:
    payload = build_zip(
        small_data_dir, extra={"ml-100k/run-me.sh": b"rm -rf ~\n", "notes.txt": b"x"}
    )
    server.body = payload
    spec = use_spec(spec_for(server.url, payload))
    folder = source.resolve_folder()
    assert not (folder / "run-me.sh").exists()
    assert not (folder.parent / "notes.txt").exists()
    assert (folder / "u1.base").is_file()
    assert set(os.listdir(folder)) <= set(spec.required + spec.optional)


# --------------------------------------------------------------------------- network failures


@pytest.mark.parametrize("status", [404, 500, 503])
def test_http_error(server: Server, good_zip: bytes, use_spec, tmp_path: Path, status: int) -> None:
    server.mode = f"status:{status}"
    use_spec(spec_for(server.url, good_zip))
    assert failing_run(registry.get(), tmp_path) == (
        f"{server.url}: the server answered HTTP {status}; {HINT}"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_checksum_mismatch(server: Server, good_zip: bytes, use_spec, tmp_path: Path) -> None:
    spec = use_spec(spec_for(server.url, good_zip))
    server.body = good_zip[:-1] + bytes([good_zip[-1] ^ 0xFF])  # same size, one byte off
    assert failing_run(spec, tmp_path) == (
        f"{server.url}: downloaded file failed its MD5 check (expected {spec.md5}); "
        f"nothing was kept; try again later or {HINT}"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_captive_portal_html_is_a_checksum_mismatch(
    server: Server, good_zip: bytes, use_spec, tmp_path: Path
) -> None:
    spec = use_spec(spec_for(server.url, good_zip))
    server.body = b"<html><body>Please log in to the hotel Wi-Fi</body></html>"
    assert "failed its MD5 check" in failing_run(spec, tmp_path)
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_truncated_body(server: Server, good_zip: bytes, use_spec, tmp_path: Path) -> None:
    spec = use_spec(spec_for(server.url, good_zip))
    server.mode = "truncate"
    assert failing_run(spec, tmp_path) == (
        f"downloading {server.url} failed: the connection dropped before the whole file "
        f"arrived; {HINT}"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_connection_refused(server: Server, good_zip: bytes, use_spec, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{closed_port}/ml-100k.zip"
    spec = use_spec(spec_for(url, good_zip))
    assert failing_run(spec, tmp_path) == (
        f"downloading {url} failed: could not connect (offline, DNS failure or connection "
        f"dropped); {HINT}"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_dns_failure(server: Server, good_zip: bytes, use_spec, tmp_path: Path) -> None:
    url = "http://files.grouplens.invalid/datasets/movielens/ml-100k.zip"
    spec = use_spec(spec_for(url, good_zip))
    assert failing_run(spec, tmp_path) == (
        f"downloading {url} failed: could not connect (offline, DNS failure or connection "
        f"dropped); {HINT}"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_server_too_slow(server: Server, good_zip: bytes, tmp_path: Path) -> None:
    server.mode = "slow"
    spec = spec_for(server.url, good_zip)
    cache = tmp_path / "slow-cache"
    with pytest.raises(DownloadError) as info:
        download_zip(spec, cache, timeout=0.3)
    assert str(info.value) == f"downloading {server.url} failed: no answer within 0.3 s; {HINT}"
    assert_cache_clean(cache)


class Cancelled(Exception):
    pass


def test_cancel_from_progress_callback_leaves_cache_clean(
    server: Server, good_zip: bytes, use_spec, tmp_path: Path
) -> None:
    """How the app stops a download on quit: raise from the progress callback."""
    use_spec(spec_for(server.url, good_zip))
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:
            raise Cancelled

    before = all_files(tmp_path, skip=cache_dir())
    with pytest.raises(Cancelled):
        source.load(progress=progress)
    assert all_files(tmp_path, skip=cache_dir()) == before
    assert_cache_clean(cache_dir())
    assert_next_run_succeeds(server, good_zip, use_spec)


# --------------------------------------------------------------------------- hostile zips


def hostile_run(server: Server, payload: bytes, use_spec, tmp_path: Path) -> tuple[str, Path]:
    server.body = payload
    spec = use_spec(spec_for(server.url, payload))
    zip_path = dataset_dir(spec, cache_dir()).parent / "ml-100k.zip"
    return failing_run(spec, tmp_path), zip_path


@pytest.mark.parametrize(
    "member",
    ["../evil.txt", "ml-100k/../../evil.txt", "ml-100k/../u.data", "..\\evil.txt"],
)
def test_zip_with_dotdot_member(
    server: Server, small_data_dir: Path, good_zip: bytes, use_spec, tmp_path: Path, member: str
) -> None:
    payload = build_zip(small_data_dir, extra={member: b"owned\n"})
    message, zip_path = hostile_run(server, payload, use_spec, tmp_path)
    assert message == (
        f"{zip_path}: refusing an unsafe member {member!r} (absolute path or '..'); "
        "the zip is damaged or hostile, nothing was extracted"
    )
    assert not list(tmp_path.rglob("evil.txt"))
    assert_next_run_succeeds(server, good_zip, use_spec)


@pytest.mark.parametrize("member", ["/tmp/evil.txt", "/ml-100k/u.data", "C:/evil.txt"])
def test_zip_with_absolute_member(
    server: Server, small_data_dir: Path, good_zip: bytes, use_spec, tmp_path: Path, member: str
) -> None:
    payload = build_zip(small_data_dir, extra={member: b"owned\n"})
    assert member in zipfile.ZipFile(io.BytesIO(payload)).namelist()
    message, zip_path = hostile_run(server, payload, use_spec, tmp_path)
    assert message == (
        f"{zip_path}: refusing an unsafe member {member!r} (absolute path or '..'); "
        "the zip is damaged or hostile, nothing was extracted"
    )
    assert not Path("/tmp/evil.txt").exists() or Path("/tmp/evil.txt").read_bytes() != b"owned\n"
    assert_next_run_succeeds(server, good_zip, use_spec)


def understate_size(payload: bytes, member: str, size: int) -> bytes:
    """Rewrite ``member``'s uncompressed size in its local and central headers."""
    data = bytearray(payload)
    name = member.encode()
    patched = 0
    for signature, name_len_at, name_at, size_at in (
        (b"PK\x03\x04", 26, 30, 22),  # local file header
        (b"PK\x01\x02", 28, 46, 24),  # central directory header
    ):
        start = 0
        while (pos := data.find(signature, start)) != -1:
            start = pos + 4
            (length,) = struct.unpack_from("<H", data, pos + name_len_at)
            if bytes(data[pos + name_at : pos + name_at + length]) == name:
                struct.pack_into("<I", data, pos + size_at, size)
                patched += 1
    assert patched == 2
    return bytes(data)


def test_zip_member_larger_than_declared(
    server: Server, good_zip: bytes, use_spec, tmp_path: Path
) -> None:
    payload = understate_size(good_zip, "ml-100k/u.data", 100)
    assert zipfile.ZipFile(io.BytesIO(payload)).getinfo("ml-100k/u.data").file_size == 100
    message, zip_path = hostile_run(server, payload, use_spec, tmp_path)
    assert message == (
        f"{zip_path}: not a valid zip or a damaged member (Bad CRC-32 for file "
        "'ml-100k/u.data'); nothing was extracted"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_zip_member_declaring_a_huge_size(
    server: Server, good_zip: bytes, use_spec, tmp_path: Path
) -> None:
    payload = understate_size(good_zip, "ml-100k/u.item", 3_000_000_000)
    message, zip_path = hostile_run(server, payload, use_spec, tmp_path)
    assert message == (
        f"{zip_path}: member ml-100k/u.item declares 3000000000 bytes, far more than any "
        "MovieLens file; the zip is damaged or hostile, nothing was extracted"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_zip_whose_members_are_each_plausible_but_too_large_together(
    server: Server, good_zip: bytes, use_spec, tmp_path: Path
) -> None:
    """Issue 13: the cap is on the total, not only each member (a 7 MB zip of 250 MB
    optional members would otherwise fill the cache)."""
    limit = ML_100K.max_extracted
    payload = good_zip
    for member in ("ml-100k/u1.base", "ml-100k/u2.base", "ml-100k/u3.base"):
        payload = understate_size(payload, member, limit // 2)  # each below the cap
    message, zip_path = hostile_run(server, payload, use_spec, tmp_path)
    assert message.startswith(f"{zip_path}: its ml-100k files declare ")
    assert message.endswith("the zip is damaged or hostile, nothing was extracted")
    assert f"({limit})" in message
    assert not dataset_dir(ML_100K, cache_dir()).exists()
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_zip_lacking_a_required_file(
    server: Server, small_data_dir: Path, good_zip: bytes, use_spec, tmp_path: Path
) -> None:
    payload = build_zip(small_data_dir, prefix="movielens/")
    message, zip_path = hostile_run(server, payload, use_spec, tmp_path)
    assert message == (
        f"{zip_path}: not a ml-100k zip, it lacks ml-100k/u.data, ml-100k/u.item, "
        "ml-100k/u.user, ml-100k/u.genre"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_not_a_zip_at_all(server: Server, good_zip: bytes, use_spec, tmp_path: Path) -> None:
    message, zip_path = hostile_run(server, b"this is not a zip file\n" * 10, use_spec, tmp_path)
    assert message == (
        f"{zip_path}: not a valid zip or a damaged member (File is not a zip file); "
        "nothing was extracted"
    )
    assert_next_run_succeeds(server, good_zip, use_spec)


def test_stale_temp_files_of_a_killed_run_are_removed(
    server: Server, good_zip: bytes, use_spec
) -> None:
    spec = use_spec(spec_for(server.url, good_zip))
    home = dataset_dir(spec, cache_dir()).parent
    home.mkdir(parents=True)
    old_tmp, old_dir, fresh_tmp = home / "tmpab12cd", home / ".ml-100k.x1y2", home / "tmpnew"
    old_tmp.write_bytes(b"half a zip")
    old_dir.mkdir()
    (old_dir / "u.data").write_bytes(b"1\t1\t")
    fresh_tmp.write_bytes(b"another run is downloading")
    long_ago = time.time() - 2 * download.STALE_SECONDS
    for path in (old_tmp, old_dir):
        os.utime(path, (long_ago, long_ago))
    source.load()
    assert not old_tmp.exists() and not old_dir.exists()
    assert fresh_tmp.exists()  # a live run's temp file is left alone


def test_fetch_extracts_again_when_the_folder_was_damaged(
    server: Server, good_zip: bytes, use_spec
) -> None:
    spec = use_spec(spec_for(server.url, good_zip))
    folder = fetch(spec, cache_dir())
    (folder / "u.item").unlink()
    assert fetch(spec, cache_dir()) == folder
    assert (folder / "u.item").is_file()
    assert len(server.requests) == 1  # the verified zip in the cache is reused


# --------------------------------------------------------------------------- --data


def test_data_folder(small_data_dir: Path) -> None:
    dataset = source.load(small_data_dir)
    assert dataset.path == small_data_dir and dataset.n_ratings == 1500
    # used in place: the cache holds only the parsed (columnar) copy, no copied files
    assert {p.name for p in cache_dir().iterdir()} == {"local-columnar"}
    assert not list(cache_dir().rglob("u.data"))


def test_data_nested_folder(small_data_dir: Path) -> None:
    assert source.resolve_folder(small_data_dir.parent) == small_data_dir  # .../ml-100k


def test_data_nested_folder_other_name(small_data_dir: Path, tmp_path: Path) -> None:
    outer = tmp_path / "downloads"
    (outer / "movielens").mkdir(parents=True)
    (outer / "movielens" / "u.data").symlink_to(small_data_dir / "u.data")
    assert source.resolve_folder(outer) == outer / "movielens"


def test_data_env_variable(small_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(source.DATA_ENV, str(small_data_dir))
    assert source.load().path == small_data_dir


@pytest.mark.parametrize("name", ["ml-100k.zip", "ML-100K.ZIP", "movielens-download"])
def test_data_zip(good_zip: bytes, tmp_path: Path, name: str) -> None:
    zip_path = tmp_path / "downloads" / name
    zip_path.parent.mkdir()
    zip_path.write_bytes(good_zip)
    dataset = source.load(zip_path)
    assert dataset.n_ratings == 1500
    assert cache_dir() in dataset.path.parents
    mtime = (dataset.path / "u.data").stat().st_mtime_ns
    assert source.load(zip_path).path == dataset.path  # extracted once
    assert (dataset.path / "u.data").stat().st_mtime_ns == mtime
    assert zip_path.read_bytes() == good_zip


def test_data_hostile_zip_keeps_the_users_file(small_data_dir: Path, tmp_path: Path) -> None:
    zip_path = tmp_path / "mine.zip"
    zip_path.write_bytes(build_zip(small_data_dir, extra={"../../evil.txt": b"owned"}))
    with pytest.raises(DownloadError) as info:
        source.load(zip_path)
    assert str(info.value) == (
        f"{zip_path}: refusing an unsafe member '../../evil.txt' (absolute path or '..'); "
        "the zip is damaged or hostile, nothing was extracted"
    )
    assert zip_path.exists()
    assert_cache_clean(cache_dir())
    assert not list(tmp_path.rglob("evil.txt"))


def test_data_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder"
    with pytest.raises(DataError) as info:
        source.load(path)
    assert str(info.value) == (
        f"{path} (from --data): no such file or folder; give an ml-100k folder or ml-100k.zip"
    )


def test_data_missing_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "gone.zip"
    monkeypatch.setenv(source.DATA_ENV, str(path))
    with pytest.raises(DataError) as info:
        source.load()
    assert str(info.value) == (
        f"{path} (from MOVIELENS_TUI_DATA): no such file or folder; "
        "give an ml-100k folder or ml-100k.zip"
    )


def test_data_other_kind_of_file(tmp_path: Path) -> None:
    path = tmp_path / "ratings.parquet"
    path.write_text("user,movie,rating\n")
    with pytest.raises(DataError) as info:
        source.load(path)
    assert str(info.value) == (
        f"{path} (from --data): expected an ml-100k folder, a .zip or a ratings .csv, "
        "got another kind of file"
    )
    empty_csv = tmp_path / "ratings.csv"
    empty_csv.write_text("user,movie,rating\n")
    with pytest.raises(DataError, match="ratings.csv: has a header but no ratings"):
        source.load(empty_csv)


def test_data_folder_without_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError) as info:
        source.load(empty)
    assert str(info.value) == (
        f"{empty / 'u.data'}: file is missing; point --data at a complete ml-100k folder or its zip"
    )
