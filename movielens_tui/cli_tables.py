"""Rich tables for the headless commands (kept apart from argument parsing)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table

if TYPE_CHECKING:
    from movielens_tui.compare import Comparison


def stats_tables(report: dict[str, Any]) -> Iterator[Table]:
    """The ``stats`` report as a sequence of rich tables."""
    head = Table(title=f"{report['dataset']}", show_header=False)
    head.add_column("what")
    head.add_column("value", justify="right")
    head.add_row("users", f"{report['users']:,}")
    head.add_row("movies", f"{report['movies']:,}")
    head.add_row("ratings", f"{report['ratings']:,}")
    head.add_row("density", f"{report['density']:.2%}")
    head.add_row("mean rating", f"{report['mean_rating']:.3f}")
    if report.get("mean_age") is not None:
        head.add_row("mean user age", f"{report['mean_age']:.2f}")
    scale = report.get("rating_scale")
    if scale:
        half = " in half stars" if scale["step"] < 1 else ""
        head.add_row("rating scale", f"{scale['min']:g} to {scale['max']:g}{half}")
    if report.get("tags"):
        head.add_row("tags", f"{report['tags']:,}")
    yield head

    hist = Table(title="Rating histogram")
    hist.add_column("rating", justify="right")
    hist.add_column("count", justify="right")
    hist.add_column("share", justify="right")
    total = max(1, report["ratings"])
    for value, count in report["rating_histogram"].items():
        hist.add_row(value, f"{count:,}", f"{count / total:.1%}")
    yield hist

    dist = Table(title="Ratings per user and per movie")
    dist.add_column("")
    for key in ("n", "mean", "median", "min", "max"):
        dist.add_column(key, justify="right")
    for label in ("ratings_per_user", "ratings_per_movie"):
        row = report[label]
        dist.add_row(
            label.replace("_", " "),
            *(_fmt(row.get(k)) for k in ("n", "mean", "median", "min", "max")),
        )
    yield dist

    if not report["by_occupation"]:  # no demographics in this release
        yield from _top_tables(report)
        return
    groups = Table(title="By occupation")
    groups.add_column("occupation")
    groups.add_column("users", justify="right")
    groups.add_column("ratings/user", justify="right")
    groups.add_column("mean rating", justify="right")
    for name, row in sorted(report["by_occupation"].items(), key=lambda kv: -kv[1]["users"]):
        groups.add_row(
            name, str(row["users"]), f"{row['ratings_per_user']:.1f}", f"{row['mean_rating']:.3f}"
        )
    yield groups
    yield from _top_tables(report)


def _top_tables(report: dict[str, Any]) -> Iterator[Table]:
    yield movie_table("Top movies by number of ratings", report["top_by_count"])
    yield movie_table(
        f"Top movies by mean rating (at least {report['min_ratings']} ratings)",
        report["top_by_mean"],
    )


def movie_table(title: str, rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("title")
    table.add_column("count", justify="right")
    table.add_column("mean", justify="right")
    for rank, row in enumerate(rows, start=1):
        table.add_row(str(rank), row["title"], f"{row['count']:,}", f"{row['mean']:.3f}")
    return table


def hits_table(
    title: str,
    rows: Sequence[dict[str, Any]],
    measure: str,
    why: Sequence[str] | None = None,
) -> Table:
    """Neighbours or recommendations: rank, title, score, genres, count; with ``why``, a
    dim line under each row (e.g. "because you rated X ★5 (+0.41), …")."""
    from rich.text import Text

    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("movie_id", justify="right")
    table.add_column("title")
    table.add_column(f"{measure} score", justify="right")
    table.add_column("genres")
    table.add_column("ratings", justify="right")
    for rank, row in enumerate(rows, start=1):
        table.add_row(
            str(rank),
            str(row["movie_id"]),
            row["title"],
            f"{row['score']:.3f}",
            "-".join(row["genres"]) or "Other",
            f"{row.get('count', '')}",
        )
        if why is not None and rank - 1 < len(why) and why[rank - 1]:
            table.add_row("", "", Text(why[rank - 1], style="dim"), "", "", "")
    return table


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"
    return f"{int(value):,}"


def comparison_table(comparison: Comparison) -> Table:
    """Presets × metrics, mean ± spread over folds, the best per column in bold with ★."""
    from rich.text import Text

    from movielens_tui.compare import cell_text, metric_label

    best = comparison.best()
    table = Table(title=f"{comparison.dataset}: {comparison.protocol} ({comparison.date})")
    table.add_column("preset")
    for metric in comparison.metrics:
        table.add_column(metric_label(metric), justify="right")
    for row in comparison.rows:
        cells = []
        for metric in comparison.metrics:
            text = cell_text(row, metric)
            best_here = best.get(metric) == row.label
            cells.append(Text(f"★ {text}", style="bold") if best_here else text)
        table.add_row(row.label, *cells)
    return table
