"""No module outside ``movielens_tui/models`` names a model kind or preset: capabilities
are asked of the kind (``kind_of(model)`` / ``preset.model_kind``) and defaults come from
``models.presets`` (``DEFAULT_PRESET``, ``BASELINE_PRESET``)."""

from __future__ import annotations

import ast
from pathlib import Path

from movielens_tui.models.kinds import all_kinds, get_kind
from movielens_tui.models.presets import PRESETS

PACKAGE = Path(__file__).resolve().parents[1] / "movielens_tui"
# TUI modules being refactored by another engineer; to switch to presets.DEFAULT_PRESET
PENDING: set[tuple[str, str]] = set()


def _names() -> set[str]:
    return {kind.name for kind in all_kinds()} | set(PRESETS)


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_kind_name_literal_outside_models() -> None:
    names = _names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("models/"):
            continue
        for line, value in _literals(path):
            if value in names and (rel, value) not in PENDING:
                found.append(f"{rel}:{line}: {value!r}")
    assert not found, "kind/preset names outside models/:\n" + "\n".join(found)


def test_every_preset_names_a_registered_kind_with_flags() -> None:
    for preset in PRESETS.values():
        kind = get_kind(preset.kind)
        assert preset.model_kind is kind
        assert kind.rating or kind.ranking
        assert preset.is_rating_model == kind.rating
        assert kind.fit_target.count(":") == 1
