"""Compare presets under one protocol, fold by fold (domain; no Textual, no Rich).

:func:`compare` fits every entry (a preset with optional overrides) on each fold of one
:class:`~movielens_tui.evaluate.Protocol`, reporting progress per model and fold and
stopping when ``should_stop()`` says so, and returns a :class:`Comparison`: one
:class:`CompareRow` per entry with RMSE, MAE (rating models), precision/recall/NDCG@k,
catalogue coverage (share of movies in any user's top-k) and fit seconds, as mean and
spread (sample standard deviation) over folds, with the best entry per column.
:func:`save_comparison` / :func:`load_comparison` keep the latest one per dataset in the
user data dir (JSON, written atomically).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from movielens_tui import paths
from movielens_tui.errors import DataError, ParamError
from movielens_tui.evaluate import (
    EvaluationCancelled,
    FoldResult,
    K,
    Protocol,
    evaluate_fold,
)
from movielens_tui.models.presets import COMPARE_PRESETS

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

DEFAULT_PRESETS = COMPARE_PRESETS
LOWER_IS_BETTER = frozenset({"rmse", "mae", "fit_seconds"})
FORMAT_VERSION = 1


def metric_names(k: int = K) -> tuple[str, ...]:
    """The columns of a comparison, in order."""
    return ("rmse", "mae", f"precision_at_{k}", f"recall_at_{k}", f"ndcg_at_{k}", "coverage",
            "fit_seconds")  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One model to compare: a preset, hyperparameter overrides and a display label."""

    preset: str
    overrides: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.preset


