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
    result = Comparison(dataset.name, protocol.describe(dataset, seed), seed, k,
                        datetime.now(timezone.utc).isoformat(timespec="seconds"))  # fmt: skip
    result.rows = [CompareRow(e.name, p.name, p.kind, params)
                   for e, p, params in zip(items, presets, resolved, strict=True)]  # fmt: skip
    folds = list(protocol.splits(dataset, seed))
    if only_folds is not None:
        folds = [f for f in folds if f[0] in set(only_folds)]
        if not folds:
            raise ParamError("fold", f"no fold named {', '.join(only_folds)}")
    n = len(items)
    for fold_index, (name, train, test) in enumerate(folds):
        if len(train) == 0 or len(test) == 0:
            raise DataError(f"fold {name}: empty train or test ratings")
        for model_index, (row, params) in enumerate(zip(result.rows, resolved, strict=True)):
            if should_stop is not None and should_stop():
                raise EvaluationCancelled("comparison cancelled")
            inner = None
            if callback is not None:

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
