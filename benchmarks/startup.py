"""Start-up: from launching the app to the first painted screen showing the dataset counts.

Runs the installed ``movielens-tui --data FOLDER`` (or ``python -m movielens_tui``) in a
private tmux server and polls ``capture-pane`` until the screen shows the number of
users (``943`` for ml-100k), several times; reports the median. One more run goes
through a tiny wrapper that records, with an audit hook, when ``tensorflow`` is first
imported, to tell whether TensorFlow was loaded before the first paint. A bare
``python -c "print(943)"`` in the same tmux set-up gives the floor (tmux + interpreter).

With ``--cached`` the app starts like a daily user's: no ``--data``, ml-100k already in
the cache dir (downloaded and its columnar cache written once before timing), so the
counts come from the cache manifest. Each run also notes when the whole Dataset view
(the line with the density) is on screen.

    python benchmarks/startup.py                 # ml-100k from $MOVIELENS_100K_DIR / shared
    python benchmarks/startup.py --cached        # ml-100k from the app's cache, no --data
    python benchmarks/startup.py --smoke         # generated small data, 2 runs
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import ml100k_dir, parser, update_section  # noqa: E402

GOAL_S = 0.8
GOAL_CACHED_S = 0.5  # counts of a cached release (issue 10)
FULL = re.compile(r"density \d")  # the Dataset pane's whole summary line
SOCKET = f"movielens-bench-{os.getpid()}"
# Runs the app like the console script does, noting when tensorflow is first imported.
WRAPPER = """
import sys, time
stamp = sys.argv.pop(1)
def hook(event, args):
    if event == "import" and str(args[0]).split(".")[0] == "tensorflow":
        with open(stamp, "a") as f:
            f.write(f"{time.time()!r}\\n")
        sys.audit_hook_done = True
