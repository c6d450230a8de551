"""Fuzzy title search: latency per keystroke, against a plain rapidfuzz WRatio scan.

Types each query of a list of real queries one character at a time ("a", "al", "ala",
...) and times ``TitleIndex.search`` for every keystroke, at 1,682 titles (the real
ml-100k titles) and at 62,000 titles (the real ones plus generated, MovieLens-shaped
titles built from the real titles' words). In the same run it times a plain
``rapidfuzz.process.extract(..., scorer=WRatio)`` scan over the same titles.

    python benchmarks/search_speed.py            # full run, updates BENCHMARKS.md
    python benchmarks/search_speed.py --smoke    # seconds
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import ml100k_dir, parser, percentiles, update_section  # noqa: E402

from movielens_tui.search import TitleIndex  # noqa: E402

QUERIES = (
    "aladdin", "the godfather", "godfathr", "miserables", "star wars", "toy story",
    "shawshank redemption", "pulp fiction", "silence of the lambs", "fargo",
    "casablanca", "twelve monkeys", "independance day", "empire strikes back",
    "raiders of the lost ark", "schindlers list", "usual suspects", "titanic 1997",
    "lion king", "braveheart",
)  # fmt: skip
GOALS_MS = {1682: 5.0, 62000: 20.0}
_FALLBACK_WORDS = (
    "night river storm garden shadow summer blue iron silent golden last secret city dream "
    "fire winter wild lost love man woman king queen war house story day life time world "
    "return dead black white red girl boy street heart road star american little big "
    "película éte château cœur mädchen straße niño amour vie rêve"
).split()
_ARTICLES_LAST = ("The", "The", "The", "A", "An", "Les", "La", "Le", "Il", "Die", "Das", "El")


def real_titles() -> list[str] | None:
    folder = ml100k_dir()
    if folder is None:
        return None
    lines = (folder / "u.item").read_bytes().decode("latin-1").splitlines()
    return [line.split("|")[1] for line in lines if line.count("|") > 2]


def synthetic_titles(n: int, words: list[str], seed: int = 0) -> list[str]:
    """MovieLens-shaped titles: articles moved last, sequels, subtitles, aka, years."""
    rng = np.random.default_rng(seed)
    titles = []
    for _ in range(n):
        k = int(rng.choice([1, 2, 2, 3, 3, 4, 5]))
        body = " ".join(str(w).capitalize() for w in rng.choice(words, size=k))
        r = rng.random()
        if r < 0.25:
            body = f"{body}, {rng.choice(_ARTICLES_LAST)}"
        elif r < 0.32:
            body = f"{body} {rng.choice(['2', '3', 'II', 'III', 'Part II'])}"
        elif r < 0.42:
            sub = " ".join(str(w).capitalize() for w in rng.choice(words, size=2))
            body = f"{body}: {sub}"
        if rng.random() < 0.08:
            aka = " ".join(str(w).capitalize() for w in rng.choice(words, size=2))
            body = f"{body} ({aka})"
        titles.append(f"{body} ({int(rng.integers(1915, 2024))})")
    return titles


def keystrokes(queries: tuple[str, ...]) -> list[str]:
    return [q[:i] for q in queries for i in range(1, len(q) + 1)]


def time_index(index: TitleIndex, typed: list[str], repeats: int) -> list[list[float]]:
    """Seconds per keystroke, ``repeats`` times each (all of a query's prefixes, in order)."""
    for q in typed[:20]:  # warm up caches and rapidfuzz
        index.search(q)
    out: list[list[float]] = [[] for _ in typed]
    for _ in range(repeats):
        for k, q in enumerate(typed):
            t = time.perf_counter()
            index.search(q)
            out[k].append(time.perf_counter() - t)
    return out


def time_scan(titles: list[str], typed: list[str]) -> list[float]:
    out = []
    for q in typed:
        t = time.perf_counter()
        process.extract(q, titles, scorer=fuzz.WRatio, limit=10)
        out.append(time.perf_counter() - t)
    return out


def measure(titles: list[str], typed: list[str], scan_every: int, repeats: int) -> dict:
    t = time.perf_counter()
    index = TitleIndex(titles)
    build = time.perf_counter() - t
    samples = time_index(index, typed, repeats)
    med, p95 = percentiles([min(s) for s in samples])
    raw_med, raw_p95 = percentiles([x for s in samples for x in s])
    scan = time_scan(titles, typed[::scan_every])
    scan_med, scan_p95 = percentiles(scan)
    return {
        "titles": len(titles), "build_s": build, "median": med, "p95": p95,
        "raw_median": raw_med, "raw_p95": raw_p95,
        "max": max(max(s) for s in samples) * 1000, "scan_median": scan_med,
        "scan_p95": scan_p95, "keystrokes": len(typed), "scan_keystrokes": len(scan),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="timings per keystroke")
    args = p.parse_args(argv)
    real = real_titles()
    words = sorted(
        {w for t in real for w in re.findall(r"[^\W\d_]{3,}", t.split(" (")[0])}
        if real
        else set(_FALLBACK_WORDS)
    )
    queries = QUERIES[:3] if args.smoke else QUERIES
    typed = keystrokes(queries)
    sizes = [300, 3000] if args.smoke else [1682, 62000]
    source = "real ml-100k" if real else "generated (ml-100k not found)"
    rows = []
    for size in sizes:
        base = list(real) if real else synthetic_titles(min(size, 1682), words, seed=1)
        titles = (base + synthetic_titles(max(size - len(base), 0), words))[:size]
        r = measure(titles, typed, 1 if size < 10000 else 3, args.repeats)
        rows.append(r)
        print(
            f"{r['titles']:>6} titles: index build {r['build_s']:.2f} s; per keystroke "
            f"(best of {args.repeats}) median {r['median']:.2f} ms, p95 {r['p95']:.2f} ms; "
            f"every timing: median {r['raw_median']:.2f} ms, p95 {r['raw_p95']:.2f} ms, "
            f"max {r['max']:.2f} ms ({r['keystrokes']} keystrokes); plain WRatio scan median "
            f"{r['scan_median']:.2f} ms, p95 {r['scan_p95']:.2f} ms; "
            f"speed-up x{r['scan_median'] / r['raw_median']:.1f}"
        )
    lines = [
        "## Fuzzy title search (per keystroke)",
        "",
        f"Each of {len(queries)} real queries typed one character at a time "
        f"({len(typed)} keystrokes, limit 10); base titles: {source}, the rest generated "
        "from their words. Plain scan = `process.extract(q, titles, scorer=WRatio)` "
        "in the same run (one timing per keystroke, every third keystroke at 62,000). "
        f"Each keystroke is timed {args.repeats} times: *best of* takes each keystroke's "
        "fastest (filters out other processes on this shared machine), *every timing* "
        "pools them all.",
        "",
        "| titles | index build | median (best of) | p95 (best of) | p95 (every timing) "
        "| goal | WRatio scan median / p95 | speed-up (medians) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        goal = GOALS_MS.get(r["titles"])
        lines.append(
            f"| {r['titles']:,} | {r['build_s']:.2f} s | {r['median']:.2f} ms | "
            f"{r['p95']:.2f} ms | {r['raw_p95']:.2f} ms | {f'≤ {goal:g} ms' if goal else '-'} | "
            f"{r['scan_median']:.1f} / {r['scan_p95']:.1f} ms | "
            f"x{r['scan_median'] / r['raw_median']:.0f} |"
        )
    if args.smoke:
        lines.append("\n(smoke run: tiny sizes, not the real figures)")
    path = update_section("search_speed", "\n".join(lines), args.output, args.smoke)
    print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
