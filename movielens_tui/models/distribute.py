"""``tf.distribute`` strategies by name, for ``movielens-tui train --strategy``.

- ``mirrored``: data-parallel over every local GPU (or the CPU when there is none).
- ``multiworker``: data-parallel over several machines; each worker reads its role from
  the ``TF_CONFIG`` environment variable (see README, "Training on several devices").

Only ``biased-mf`` with the ``sgd`` optimizer trains under a multi-replica strategy; the
colab's full-batch models run on the default device.
"""

from __future__ import annotations

from movielens_tui.errors import ParamError

STRATEGIES = ("default", "mirrored", "multiworker")
DISTRIBUTED_KINDS = frozenset({"biased-mf"})


def make_strategy(name: str, kind: str) -> object | None:
    """The strategy called ``name`` for a model of ``kind`` (None for ``default``)."""
    if name not in STRATEGIES:
        raise ParamError("strategy", f"{name!r} is not one of {', '.join(STRATEGIES)}")
    if name == "default":
        return None
    if kind not in DISTRIBUTED_KINDS:
        raise ParamError(
            "strategy", f"{kind} trains on one device; --strategy {name} needs --preset biased-mf"
        )
    from movielens_tui.models._tf import tf as get_tf

    tf = get_tf()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MultiWorkerMirroredStrategy()
