"""Shared helpers for the benchmark scripts: machine description, percentiles, and
updating one marked section of BENCHMARKS.md (or of the file given by --output or the
BENCHMARKS_OUTPUT environment variable, which the smoke tests use)."""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
HEADER = (
    "# Benchmarks\n\nFigures from the scripts in `benchmarks/`; "
    "each section is rewritten by its script.\n"
)


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark shares."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, runs in seconds (CI)")
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        help="markdown file to update (default: $BENCHMARKS_OUTPUT or BENCHMARKS.md)",
    )
    return p


def machine() -> str:
    """One line naming CPU, cores, memory, OS and the Python / numpy versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def command() -> str:
    """The command line that ran this script, as a person would type it."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(REPO)
    except ValueError:
        pass
    return shlex.join(["python", str(script), *sys.argv[1:]])


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    a = np.asarray(seconds, dtype=np.float64) * 1000
    return float(np.median(a)), float(np.percentile(a, 95))


def output_path(option: Path | None) -> Path:
    if option is not None:
        return option
    env = os.environ.get("BENCHMARKS_OUTPUT")
    return Path(env) if env else REPO / "BENCHMARKS.md"


def update_section(
    name: str, body: str, option: Path | None = None, smoke: bool = False
) -> Path | None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``.

    A smoke run writes only to an explicit ``--output`` / ``$BENCHMARKS_OUTPUT``, never
    over the real figures; it returns None when nothing was written.
    """
    if smoke and option is None and not os.environ.get("BENCHMARKS_OUTPUT"):
        return None
    path = output_path(option)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n\nCommand: `{command()}`  \nMachine: {machine()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ml100k_dir() -> Path | None:
    """The real ml-100k folder: $MOVIELENS_100K_DIR or ../shared/datasets/ml-100k."""
    candidates = [os.environ.get("MOVIELENS_100K_DIR"), REPO.parent / "shared/datasets/ml-100k"]
    for c in candidates:
        if c and (Path(c) / "u.item").is_file() and (Path(c) / "u.data").is_file():
            return Path(c)
    return None