def parse_entry(text: str) -> Entry:
    """``preset[:name=value,...]`` (as ``benchmarks/accuracy.py``) -> :class:`Entry`."""
    preset, _, rest = text.strip().partition(":")
    overrides: dict[str, Any] = {}
    for item in filter(None, (i.strip() for i in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParamError("--presets", f"{item!r} in {text!r} is not name=value")
        overrides[key.strip().replace("-", "_")] = value.strip()
    if not preset.strip():
        raise ParamError("--presets", f"{text!r} names no preset")
    label = preset.strip() + (f":{rest.strip()}" if overrides else "")
    return Entry(preset.strip(), overrides, label)


def parse_entries(text: str) -> list[Entry]:
    """A comma list of entries; ``mf:iterations=5,dim=8,ease`` is two entries (a piece
    with ``=`` and no ``:`` continues the previous entry's overrides)."""
    pieces: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if "=" in piece and ":" not in piece and pieces and ":" in pieces[-1]:
            pieces[-1] += "," + piece
        else:
            pieces.append(piece)
    if not pieces:
        raise ParamError("--presets", "name at least one preset")
    return [parse_entry(p) for p in pieces]


@dataclass(frozen=True)
class CompareProgress:
    """Progress of :func:`compare`: the trainer's ``progress`` inside a fit, or a finished
    fold's ``result`` for model ``model`` (label)."""

    model: str
    model_index: int
    n_models: int
    fold: str
    fold_index: int
    n_folds: int
    progress: Any = None
    result: FoldResult | None = None

    @property
    def fraction(self) -> float:
        """Share of the (model, fold) fits finished, counting the current one's steps."""
        done = self.fold_index * self.n_models + self.model_index
        inner = 1.0 if self.result is not None else 0.0
        p = self.progress
        if p is not None and getattr(p, "total", 0):
            inner = min(1.0, float(p.step) / float(p.total))
        return (done + inner) / max(1, self.n_models * self.n_folds)


@dataclass
class CompareRow:
    """One entry's folds, means and spreads."""

    label: str
    preset: str
    kind: str
    params: dict
    folds: list[FoldResult] = field(default_factory=list)

    def values(self, metric: str) -> list[float]:
        if metric == "fit_seconds":
            return [f.fit_seconds for f in self.folds]
        return [f.metrics[metric] for f in self.folds if metric in f.metrics]

    def mean(self, metric: str) -> float | None:
        values = self.values(metric)
        return float(np.mean(values)) if values else None

    def spread(self, metric: str) -> float | None:
        """Sample standard deviation over folds (0 for one fold; None if not measured)."""
        values = self.values(metric)
        if not values:
            return None
        return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


@dataclass
class Comparison:
    """Entries compared on one dataset under one protocol."""

    dataset: str
    protocol: str
    seed: int
    k: int = K
    date: str = ""
    rows: list[CompareRow] = field(default_factory=list)

    @property
    def metrics(self) -> tuple[str, ...]:
        return metric_names(self.k)

    @property
    def when(self) -> str:
        """The date for people: ``2026-12-02 06:01 UTC`` (the stored ISO text if odd)."""
        try:
            stamp = datetime.fromisoformat(self.date)
        except ValueError:
            return self.date
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(timezone.utc)
        return stamp.strftime("%Y-%m-%d %H:%M UTC")

    def best(self) -> dict[str, str]:
        """{metric: label of the best row} (lowest RMSE/MAE/fit seconds, else highest)."""
        out = {}
        for metric in self.metrics:
            scored = [(r.mean(metric), r.label) for r in self.rows]
            scored = [(v, name) for v, name in scored if v is not None and math.isfinite(v)]
            if scored:
                pick = min if metric in LOWER_IS_BETTER else max
                out[metric] = pick(scored, key=lambda vn: vn[0])[1]
        return out

    def row_json(self, row: CompareRow) -> dict[str, Any]:
        best = self.best()
        return {
            "preset": row.label,
            "kind": row.kind,
            "params": row.params,
            **{m: _num(row.mean(m)) for m in self.metrics},
            "spread": {m: _num(row.spread(m)) for m in self.metrics},
            "best": [m for m in self.metrics if best.get(m) == row.label],
            "folds": [{**f.to_json(), "fit_seconds": f.fit_seconds} for f in row.folds],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "dataset": self.dataset,
            "protocol": self.protocol,
            "seed": self.seed,
            "k": self.k,
            "date": self.date,
            "best": self.best(),
            "presets": [self.row_json(r) for r in self.rows],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Comparison:
        rows = []
        for item in data["presets"]:
            folds = []
            for f in item["folds"]:
                skip = {"fold", "fit_seconds", "n_train", "n_test", "n_ranked_users"}
                metrics = {k: float(v) for k, v in f.items() if k not in skip and v is not None}
                folds.append(FoldResult(f["fold"], metrics, float(f["fit_seconds"]),
                                        int(f["n_train"]), int(f["n_test"]),
                                        int(f.get("n_ranked_users", 0))))  # fmt: skip
            rows.append(CompareRow(item["preset"], item["preset"].partition(":")[0],
                                   item["kind"], dict(item["params"]), folds))  # fmt: skip
        return cls(data["dataset"], data["protocol"], int(data["seed"]), int(data["k"]),
                   str(data.get("date", "")), rows)  # fmt: skip


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def describe(
    protocol: Protocol, dataset: Dataset, seed: int, only_folds: Sequence[str] | None
) -> str:
    """The protocol as a comparison records it (``, fold1 only`` for chosen folds)."""
    text = protocol.describe(dataset, seed)
    return text + f", {', '.join(only_folds)} only" if only_folds else text


def plan(
    dataset: Dataset,
    entries: Sequence[Entry | str],
    protocol: Protocol | None = None,
    *,
    seed: int = 0,
    k: int = K,
    only_folds: Sequence[str] | None = None,
) -> Comparison:
    """The comparison :func:`compare` will fill: one empty row per entry, every entry's
    parameters checked (ParamError before anything is fitted)."""
    from movielens_tui.models.presets import get_preset, resolve_params

    protocol = protocol or Protocol.canonical()
    items = [parse_entry(e) if isinstance(e, str) else e for e in entries]
    if not items:
        raise ParamError("presets", "name at least one preset")
    labels = [e.name for e in items]
    if len(set(labels)) != len(labels):
        raise ParamError("presets", f"each entry once, please: {', '.join(labels)}")
    resolved = [resolve_params(e.preset, e.overrides) for e in items]
    presets = [get_preset(e.preset) for e in items]
    result = Comparison(dataset.name, describe(protocol, dataset, seed, only_folds), seed, k,
                        datetime.now(timezone.utc).isoformat(timespec="seconds"))  # fmt: skip
    result.rows = [CompareRow(e.name, p.name, p.kind, params)
                   for e, p, params in zip(items, presets, resolved, strict=True)]  # fmt: skip
    return result


def compare(
    dataset: Dataset,
    entries: Sequence[Entry | str],
    protocol: Protocol | None = None,
    *,
    seed: int = 0,
    k: int = K,
    only_folds: Sequence[str] | None = None,
    callback: Callable[[CompareProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Comparison:
    """Fit every entry on every fold of ``protocol`` (folds outer, entries inner) and
    collect their metrics. ``only_folds`` keeps the folds of those names (e.g.
    ``["fold1"]`` of a seeded 5-fold). Every entry's parameters are checked before any
    fit. A stop (``should_stop()`` true) raises :class:`EvaluationCancelled`."""
    protocol = protocol or Protocol.canonical()
    result = plan(dataset, entries, protocol, seed=seed, k=k, only_folds=only_folds)
    resolved = [row.params for row in result.rows]
    folds = list(protocol.splits(dataset, seed))
    if only_folds is not None:
        folds = [f for f in folds if f[0] in set(only_folds)]
        if not folds:
            raise ParamError("fold", f"no fold named {', '.join(only_folds)}")
    n = len(result.rows)
    for fold_index, (name, train, test) in enumerate(folds):
        if len(train) == 0 or len(test) == 0:
            raise DataError(f"fold {name}: empty train or test ratings")
        for model_index, (row, params) in enumerate(zip(result.rows, resolved, strict=True)):
            if should_stop is not None and should_stop():
                raise EvaluationCancelled("comparison cancelled")
            inner = None
            if callback is not None:  # the fit starts
                callback(CompareProgress(row.label, model_index, n, name, fold_index, len(folds)))

                def inner(progress: Any, _r=row.label, _m=model_index, _f=fold_index, _n=name):  # noqa: ANN202
                    callback(CompareProgress(_r, _m, n, _n, _f, len(folds), progress=progress))

            fold = evaluate_fold(
                dataset, row.preset, params, name, train, test, seed, k, inner, should_stop,
                coverage=True,
            )  # fmt: skip
            row.folds.append(fold)
            if callback is not None:
                callback(CompareProgress(row.label, model_index, n, name, fold_index,
                                         len(folds), result=fold))  # fmt: skip
    return result


# --------------------------------------------------------------------------- protocols

# the protocol choices of the Compare pane: key -> (label with folds, label without)
PROTOCOL_CHOICES = ("folds", "fold1", "holdout", "temporal")


def protocol_choices(dataset: Dataset) -> list[tuple[str, str]]:
    """(label, key) of the protocols offered for ``dataset`` (the Compare pane's list):
    canonical u1-u5 or u1 alone where the folder has them (ml-100k), else a seeded
    5-fold or its first fold; a 10% holdout; each user's latest rating."""
    from movielens_tui.data import splits

    canonical = bool(splits.available_folds(dataset.path))
    return [
        ("u1-u5 (canonical)" if canonical else "seeded 5-fold", "folds"),
        ("u1 alone (fastest)" if canonical else "fold 1 of 5 (fastest)", "fold1"),
        ("holdout 10%", "holdout"),
        ("temporal: latest rating", "temporal"),
    ]


def choice_of(dataset: Dataset, comparison: Comparison) -> str | None:
    """The key of :func:`protocol_choices` that ``comparison`` was run with, if any."""
    for _, key in protocol_choices(dataset):
        protocol, only = protocol_for_choice(dataset, key)
        if describe(protocol, dataset, comparison.seed, only) == comparison.protocol:
            return key
    return None


def choose_protocol(
    dataset: Dataset,
    *,
    fold: int | None = None,
    kfold: int | None = None,
    holdout: float | None = None,
    temporal: int | None = None,
) -> tuple[Protocol, list[str] | None]:
    """(protocol, only_folds) for one of the ``compare`` options (at most one given):
    ``fold`` N is uN where the folder has canonical folds, else fold N of a seeded
    5-fold; none given: the dataset's default folds."""
    from movielens_tui.data import splits

    if fold is not None:
        if splits.available_folds(dataset.path):
            return Protocol.canonical([fold]), None
        if not 1 <= fold <= 5:
            raise ParamError("--fold", f"{fold}: the seeded 5-fold has folds 1 to 5")
        return Protocol.kfold(5), [f"fold{fold}"]
    if kfold is not None:
        return Protocol.kfold(kfold), None
    if holdout is not None:
        return Protocol.holdout(holdout), None
    if temporal is not None:
        return Protocol.temporal(temporal), None
    return Protocol.canonical(), None


def protocol_for_choice(dataset: Dataset, key: str) -> tuple[Protocol, list[str] | None]:
    """(protocol, only_folds) for a key of :func:`protocol_choices`."""
    if key == "folds":
        return choose_protocol(dataset)
    if key == "fold1":
        return choose_protocol(dataset, fold=1)
    if key == "holdout":
        return choose_protocol(dataset, holdout=0.1)
    if key == "temporal":
        return choose_protocol(dataset, temporal=1)
    raise ParamError("protocol", f"unknown protocol {key!r}; choose {', '.join(PROTOCOL_CHOICES)}")


# --------------------------------------------------------------------------- text output

_LABELS = {"rmse": "RMSE", "mae": "MAE", "coverage": "coverage", "fit_seconds": "fit s"}


def metric_label(metric: str) -> str:
    """A column head: ``precision_at_10`` -> ``P@10``."""
    if metric in _LABELS:
        return _LABELS[metric]
    name, _, k = metric.rpartition("_at_")
    return f"{ {'precision': 'P', 'recall': 'R', 'ndcg': 'NDCG'}.get(name, name) }@{k}"


def cell_text(
    row: CompareRow, metric: str, sep: str = " ± ", spread_digits: int | None = None
) -> str:
    """``mean ± spread`` (4 decimals, fit seconds 2; the spread to ``spread_digits`` if
    given), ``-`` when not measured."""
    mean, spread = row.mean(metric), row.spread(metric)
    if mean is None:
        return "-"
    digits = 2 if metric == "fit_seconds" else 4
    text = f"{mean:.{digits}f}"
    extra = digits if spread_digits is None or metric == "fit_seconds" else spread_digits
    return text + (f"{sep}{spread:.{extra}f}" if spread else "")


def to_markdown(comparison: Comparison) -> str:
    """A GitHub markdown table; the best per column in bold."""
    best = comparison.best()
    heads = ["preset", *(metric_label(m) for m in comparison.metrics)]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" + "---:|" * len(comparison.metrics)]
    for row in comparison.rows:
        cells = [row.label]
        for metric in comparison.metrics:
            text = cell_text(row, metric)
            cells.append(f"**{text}**" if best.get(metric) == row.label else text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_csv(comparison: Comparison) -> str:
    """One line per preset: mean and spread of every metric, and ``best`` (metric names)."""
    import csv
    import io

    best = comparison.best()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    metrics = comparison.metrics
    writer.writerow(["preset", *metrics, *(f"{m}_spread" for m in metrics), "folds", "best"])
    for row in comparison.rows:
        means = ["" if row.mean(m) is None else f"{row.mean(m):.6g}" for m in metrics]
        spreads = ["" if row.spread(m) is None else f"{row.spread(m):.6g}" for m in metrics]
        wins = " ".join(m for m in metrics if best.get(m) == row.label)
        writer.writerow([row.label, *means, *spreads, len(row.folds), wins])
    return buffer.getvalue()


# --------------------------------------------------------------------------- saved results


def comparison_path(dataset_name: str) -> Path:
    """Where the latest comparison on ``dataset_name`` is kept."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in dataset_name)
    return paths.data_dir() / f"compare-{safe}.json"


def save_comparison(comparison: Comparison, path: Path | None = None) -> Path:
    """Write ``comparison`` (atomically) as JSON; returns the path."""
    path = path or comparison_path(comparison.dataset)
    payload = json.dumps(comparison.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
    paths.atomic_write_bytes(path, payload)
    return path


def load_comparison(dataset_name: str, path: Path | None = None) -> Comparison | None:
    """The saved comparison on ``dataset_name`` (None if there is none; DataError if the
    file is damaged)."""
    path = path or comparison_path(dataset_name)
    if not path.exists():
        return None
    try:
        return Comparison.from_json(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a saved comparison ({exc})") from None
