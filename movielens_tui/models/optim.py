"""The optimizers of the hand-written TensorFlow training loops, written once.

``sgd`` (plain gradient descent, the colab's), ``adagrad`` (TF's defaults: initial
accumulator ``ADAGRAD_INITIAL_ACCUMULATOR`` = 0.1) and ``adam`` (β₁ 0.9, β₂ 0.999, ε 1e-7,
bias-corrected). Dense updates for the full-batch models and the softmax tower; the
row-sparse variants for minibatch models use :func:`adagrad_rows` / :func:`adam_rows`.
Imports TensorFlow: import this module from training code only.
"""

from __future__ import annotations

from movielens_tui.models._tf import tf as _get_tf

tf = _get_tf()

OPTIMIZERS = ("sgd", "adagrad", "adam")
ADAGRAD_INITIAL_ACCUMULATOR = 0.1
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def make_slots(optimizer: str, variables: list) -> list:
    """The optimizer's state for ``variables`` (adam: m, v per variable, then the step)."""
    if optimizer == "sgd":
        return []
    if optimizer == "adagrad":
        return [tf.Variable(tf.fill(tf.shape(v), ADAGRAD_INITIAL_ACCUMULATOR)) for v in variables]
    if optimizer == "adam":
        slots = []
        for v in variables:
            slots += [tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v))]
        return [*slots, tf.Variable(0.0)]
    raise ValueError(f"unknown optimizer {optimizer!r}")


def apply(optimizer: str, lr, grads: list, variables: list, slots: list) -> None:
    """One step of ``optimizer`` (a Python string: static inside a ``tf.function``)."""
    if optimizer == "sgd":
        for g, v in zip(grads, variables, strict=True):
            v.assign_sub(lr * g)
    elif optimizer == "adagrad":
        for g, v, acc in zip(grads, variables, slots, strict=True):
            acc.assign_add(g * g)
            v.assign_sub(lr * g / (tf.sqrt(acc) + EPSILON))
    else:
        t = slots[-1]
        t.assign_add(1.0)
        scale = lr * tf.sqrt(1.0 - BETA_2**t) / (1.0 - BETA_1**t)
        for i, (g, v) in enumerate(zip(grads, variables, strict=True)):
            mom, sq = slots[2 * i], slots[2 * i + 1]
            mom.assign(BETA_1 * mom + (1.0 - BETA_1) * g)
            sq.assign(BETA_2 * sq + (1.0 - BETA_2) * g * g)
            v.assign_sub(scale * mom / (tf.sqrt(sq) + EPSILON))
