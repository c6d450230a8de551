"""Open a generated ml-25m-layout release of a million ratings from the cache in the
installed ``movielens-tui`` (tmux), twice (parse, then the columnar cache), and walk
every pane checking what a person would see."""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tmux_support import TMUX, Terminal, console_script

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
USERS, MOVIES, RATINGS = 6_000, 8_000, 1_000_000


def _press_until(term: Terminal, key: str, seen: Callable[[str], bool]) -> str:
    """Press ``key`` until ``seen`` (at most 3 times): on a loaded machine tmux may deliver
    a key right after escape as one alt+key, which the app rightly ignores."""
    for attempt in range(3):
        term.send(key)
        try:
            return term.wait_for(seen, timeout=8)
        except AssertionError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _search(term: Terminal, title: str) -> str:
    """Type ``title`` into the Neighbors search until the screen shows it twice (the box
    and a row): on a loaded machine the keys after ``/`` may arrive before the box has the
    focus, so try again (at most 3 times) from the pane."""
    for attempt in range(3):
        term.send("3")
        term.wait_for(lambda s: "Search a movie title" in s or title in s, timeout=10)
        term.send("/")
        time.sleep(0.5)
        term.send("End", "C-u")  # whatever an earlier attempt left in the box
        term.send(title)
        try:
            return term.wait_for(lambda s: s.count(title) >= 2, timeout=15)
        except AssertionError:
            if attempt == 2:
                raise
            term.send("Escape")
            time.sleep(1.0)
    raise AssertionError("unreachable")


def _open(script: str) -> Terminal:
    # the config dir too: a remembered last pane must not come from the real user's settings
    names = ("MOVIELENS_TUI_HOME", "MOVIELENS_TUI_CACHE", "MOVIELENS_TUI_CONFIG")
    env = {k: os.environ[k] for k in names}
    env["TERM"] = "xterm-256color"
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return Terminal(
        f"env {assignments} {shlex.quote(script)} --dataset ml-25m; echo EXITED-$?; sleep 30"
    )


def test_a_million_rating_release_from_the_cache_in_every_pane(isolated_dirs: Path) -> None:
    script = console_script()
    if script is None:
        pytest.skip("the movielens-tui console script is not installed")
    from movielens_tui.data import registry
    from movielens_tui.data.download import dataset_dir
    from movielens_tui.data.synthetic import write_csv_release
    from movielens_tui.paths import cache_dir

    folder = dataset_dir(registry.get("ml-25m"), cache_dir())
    write_csv_release(folder, n_users=USERS, n_movies=MOVIES, n_ratings=RATINGS,
                      tags=False, links=False, crlf=False)  # fmt: skip
    counts = f"{USERS:,} users · {MOVIES:,} movies · {RATINGS:,} ratings"

    first = _open(script)  # parses the CSV and writes the columnar cache
    try:
        screen = first.wait_for(lambda s: counts in s, timeout=40)
        assert "ml-25m" in screen and "Most rated" in screen
        first.send("C-q")
        first.wait_for(lambda s: "EXITED-0" in s, timeout=15)
    finally:
        first.close()

    term = _open(script)  # the cached start
    try:
        started = time.monotonic()
        screen = term.wait_for(lambda s: counts in s, timeout=20)
        assert time.monotonic() - started < 20
        assert "Ratings by value" in screen

        term.send("2")
        screen = term.wait_for(lambda s: "Start (s)" in s, timeout=10)
        assert "No trained model yet" in screen and "learning_rate" in screen

        screen = _search(term, "Storm Fire 4010")
        term.send("Escape")  # leave the search box, or "4" would be typed into it
        time.sleep(1.0)  # tmux would otherwise send escape and "4" as one alt+4

        screen = _press_until(term, "4", lambda s: f"first 2,000 of {USERS:,} users" in s)
        assert "User 1 · " in screen and " User " in screen and "Ratings" in screen
        term.send("/")
        time.sleep(0.3)
        term.send(str(USERS))  # past the listed first 2,000: the filter answers over all
        screen = term.wait_for(lambda s: f"User {USERS} · " in s, timeout=10)
        assert f"1 of {USERS:,} match" in screen and "Top rated" in screen
        term.send("Escape")
        time.sleep(0.3)

        term.send("5")
        screen = term.wait_for(lambda s: "Movie embeddings" in s, timeout=10)
        assert "No trained model yet" in screen and "t t-SNE" in screen

        term.send("6")
        screen = term.wait_for(lambda s: "Your ratings (0)" in s, timeout=10)
        assert "Storm Fire 4010" in screen  # the most rated movies to rate

        term.send("Escape")  # out of the list (there 7 would still switch; be explicit)
        time.sleep(0.5)
        term.send("7")
        screen = term.wait_for(lambda s: "Presets (p)" in s, timeout=10)
        assert "seeded 5-fold" in screen  # no canonical folds: the seeded protocol
        assert "No comparison on ml-25m yet" in screen
        term.send("C-q")
        assert "EXITED-0" in term.wait_for(lambda s: "EXITED-" in s, timeout=15)
    finally:
        term.close()
