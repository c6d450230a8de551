"""Responsiveness: key press to updated screen while a training worker runs.

Opens the app headless (Textual's Pilot, 100×30) on ml-100k, starts training in the
Train pane and, while the worker trains, presses keys handled elsewhere: pane switches
(``1``, ``3`` to ``6``) and ``m`` (DOT/COSINE in the header). Each sample is the time from
the key event reaching the app (sent through the driver, as a terminal key press is)
to the first screen update the app renders that shows the key's effect (the active pane
or the measure, read as that update is handed to the driver). The same keys are timed
with no training in the same run.

    python benchmarks/responsiveness.py                 # mf and biased-mf workers
    python benchmarks/responsiveness.py --smoke
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import ml100k_dir, parser, percentiles, update_section  # noqa: E402

GOAL_P95_MS = 100.0
KEYS = ("1", "3", "m", "4", "5", "m", "6", "3", "1", "m")
# Long enough that training is still running when the keys are pressed.
LONG_RUN = {"mf": {"iterations": "1000000"}, "biased-mf": {"epochs": "100000"}}


async def _wait(predicate, timeout: float = 30.0) -> bool:  # noqa: ANN001 - any callable
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return True
        await asyncio.sleep(0.001)
    return False


def _record_paints(app) -> list[tuple[float, str, str]]:  # noqa: ANN001 - a textual App
    """Note every screen update the app hands to its driver, with what it shows: the
    time, the active pane and the measure at that moment."""
    from textual.widgets import TabbedContent

    tabs = app.query_one("#tabs", TabbedContent)
    stamps: list[tuple[float, str, str]] = []
    original = app._display

    def display(screen, renderable):  # noqa: ANN001, ANN202 - textual's signature
        if renderable is not None:
            stamps.append((time.perf_counter(), tabs.active, app.measure))
        return original(screen, renderable)

    app._display = display
    return stamps


async def _press_and_time(app, pilot, key: str, paints: list) -> float:  # noqa: ANN001
    """Seconds from the key event reaching the app to the first screen update showing
    its effect (the other pane / the other measure)."""
    from textual import events
    from textual.widgets import TabbedContent

    tabs = app.query_one("#tabs", TabbedContent)
    app.screen.set_focus(None)  # single-key bindings, whatever the pane focused
    await pilot.pause()
    await asyncio.sleep(0.05)
    before = app.measure
    names = {"1": "dataset", "3": "neighbors", "4": "users", "5": "map", "6": "you"}
    if key == "m":

        def shows(active: str, measure: str) -> bool:
            return measure != before
    else:

        def shows(active: str, measure: str) -> bool:
            return active == f"tab-{names[key]}"

    event = events.Key(key, key)
    event.set_sender(app)
    start = time.perf_counter()
    app._driver.send_message(event)  # what a terminal key press does
    if not await _wait(lambda: shows(tabs.active, app.measure)):
        raise RuntimeError(f"key {key!r} had no effect within 30 s")

    def painted() -> float | None:
        return next((t for t, *state in paints if t > start and shows(*state)), None)

    if not await _wait(lambda: painted() is not None):
        raise RuntimeError(f"no screen update within 30 s after key {key!r}")
    return painted() - start


async def measure(data_dir: Path, preset: str | None, presses: int) -> dict:
    from textual.widgets import Button, Input, Select

    from movielens_tui.tui.app import MovieLensApp
    from movielens_tui.tui.messages import TrainingEnded, TrainingProgress

    seen: list[object] = []
    app = MovieLensApp(data=data_dir)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        paints = _record_paints(app)
        if not await _wait(lambda: app.dataset is not None, 120):
            raise RuntimeError("the dataset did not load")
        await pilot.pause()
        progress_before = 0
        if preset is not None:
            await pilot.press("2")
            await pilot.pause()
            select = app.query_one("#preset", Select)
            if select.value != preset:
                select.value = preset
                await pilot.pause()
                await pilot.pause()
            for name, value in LONG_RUN.get(preset, {}).items():
                app.query_one(f"#param-{name}", Input).value = value
            await pilot.pause()
            app.query_one("#train-button", Button).focus()
            await pilot.press("s")

            def progressed() -> bool:
                return any(isinstance(m, (TrainingProgress, TrainingEnded)) for m in seen)

            if not await _wait(progressed, 300):
                raise RuntimeError(f"{preset}: no training progress within 300 s")
            failed = [m for m in seen if isinstance(m, TrainingEnded) and m.trained is None]
            if failed:
                raise RuntimeError(f"{preset}: training failed: {failed[0].message}")
            progress_before = sum(isinstance(m, TrainingProgress) for m in seen)
        times = [
            await _press_and_time(app, pilot, KEYS[i % len(KEYS)], paints) for i in range(presses)
        ]
        progress = sum(isinstance(m, TrainingProgress) for m in seen) - progress_before
        still_training = any(w.group == "train" and w.is_running for w in app.workers)
        if preset is not None and not still_training:
            raise RuntimeError(f"{preset}: training ended before the keys were timed")
        app.workers.cancel_all()  # leaving the block exits the app (Pilot's press of
        # ctrl+q can wait forever on an app that is already shutting down)
    med, p95 = percentiles(times)
    by_key: dict[str, list[float]] = {}
    for i, t in enumerate(times):
        by_key.setdefault(KEYS[i % len(KEYS)], []).append(t)
    per_key = ", ".join(
        f"`{k}` {percentiles(v)[0]:.0f}/{max(v) * 1000:.0f}" for k, v in sorted(by_key.items())
    )
    return {"median": med, "p95": p95, "max": max(times) * 1000, "n": len(times),
            "progress": progress, "per_key": per_key}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--presets", default="mf,biased-mf", help="training workers to run")
    p.add_argument("--presses", type=int, default=60)
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per worker run")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-responsiveness-"))
    os.environ["MOVIELENS_TUI_HOME"] = str(tmp / "home")  # no saved model, nothing kept
    os.environ["MOVIELENS_TUI_CACHE"] = str(tmp / "cache")
    data_dir = None if args.smoke else ml100k_dir()
    what = f"ml-100k at {data_dir}"
    if data_dir is None:
        from movielens_tui.data.synthetic import write_movielens_folder

        data_dir = write_movielens_folder(tmp / "ml-100k", 60, 80, 1500, folds=False)
        what = "generated 60 users × 80 movies"
    presses = 5 if args.smoke else args.presses
    presets = ["mf"] if args.smoke else [s for s in args.presets.split(",") if s]
    rows = []
    for preset in [None, *presets]:
        label = "no training (baseline)" if preset is None else f"while `{preset}` trains"
        try:
            r = asyncio.run(asyncio.wait_for(measure(data_dir, preset, presses), args.timeout))
        except Exception as exc:  # noqa: BLE001 - reported in the table
            print(f"{label}: failed: {exc!r}")
            rows.append((label, None, repr(exc)))
            continue
        print(f"{label}: median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms, "
              f"max {r['max']:.1f} ms over {r['n']} presses; {r['progress']} progress "
              f"messages meanwhile; per key median/max ms: {r['per_key']}")  # fmt: skip
        rows.append((label, r, ""))
    lines = [
        "## Responsiveness while training",
        "",
        f"Pilot (headless, 100×30) on {what}: keys `{' '.join(KEYS)}` pressed in turn "
        f"({presses} presses); each sample = key event sent through the driver until the "
        "first screen update showing the new pane / measure. Training workers "
        "run with long settings so they are busy the whole time.",
        "",
        "| worker | median | p95 | max | goal p95 | per key: median / max (ms) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, r, err in rows:
        if r is None:
            lines.append(f"| {label} | failed: {err} | | | | |")
        else:
            lines.append(
                f"| {label} | {r['median']:.1f} ms | {r['p95']:.1f} ms | {r['max']:.1f} ms | "
                f"≤ {GOAL_P95_MS:g} ms | {r['per_key']} |"
            )
    if args.smoke:
        lines.append("\n(smoke run: tiny data, not the real figures)")
    print(
        f"updated {update_section('responsiveness', chr(10).join(lines), args.output, args.smoke)}"
    )
    return 0 if all(r is not None for _, r, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
