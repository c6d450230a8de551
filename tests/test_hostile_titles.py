"""Issue 13: titles are text, never markup; control characters never reach the terminal.

A generated ml-100k folder whose u.item holds "Four [/] Rooms", a title with
``[bold red]`` markup and one with a terminal escape (``\\x1b]0;PWNED\\x07\\x1b[2J``: set
the window title, clear the screen), and a u.user occupation with an escape too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movielens_tui.cli import main
from movielens_tui.data import source
from movielens_tui.data.control_chars import collecting, describe, strip_controls
from movielens_tui.data.movielens import decode_text, load_folder
from movielens_tui.data.synthetic import write_movielens_folder

ESCAPE = "\x1b]0;PWNED\x07\x1b[2J"
TITLES = {
    1: "Four [/] Rooms (1995)",
    2: "Toy [bold red]Story[/] (1995)",
    3: f"Evil{ESCAPE} Dead (1981)",
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_movielens_folder(
        tmp_path_factory.mktemp("hostile") / "ml-100k", 60, 80, 1500, folds=False
    )
    lines = (folder / "u.item").read_text(encoding="latin-1").splitlines()
    for i, line in enumerate(lines):
        fields = line.split("|")
        if int(fields[0]) in TITLES:
            fields[1] = TITLES[int(fields[0])]
            lines[i] = "|".join(fields)
    (folder / "u.item").write_text("\n".join(lines) + "\n", encoding="latin-1")
    users = (folder / "u.user").read_text().splitlines()
    first = users[0].split("|")
    first[3] = f"oth\x9b2Jer{chr(7)}"  # a one-byte C1 CSI (latin-1 0x9b) and a BEL
    users[0] = "|".join(first)
    (folder / "u.user").write_bytes(("\n".join(users) + "\n").encode("latin-1"))
    return folder


def test_strip_controls_keeps_tabs_and_line_ends_and_counts() -> None:
    with collecting() as counts:
        assert strip_controls("a\tb\x1b[2Jc\r\n\x7f\x85d", "f.txt") == "a\tb[2Jc\r\nd"
    assert counts == {"f.txt": 3}
    assert strip_controls("plain") == "plain"  # outside a collection: nothing recorded
    assert describe({"/x/u.item": 5, "u.user": 1}).startswith(
        "removed 6 control characters (terminal escapes) from u.item (5), u.user (1)"
    )


def test_decode_text_strips_escapes_from_latin1_and_utf8() -> None:
    assert decode_text(b"Evil\x1b]0;X\x07 (1981)\n", "u.item") == "Evil]0;X (1981)\n"
    assert decode_text(b"Caf\xe9\x9b2J\n", "u.item") == "Caf\xe92J\n"  # latin-1, C1 CSI


def test_parsed_dataset_has_no_control_characters(hostile_dir: Path) -> None:
    dataset = load_folder(hostile_dir)
    titles = dict(zip(dataset.movies["movie_id"], dataset.movies["title"], strict=True))
    assert titles[1] == TITLES[1] and titles[2] == TITLES[2]  # brackets are kept as text
    assert titles[3] == "Evil]0;PWNED[2J Dead (1981)"
    assert dataset.users["occupation"].iat[0] == "oth2Jer"


def test_loading_says_how_many_were_removed(hostile_dir: Path, tmp_path: Path) -> None:
    heard: list[str] = []
    source.load(hostile_dir, notify=heard.append)
    assert any("removed 5 control characters" in line and "u.item (3)" in line
               and "u.user (2)" in line for line in heard), heard  # fmt: skip


def test_stats_prints_titles_as_text(capsys, hostile_dir: Path) -> None:
    code = main(["stats", "--data", str(hostile_dir), "--top", "80"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Four [/] Rooms" in out and "Toy [bold red]Story[/]" in out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "removed 5 control characters" in err


def test_neighbors_of_a_markup_title(capsys, hostile_dir: Path) -> None:
    argv = ["neighbors", "--data", str(hostile_dir), "Four [/] Rooms", "--preset", "ease"]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Four [/] Rooms (1995)" in out and "\x1b" not in out
    code = main([*argv[:3], "Evil Dead", "--preset", "ease", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and "\x1b" not in out and "\\u001b" not in out
    assert json.loads(out)