sys.addaudithook(lambda e, a: None if getattr(sys, "audit_hook_done", False) else hook(e, a))
from movielens_tui.cli import main
sys.argv[0] = "movielens-tui"
raise SystemExit(main())
"""


def tmux(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check
    )


def time_to_text(
    argv: list[str],
    pattern: re.Pattern[str],
    env: dict[str, str],
    timeout: float,
    full: list[float] | None = None,
) -> tuple[float | None, float, str]:
    """Seconds from launch until ``pattern`` is on the screen (None on timeout),
    the wall-clock time of that moment, and the last screen. With ``full`` given, goes
    on until the whole Dataset view (``FULL``) is shown and appends that time to it."""
    tmux("kill-server", check=False)
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    start_wall = time.time()
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", "100", "-y", "32", *env_args,
         shlex_join(argv))  # fmt: skip
    screen = ""
    found: float | None = None
    try:
        while time.perf_counter() - start < timeout:
            screen = tmux("capture-pane", "-p", "-t", "bench", check=False).stdout
            if found is None and pattern.search(screen):
                found = time.perf_counter() - start
                if full is None:
                    return found, start_wall + found, screen
            if found is not None and full is not None and FULL.search(screen):
                full.append(time.perf_counter() - start)
                return found, start_wall + found, screen
            time.sleep(0.02)  # polling tmux costs CPU the app needs
        return found, start_wall + (found or 0.0), screen
    finally:
        tmux("send-keys", "-t", "bench", "C-q", check=False)
        time.sleep(0.2)
        tmux("kill-server", check=False)


def shlex_join(argv: list[str]) -> str:
    import shlex

    return shlex.join(argv)


def app_command(data: Path | None, use_module: bool) -> tuple[list[str], str]:
    """The command line (``data`` None: the cached default release, no ``--data``)."""
    script = shutil.which("movielens-tui") or str(Path(sys.executable).parent / "movielens-tui")
    args = ["--data", str(data)] if data is not None else []
    shown = " --data FOLDER" if data is not None else " (cached ml-100k)"
    unset = ["env", "-u", "MOVIELENS_TUI_DATA"]
    if not use_module and Path(script).exists():
        return [*unset, script, *args], f"movielens-tui{shown}"
    return [*unset, sys.executable, "-m", "movielens_tui", *args], f"python -m movielens_tui{shown}"


def fill_cache(data: Path, cache: Path) -> None:
    """Put ml-100k from ``data`` into ``cache`` as a download would, then open it once
    (in another process) so its columnar cache and manifest are written."""
    from movielens_tui.data import registry
    from movielens_tui.data.download import dataset_dir

    target = dataset_dir(registry.get("ml-100k"), cache)
    shutil.copytree(data, target, dirs_exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "MOVIELENS_TUI_DATA"}
    env["MOVIELENS_TUI_CACHE"] = str(cache)
    code = "from movielens_tui.data import source; print(source.load().n_ratings)"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--data", type=Path, default=None, help="ml-100k folder (default: found)")
    p.add_argument("--module", action="store_true", help="run python -m movielens_tui")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per run")
    p.add_argument("--cached", action="store_true",
                   help="start without --data on ml-100k already in the cache")  # fmt: skip
    args = p.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed; cannot measure start-up", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    data = args.data or (None if args.smoke else ml100k_dir())
    if data is None:
        from movielens_tui.data.synthetic import write_movielens_folder

        data = write_movielens_folder(tmp / "ml-100k", 60, 80, 1500, folds=False)
        expect, what = r"\b60\b", "generated 60 users × 80 movies"
    else:
        expect, what = r"\b943\b|\b1,682\b", f"ml-100k at {data}"
    runs = 1 if args.smoke else args.runs
    pattern = re.compile(expect)
    env = {
        "MOVIELENS_TUI_HOME": str(tmp / "home"),  # no saved model: a fresh start
        "MOVIELENS_TUI_CACHE": str(tmp / "cache"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TERM": "xterm-256color",
    }
    if args.cached:
        fill_cache(Path(data), tmp / "cache")
        what += " in the cache dir"
    goal = GOAL_CACHED_S if args.cached else GOAL_S
    argv_app, label = app_command(None if args.cached else Path(data), args.module)
    floor = [sys.executable, "-c", "print(943); print(60); import time; time.sleep(30)"]
    baseline = sorted(
        t
        for t, _, _ in (
            time_to_text(floor, pattern, env, 10) for _ in range(1 if args.smoke else 3)
        )
        if t
    )
    times: list[float] = []
    full: list[float] = []
    last_screen = ""
    for i in range(runs):
        t, _, last_screen = time_to_text(argv_app, pattern, env, args.timeout, full)
        whole = f", whole view {full[-1]:.3f} s" if len(full) == i + 1 else ""
        print(f"run {i + 1}: {'timeout' if t is None else f'{t:.3f} s'}{whole}")
        if t is not None:
            times.append(t)
    stamp = tmp / "tf-import.txt"
    app_args = argv_app[argv_app.index("--data") :] if "--data" in argv_app else []
    wrapped = [*argv_app[:3], sys.executable, "-c", WRAPPER, str(stamp), *app_args]
    t_wrapped, painted_at, _ = time_to_text(wrapped, pattern, env, args.timeout)
    tf_times = [float(x) for x in stamp.read_text().split()] if stamp.exists() else []
    if t_wrapped is None:
        tf_state = "unknown (the instrumented run did not paint)"
    elif tf_times and min(tf_times) <= painted_at:
        tf_state = f"**yes**, imported {painted_at - min(tf_times):.2f} s before the first paint"
    elif tf_times:
        tf_state = f"no (imported {min(tf_times) - painted_at:.2f} s after the first paint)"
    else:
        tf_state = "no (not imported while the app was open)"
    floor_s = baseline[len(baseline) // 2] if baseline else float("nan")
    if not times:
        print("the app never showed the counts; last screen:\n" + last_screen, file=sys.stderr)
        median = float("nan")
    else:
        times.sort()
        median = times[len(times) // 2]
    print(
        f"median {median:.3f} s over {len(times)}/{runs} runs (goal ≤ {goal} s); "
        f"whole view median {sorted(full)[len(full) // 2] if full else float('nan'):.3f} s; "
        f"tmux + bare python floor {floor_s:.3f} s; tensorflow at first paint: {tf_state}"
    )
    section = "startup-cached" if args.cached else "startup"
    lines = [
        "## Start-up to first painted counts" + (" (cached ml-100k)" if args.cached else ""),
        "",
        f"`{label}` in tmux (100×32), {what}, no saved model; time until the user count "
        "is on the captured screen.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| median of {len(times)}/{runs} runs | {median:.3f} s (goal ≤ {goal} s) |",
        f"| whole Dataset view (median) | "
        f"{sorted(full)[len(full) // 2] if full else float('nan'):.3f} s |",
        f"| min / max | {min(times, default=float('nan')):.3f} / "
        f"{max(times, default=float('nan')):.3f} s |",
        f"| floor: tmux + bare `python -c print(943)` | {floor_s:.3f} s |",
        f"| tensorflow in `sys.modules` at first paint | {tf_state} |",
    ]
    if args.smoke:
        lines.append("\n(smoke run: tiny data, not the real figures)")
    print(f"updated {update_section(section, chr(10).join(lines), args.output, args.smoke)}")
    return 0 if times else 1


if __name__ == "__main__":
    raise SystemExit(main())
