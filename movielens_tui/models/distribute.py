"""``tf.distribute`` strategies by name, for ``movielens-tui train --strategy``.

- ``mirrored``: data-parallel over every local GPU (or the CPU when there is none).
- ``multiworker``: data-parallel over several machines; each worker reads its role from
  the ``TF_CONFIG`` environment variable (see README, "Training on several devices").

Only kinds with the ``distributed`` capability (biased-mf, with the ``sgd`` optimizer)
train under a multi-replica strategy; the others run on the default device.
"""

from __future__ import annotations

from movielens_tui.errors import ParamError

STRATEGIES = ("default", "mirrored", "multiworker")


def distributed_kinds() -> frozenset[str]:
    from movielens_tui.models.kinds import all_kinds

    return frozenset(kind.name for kind in all_kinds() if kind.distributed)


def distributed_presets() -> list[str]:
    from movielens_tui.models.presets import PRESETS

    kinds = distributed_kinds()
    return [p.name for p in PRESETS.values() if p.kind in kinds]


def __getattr__(name: str) -> object:
    if name == "DISTRIBUTED_KINDS":  # backward compatibility
        return distributed_kinds()
    raise AttributeError(name)


def make_strategy(name: str, kind: str) -> object | None:
    """The strategy called ``name`` for a model of ``kind`` (None for ``default``)."""
    if name not in STRATEGIES:
        raise ParamError("strategy", f"{name!r} is not one of {', '.join(STRATEGIES)}")
    if name == "default":
        return None
    if kind not in distributed_kinds():
        choices = " or ".join(f"--preset {p}" for p in distributed_presets())
        message = f"{kind} trains on one device; --strategy {name} needs {choices}"
        raise ParamError("strategy", message)
    from movielens_tui.models._tf import tf as get_tf

    tf = get_tf()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MultiWorkerMirroredStrategy()
