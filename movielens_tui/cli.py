"""Command line: ``movielens-tui`` opens the app; subcommands run the same engine headless.

Nothing heavy is imported at module level: ``--help`` and ``--version`` answer without
pandas or TensorFlow, and each subcommand imports what it needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from movielens_tui import __version__
from movielens_tui.cli_output import console as _console
from movielens_tui.cli_output import json_default as _json_default  # noqa: F401
from movielens_tui.cli_output import note as _note
from movielens_tui.cli_output import print_json as _print_json
from movielens_tui.models.presets import COMPARE_PRESETS, DEFAULT_PRESET

PROG = "movielens-tui"
EXIT_ERROR = 1
EXIT_USAGE = 2


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="a local MovieLens folder or zip (default: $MOVIELENS_TUI_DATA, else the "
        "verified download)",
    )
    common.add_argument(
        "--dataset",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="which release: ml-100k (default), ml-latest-small (bundled, offline), ml-1m, "
        "ml-10m, ml-20m, ml-25m, ml-32m; see `datasets`",
    )
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    return common


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _model_source(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--model", metavar="FILE", help="a saved model (.npz)")
    group.add_argument(
        "--preset", metavar="P", help="train this preset now instead of loading a model"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _measure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--measure", choices=("dot", "cosine"), default="dot")
    parser.add_argument("-k", type=_count(1), default=6, help="how many results (default 6)")


def _count(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``, with a clear message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is less than {low}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[common],
        description="Collaborative filtering on MovieLens: run with no command to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--model", metavar="FILE", help="open the app with this saved model")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    datasets = sub.add_parser(
        "datasets", parents=[common], help="the MovieLens releases, their sizes, what is cached"
    )
    _json_flag(datasets)

    stats = sub.add_parser("stats", parents=[common], help="dataset statistics")
    stats.add_argument(
        "--top", type=_count(1), default=10, help="rows in the top lists (default 10)"
    )
    stats.add_argument(
        "--min-ratings",
        type=_count(0),
        default=20,
        help="minimum ratings for top by mean (default 20)",
    )
    _json_flag(stats)

    train = sub.add_parser("train", parents=[common], help="train a model and save it")
    train.add_argument(
        "--preset", default=DEFAULT_PRESET, help=f"preset name (default {DEFAULT_PRESET})"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", metavar="FILE", help="where to save (default: the data dir)")
    train.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multiworker"),
        default="default",
        help="tf.distribute strategy: mirrored = all local GPUs, multiworker = a cluster "
        "described by TF_CONFIG (presets that train distributed only; see `presets`)",
    )
    train.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="override any hyperparameter (repeatable)",
    )
    for flag in (
        "dim",
        "iterations",
        "learning-rate",
        "init-stddev",
        "regularization",
        "gravity",
        "batch-size",
    ):
        train.add_argument(f"--{flag}", metavar="X", help=f"override {flag.replace('-', '_')}")
    _json_flag(train)

    evaluate = sub.add_parser("evaluate", parents=[common], help="cross-validate a preset")
    evaluate.add_argument("--preset", default=DEFAULT_PRESET)
    evaluate.add_argument("--seed", type=int, default=0)
    how = evaluate.add_mutually_exclusive_group()
    how.add_argument(
        "--folds",
        action="store_true",
        help="the dataset's default folds (default): canonical u1..u5 on ml-100k, "
        "seeded 5-fold elsewhere",
    )
    how.add_argument("--kfold", type=int, metavar="K", help="seeded K-fold by rating")
    how.add_argument("--holdout", type=float, metavar="F", help="random holdout fraction")
    how.add_argument(
        "--temporal", type=int, metavar="N", help="hold out each user's latest N ratings"
    )
    how.add_argument(
        "--train", metavar="FILE", help="a training file in the dataset's own ratings layout"
    )
    evaluate.add_argument("--test", metavar="FILE", help="the matching test file (with --train)")
    evaluate.add_argument(
        "--set", metavar="NAME=VALUE", action="append", default=[], help="override hyperparameters"
    )
    _json_flag(evaluate)

    compare = sub.add_parser(
        "compare", parents=[common], help="several presets side by side under one protocol"
    )
    compare.add_argument(
        "--presets",
        metavar="A,B,C",
        default=",".join(COMPARE_PRESETS),
        help="comma list of presets, each optionally preset:name=value,... (default: "
        f"{','.join(COMPARE_PRESETS)})",
    )
    compare.add_argument("--seed", type=int, default=0)
    which = compare.add_mutually_exclusive_group()
    which.add_argument(
        "--folds",
        action="store_true",
        help="every default fold (default): u1..u5 on ml-100k, seeded 5-fold elsewhere",
    )
    which.add_argument(
        "--fold", type=_count(1), metavar="N", help="one fold: uN on ml-100k, else fold N of 5"
    )
    which.add_argument("--kfold", type=int, metavar="K", help="seeded K-fold by rating")
    which.add_argument("--holdout", type=float, metavar="F", help="random holdout fraction")
    which.add_argument(
        "--temporal", type=int, metavar="N", help="hold out each user's latest N ratings"
    )
    compare.add_argument(
        "--format", choices=("table", "csv", "markdown"), default="table", help="text output"
    )
    compare.add_argument(
        "--no-save", action="store_true", help="do not keep the result in the data dir"
    )
    _json_flag(compare)

    neighbors = sub.add_parser("neighbors", parents=[common], help="nearest movies to a title")
    neighbors.add_argument("query", help="a title, fuzzy (e.g. 'aladdin') or a movie id")
    _measure(neighbors)
    _model_source(neighbors)
    neighbors.add_argument(
        "--explain",
        action="store_true",
        help="per row: how many users rated both movies (with examples) and shared genres",
    )
    _json_flag(neighbors)

    presets = sub.add_parser(
        "presets", parents=[common], help="the model presets: kind, purpose, hyperparameters"
    )
    _json_flag(presets)

    recommend = sub.add_parser("recommend", parents=[common], help="top-k movies for a user")
    recommend.add_argument("--user", type=int, required=True, help="MovieLens user id")
    recommend.add_argument("--exclude-rated", action="store_true", help="skip movies they rated")
    _measure(recommend)
    _model_source(recommend)
    recommend.add_argument(
        "--explain",
        action="store_true",
        help="per row: the base term and the rated movies contributing most (exact where "
        "the model allows, else the nearest rated movies, marked as an approximation)",
    )
    _json_flag(recommend)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``movielens-tui`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    data = getattr(args, "data", None)
    args.dataset_name = getattr(args, "dataset", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    handlers: dict[str | None, Callable[[argparse.Namespace, Any], int]] = {
        None: _cmd_app,
        "datasets": _cmd_datasets,
        "stats": _cmd_stats,
        "train": _cmd_train,
        "evaluate": _cmd_evaluate,
        "compare": _cmd_compare,
        "neighbors": _cmd_neighbors,
        "recommend": _cmd_recommend,
        "presets": _cmd_presets,
    }
    from movielens_tui.errors import MovieLensError

    try:
        if args.dataset_name is not None:
            from movielens_tui.data import registry

            registry.get(args.dataset_name)  # an unknown name fails here, before any work
        return handlers[args.command](args, data)
    except MovieLensError as exc:
        if debug:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `movielens-tui stats --json | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# --------------------------------------------------------------------------- helpers


def _load_dataset(args: argparse.Namespace, data: str | None, quiet: bool = False):  # noqa: ANN202
    """Load the dataset, showing a download progress bar on stderr if one is needed.

    When the default download fails with nothing local given, the error says how to get
    ml-100k and names the bundled ml-latest-small (headless commands never switch
    silently)."""
    from movielens_tui.data import registry, source
    from movielens_tui.errors import DownloadError

    name = args.dataset_name
    label = name or registry.DEFAULT
    progress = None
    bar = None
    if not quiet:
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=_console(stderr=True),
            transient=True,
        )
        task = None

        def progress(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                assert bar is not None
                bar.start()
                task = bar.add_task(f"Downloading {label}", total=total)
            bar.update(task, completed=done, total=total)

    try:
        return source.load(data, name, progress=progress, notify=_note)
    except DownloadError as exc:
        if data or os.environ.get(source.DATA_ENV):
            raise
        raise DownloadError(
            f"{str(exc).split('; pass --data')[0]}; {source.offline_hint(label)}"
        ) from None
    finally:
        if bar is not None and bar.live.is_started:
            bar.stop()


# --------------------------------------------------------------------------- commands


def _cmd_app(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.tui.app import run_app

    return run_app(
        data=data,
        model_path=args.model,
        debug=bool(getattr(args, "debug", False)),
        dataset_name=args.dataset_name,
    )


def _cmd_datasets(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.data import catalogue

    rows = catalogue.rows()
    if args.json:
        _print_json(rows)
        return 0
    from rich.table import Table

    table = Table(title="MovieLens releases")
    columns = (("name", "left"), ("MB", "right"), ("state", "left"), ("about", "left"))
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        state = "bundled" if row["bundled"] else ("cached" if row["cached"] else "")
        table.add_row(row["name"], f"{row['bytes'] / 1e6:.1f}", state, row["summary"])
    _console().print(table)
    return 0


def _cmd_stats(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.data import stats

    dataset = _load_dataset(args, data, quiet=args.json)
    report = stats.report(dataset, top=args.top, min_ratings=args.min_ratings)
    if args.json:
        _print_json(report)
        return 0
    from movielens_tui.cli_tables import stats_tables

    console = _console()
    for renderable in stats_tables(report):
        console.print(renderable)
    return 0


def _cmd_train(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.cli_models import train_command

    return train_command(args, _load_dataset(args, data, quiet=args.json))


def _cmd_evaluate(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.cli_models import evaluate_command

    return evaluate_command(args, _load_dataset(args, data, quiet=args.json))


def _cmd_compare(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.cli_models import compare_command

    quiet = args.json or args.format != "table"
    return compare_command(args, _load_dataset(args, data, quiet=quiet))


def _cmd_neighbors(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.cli_models import neighbors_command

    return neighbors_command(args, _load_dataset(args, data, quiet=args.json))


def _cmd_recommend(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.cli_models import recommend_command

    return recommend_command(args, _load_dataset(args, data, quiet=args.json))


def _cmd_presets(args: argparse.Namespace, data: str | None) -> int:
    from movielens_tui.cli_models import presets_command

    return presets_command(args)
