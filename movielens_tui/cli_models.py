"""The model subcommands: train, evaluate, neighbors, recommend, presets (headless)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movielens_tui.cli_output import console as _console
from movielens_tui.cli_output import print_json as _print_json
from movielens_tui.errors import DataError, ModelError, ParamError

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel

MAX_QUERY = 200  # characters: longer than any title
_FLAG_PARAMS = (
    "dim",
    "iterations",
    "learning_rate",
    "init_stddev",
    "regularization",
    "gravity",
    "batch_size",
)


def parse_overrides(args: argparse.Namespace) -> dict[str, object]:
    """Hyperparameter overrides from the named flags and repeated ``--set NAME=VALUE``."""
    overrides: dict[str, object] = {}
    for name in _FLAG_PARAMS:
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    for item in getattr(args, "set", None) or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParamError("--set", f"{item!r} is not NAME=VALUE (e.g. --set dim=64)")
        overrides[name.strip().replace("-", "_")] = value
    return overrides


def _progress_printer(json_mode: bool):  # noqa: ANN202
    """A trainer callback drawing a rich progress bar with the live metrics on stderr."""
    if json_mode:
        return None, None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("step {task.completed:.0f}/{task.total:.0f}"),
        TextColumn("{task.fields[metrics]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    task = bar.add_task("training", total=1, metrics="")

    def callback(progress: Any) -> None:
        text = "  ".join(f"{k}={v:.4f}" for k, v in progress.metrics.items())
        bar.update(task, completed=progress.step, total=max(1, progress.total), metrics=text)

    return bar, callback


def fit_preset(
    dataset: Dataset,
    preset: str,
    overrides: dict[str, object],
    seed: int,
    json_mode: bool,
    strategy: str = "default",
) -> TrainedModel:
    """Train ``preset`` with a live progress bar (stderr) unless ``json_mode``."""
    from movielens_tui.models import presets, trainer

    presets.resolve_params(preset, overrides)  # reject bad values before importing TensorFlow
    preset_obj = presets.get_preset(preset)
    distribute = None
    if strategy != "default":
        from movielens_tui.models.distribute import distributed_presets, make_strategy

        if not preset_obj.model_kind.distributed:
            choices = " or ".join(f"--preset {p}" for p in distributed_presets())
            raise ParamError("--strategy", f"{preset} trains on one device; use {choices}")
        distribute = make_strategy(strategy, preset_obj.kind)
    bar, callback = _progress_printer(json_mode)
    if bar is None:
        return trainer.train(dataset, preset, overrides, seed=seed, strategy=distribute)
    with bar:
        return trainer.train(
            dataset, preset, overrides, seed=seed, callback=callback, strategy=distribute
        )


def train_command(args: argparse.Namespace, dataset: Dataset) -> int:
    from movielens_tui.models import store

    model = fit_preset(
        dataset, args.preset, parse_overrides(args), args.seed, args.json, args.strategy
    )
    asked = Path(args.out) if args.out else store.default_model_path(dataset.name)
    try:  # a failed save keeps the model: in a fallback file, named in the error
        saved = store.save_or_fallback(model, asked)
    except store.SaveError as exc:
        raise ModelError(
            f"{exc}; the trained model is lost: free some space or give a writable "
            "--out FILE, and train again"
        ) from None
    out = saved.path
    _report_trained(args, model, out)
    if saved.error:
        raise ModelError(saved.error)  # one line on stderr, exit status 1
    return 0


def _report_trained(args: argparse.Namespace, model: TrainedModel, out: Path) -> None:
    final = model.final_metrics
    if args.json:
        _print_json(
            {
                "preset": model.preset,
                "kind": model.kind,
                "params": model.params,
                "info": model.info,
                "metrics": final,
                "fit_seconds": round(model.fit_seconds, 4),
                "steps": len(model.history),
                "model": str(out),
            }
        )
        return
    console = _console()
    metrics = ", ".join(f"{k}={v:.4f}" for k, v in final.items())
    from rich.text import Text

    done = f" trained in {model.fit_seconds:.2f} s: {metrics}"
    console.print(Text.assemble((model.preset, "bold"), done))
    info = model.info
    if info.get("covered_movies", model.n_movies) < model.n_movies:
        console.print(
            f"covers the {info['covered_movies']:,} most-rated of {model.n_movies:,} movies "
            "(the others rank after them)"
        )
    console.print(f"saved to {out}")


def evaluate_command(args: argparse.Namespace, dataset: Dataset) -> int:
    from movielens_tui import evaluate

    # No flag (or --folds): the dataset's default folds (u1-u5 on ml-100k, else 5-fold).
    train, test = getattr(args, "train", None), getattr(args, "test", None)
    kfold, holdout = getattr(args, "kfold", None), getattr(args, "holdout", None)
    temporal = getattr(args, "temporal", None)
    if test and not train:
        raise ParamError("--test", "needs --train FILE as well")
    if train:
        if not test:
            raise ParamError("--train", "needs --test FILE as well")
        protocol = evaluate.Protocol.files(train, test)
    elif kfold is not None:
        protocol = evaluate.Protocol.kfold(kfold)
    elif holdout is not None:
        protocol = evaluate.Protocol.holdout(holdout)
    elif temporal is not None:
        protocol = evaluate.Protocol.temporal(temporal)
    else:
        protocol = evaluate.Protocol.canonical()
    overrides = parse_overrides(args)
    console = None if args.json else _console(stderr=True)

    def callback(progress: Any) -> None:
        if console is not None and getattr(progress, "result", None) is not None:
            r = progress.result
            text = ", ".join(f"{k}={v:.4f}" for k, v in r.metrics.items())
            console.print(f"fold {r.name}: {text} ({r.fit_seconds:.2f} s)")

    report = evaluate.evaluate(
        dataset, args.preset, overrides, protocol, seed=args.seed, callback=callback
    )
    if args.json:
        _print_json(report.to_json())
        return 0
    from rich.table import Table

    table = Table(title=f"{args.preset} on {report.protocol}")
    table.add_column("fold")
    names = report.metric_names
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("fit s", justify="right")
    for fold in report.folds:
        table.add_row(
            fold.name,
            *(f"{fold.metrics.get(n, float('nan')):.4f}" for n in names),
            f"{fold.fit_seconds:.2f}",
        )
    mean, std = report.mean, report.std
    table.add_row(
        "mean ± sd",
        *(f"{mean[n]:.4f} ± {std.get(n, 0.0):.4f}" for n in names),
        f"{report.fit_seconds:.2f}",
        style="bold",
    )
    _console().print(table)
    return 0


def compare_command(args: argparse.Namespace, dataset: Dataset) -> int:
    from movielens_tui import compare

    entries = compare.parse_entries(args.presets)
    protocol, only = compare.choose_protocol(
        dataset, fold=args.fold, kfold=args.kfold, holdout=args.holdout, temporal=args.temporal
    )
    text_mode = not args.json and args.format == "table"
    console = _console(stderr=True) if text_mode else None

    def callback(progress: Any) -> None:
        if console is not None and progress.result is not None:
            r = progress.result
            text = ", ".join(f"{k}={v:.4f}" for k, v in r.metrics.items())
            console.print(f"{progress.model} {r.name}: {text} ({r.fit_seconds:.2f} s)")

    result = compare.compare(
        dataset, entries, protocol, seed=args.seed, only_folds=only, callback=callback
    )
    saved = None if args.no_save else compare.save_comparison(result)
    if args.json:
        _print_json([result.row_json(row) for row in result.rows])
        return 0
    from movielens_tui.cli_tables import comparison_table

    if args.format == "csv":
        print(compare.to_csv(result), end="")
    elif args.format == "markdown":
        print(compare.to_markdown(result), end="")
    else:
        out = _console()
        out.print(comparison_table(result))
        if saved is not None:
            out.print(f"saved to {saved}")
    return 0


def load_or_train(args: argparse.Namespace, dataset: Dataset) -> TrainedModel:
    """The model for neighbors/recommend: ``--model``, ``--preset`` (train now) or the saved one."""
    from movielens_tui.models import store

    if getattr(args, "preset", None):
        return fit_preset(dataset, args.preset, {}, args.seed, args.json)
    path = Path(args.model) if args.model else store.default_model_path(dataset.name)
    if not path.exists():
        if args.model:
            raise ModelError(f"{path}: no such model file")
        raise ModelError(
            "no trained model yet; run `movielens-tui train` first, or pass --preset P "
            "to train one now"
        )
    return store.load(path, dataset)


def find_movie(dataset: Dataset, query: str) -> tuple[int, list[str]]:
    """A movie position for a title query or an original id, plus other candidate titles."""
    text = query.strip()
    if len(text) > MAX_QUERY:
        raise DataError(
            f"the title query is {len(text):,} characters long; use at most {MAX_QUERY}"
        )
    if text.isascii() and text.isdigit() and len(text) <= 12 and dataset.has_movie(int(text)):
        return dataset.movie_index(int(text)), []
    from movielens_tui.search import TitleIndex

    matches = TitleIndex(dataset.movies["title"].tolist()).search(text, limit=6)
    if not matches:
        raise DataError(f"no movie title matches {query!r}; try fewer or different words")
    best = matches[0]
    # like the colab, list the other plausible matches, not every fuzzy hit
    others = [m.title for m in matches[1:] if m.score >= min(60.0, best.score - 10.0)]
    return best.index, others


def neighbors_command(args: argparse.Namespace, dataset: Dataset) -> int:
    from movielens_tui.cli_tables import hits_table as render
    from movielens_tui.models import scoring

    if args.k < 1:
        raise ParamError("-k", f"{args.k} is too small; it must be at least 1")
    movie, others = find_movie(dataset, args.query)
    model = load_or_train(args, dataset)
    hits = scoring.neighbors(model, movie, args.measure, args.k)
    rows = scoring.hits_table(dataset, hits)
    why = None
    if getattr(args, "explain", False):
        from movielens_tui.models.explain import explain_neighbours

        found = explain_neighbours(dataset, movie, [h.movie for h in hits])
        for row, item in zip(rows, found, strict=True):
            row.update(item.to_json())
        why = [item.summary() for item in found]
    if args.json:
        _print_json(rows)
        return 0
    console = _console()
    title = dataset.movies["title"].iloc[movie]
    console.print(f"Nearest neighbors of : {title}.")
    if others:
        console.print(
            f"[Found more than one matching movie. Other candidates: {', '.join(others)}]"
        )
    console.print(
        render(f"{args.measure} neighbours ({model.preset})", rows, args.measure, why=why)
    )
    return 0


def recommend_command(args: argparse.Namespace, dataset: Dataset) -> int:
    from movielens_tui.cli_tables import hits_table as render
    from movielens_tui.models import scoring

    if args.k < 1:
        raise ParamError("-k", f"{args.k} is too small; it must be at least 1")
    user = dataset.user_index(args.user)
    model = load_or_train(args, dataset)
    hits = scoring.recommend(model, dataset, user, args.measure, args.k, args.exclude_rated)
    rows = scoring.hits_table(dataset, hits)
    why = None
    if getattr(args, "explain", False):
        from movielens_tui.models.explain import explain_user

        found = explain_user(model, dataset, user, [h.movie for h in hits], args.measure)
        for row, item in zip(rows, found, strict=True):
            row.update(item.to_json())
        why = [item.summary() for item in found]
    if args.json:
        _print_json(rows)
        return 0
    excluded = ", rated movies excluded" if args.exclude_rated else ""
    _console().print(
        render(
            f"Top {args.k} for user {args.user} ({model.preset}, {args.measure}{excluded})",
            rows,
            args.measure,
            why=why,
        )
    )
    return 0


def presets_command(args: argparse.Namespace) -> int:
    """Every preset: name, kind, purpose, capabilities and hyperparameters."""
    from movielens_tui.models.presets import PRESETS

    rows = [preset.describe() for preset in PRESETS.values()]
    if args.json:
        _print_json(rows)
        return 0
    from rich.table import Table

    console = _console()
    if console.width < NARROW:  # a table would cut the hyperparameters: a block each
        from rich.padding import Padding
        from rich.text import Text

        for row in rows:
            flags = ["explains exactly"] if row["exact_explanation"] else []
            flags += ["distributed"] if row["distributed"] else []
            head = Text.assemble((row["name"], "bold"), f"  {row['kind']} · {row['purpose']}")
            console.print(head.append("".join(f" · {f}" for f in flags)))
            params = ", ".join(f"{k}={_short(v)}" for k, v in row["params"].items())
            console.print(Padding(Text(params, style="dim"), (0, 0, 0, 2)))
        return 0
    table = Table(title="Model presets")
    for column in ("name", "kind", "for", "explains", "distributed", "hyperparameters"):
        table.add_column(column)
    for row in rows:
        params = ", ".join(f"{k}={_short(v)}" for k, v in row["params"].items())
        table.add_row(
            row["name"], row["kind"], row["purpose"],
            "exactly" if row["exact_explanation"] else "-",
            "yes" if row["distributed"] else "-", params,
        )  # fmt: skip
    console.print(table)
    return 0


NARROW = 120  # below this many columns `presets` prints a block per preset


def _short(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)
