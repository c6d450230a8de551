"""In a real terminal: "Why?" on a Users recommendation, and a Compare run on ml-100k u1
whose table shows what ``movielens-tui compare --json`` prints."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_support import TMUX, Terminal, console_script

from movielens_tui.models.presets import COMPARE_PRESETS, PRESETS

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def _start(data: Path, width: int, height: int) -> Terminal:
    script = console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    env = {k: os.environ[k] for k in ("MOVIELENS_TUI_HOME", "MOVIELENS_TUI_CACHE",
                                      "MOVIELENS_TUI_CONFIG")}  # fmt: skip
    env["TERM"] = "xterm-256color"
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = (f"env {assignments} {shlex.quote(script)} --data {shlex.quote(str(data))}; "
               "echo EXITED-$?; sleep 30")  # fmt: skip
    return Terminal(command, width, height)


@pytest.fixture
def small_terminal(small_data_dir: Path, isolated_dirs: Path) -> Iterator[Terminal]:
    term = _start(small_data_dir, 80, 24)
    try:
        yield term
    finally:
        term.close()


def test_why_on_a_users_recommendation_names_rated_movies(small_terminal, small_dataset) -> None:
    term = small_terminal
    term.wait_for(lambda s: f"{small_dataset.n_ratings:,} ratings" in s)
    term.send("2")
    term.wait_for(lambda s: "Start (s)" in s, timeout=10)
    term.send("s")
    term.wait_for(lambda s: "done · step" in s, timeout=180)
    term.send("4")
    term.wait_for(lambda s: "Filter users" in s, timeout=10)
    time.sleep(0.5)  # keys sent at once may land before the pane has the focus
    term.send("/")
    time.sleep(0.5)
    term.send("2")
    term.wait_for(lambda s: "1 of 60 match" in s, timeout=10)
    term.send("Enter")
    term.wait_for(lambda s: "Top 10 for user 2" in s, timeout=20)
    term.send("Enter")  # into the recommendations
    time.sleep(0.5)
    term.send("w")
    screen = term.wait_for(lambda s: "Why?" in s and "esc closes" in s, timeout=20)
    rated = {str(small_dataset.movies["title"].iat[m])[:20]
             for m in small_dataset.rated_by(small_dataset.user_index(2))}  # fmt: skip
    assert "because you rated" in screen
    assert any(title in screen for title in rated), screen
    term.send("Escape")
    term.wait_for(lambda s: "esc closes" not in s, timeout=10)
    term.send("C-q")
    assert "EXITED-0" in term.wait_for(lambda s: "EXITED-" in s, timeout=15)


CHOSEN = ("popularity", "ease")  # deterministic and quick: the same numbers every run


def _toggle_keys(chosen: tuple[str, ...]) -> list[str]:
    """Keys in the preset picker (every preset listed, the defaults ticked) that leave
    exactly ``chosen`` ticked: move down the list, space where a tick must change."""
    keys: list[str] = []
    for name in PRESETS:
        if (name in COMPARE_PRESETS) != (name in chosen):
            keys.append("Space")
        keys.append("Down")
    return keys


def test_compare_on_ml100k_u1_matches_compare_json(ml100k_dir: Path, isolated_dirs) -> None:
    term = _start(ml100k_dir, 120, 40)
    try:
        term.wait_for(lambda s: "100,000 ratings" in s, timeout=60)
        term.send("7")
        term.wait_for(lambda s: "Presets (p)" in s, timeout=15)
        term.send("p")
        term.wait_for(lambda s: "Presets to compare" in s, timeout=10)
        for key in _toggle_keys(CHOSEN):
            term.send(key)
            time.sleep(0.15)  # one key at a time: tmux may fuse keys sent together
        term.send("Enter")
        term.wait_for(lambda s: "Presets (p): 2" in s, timeout=10)
        time.sleep(0.3)
        term.send("o")  # the protocol list: u1-u5, then u1 alone
        time.sleep(0.3)
        term.send("Enter")
        term.wait_for(lambda s: "u1 alone" in s, timeout=10)
        term.send("Down")
        time.sleep(0.3)
        term.send("Enter")
        term.wait_for(lambda s: "u1 alone (fastest)  " in s or "u1 alone (fastest) ▼" in s,
                      timeout=10)  # fmt: skip
        term.send("Escape")  # leave the list for the pane, where r runs
        time.sleep(0.3)
        term.send("r")
        screen = term.wait_for(lambda s: "Done:" in s, timeout=300)
        assert "canonical folds u1" in screen
    finally:
        term.close()
    command = [console_script() or "movielens-tui", "compare", "--data", str(ml100k_dir),
               "--presets", ",".join(CHOSEN), "--fold", "1", "--json", "--no-save"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    rows = {row["preset"]: row for row in json.loads(out.stdout)}
    lines = {line.split()[0]: line for line in screen.splitlines() if line.split()
             and line.split()[0] in CHOSEN}  # fmt: skip
    assert set(lines) == set(CHOSEN), screen
    for name in CHOSEN:
        for metric in ("precision_at_10", "recall_at_10", "ndcg_at_10", "coverage"):
            assert f"{rows[name][metric]:.4f}" in lines[name], (name, metric, lines[name])
