"""The ``mf`` preset's full-batch step: variants side by side, against the arithmetic floor.

Every variant trains the ``mf`` preset (dim 30, init stddev 0.5, learning rate 10, plain
gradient descent) on the same split from the same initial embeddings for 1000 iterations
(1001 steps) and, except where its name says otherwise, returns the train and test MSE
every 10 steps in one tensor. The variants run interleaved (one fit of each, then the
next round) so they share the machine's load; the table shows the minimum and median
over the rounds, wall-clock and process CPU time (both threads). The floor is the work
of one step divided by the machine's measured speed (``step_work``, ``floor_ms``): the
larger of its FLOPs at the rate of a large matmul and its compulsory bytes at the rate
of a large streaming read, on the path (gather or dense) the variant computes.

    python benchmarks/mf_speed.py                 # real ml-100k when MOVIELENS_100K_DIR is set
    python benchmarks/mf_speed.py --rounds 5 --threads 1
    python benchmarks/mf_speed.py --smoke         # tiny generated data, seconds

Last, each kernel a step is made of (the XLA gather-and-dot, the two sparse-dense
matmuls, and U·Vᵀ for the dense path) is timed alone, 1000 times in one compiled loop:
the floor of a step built from TensorFlow's own kernels.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPORT_EVERY = 10


def load(smoke: bool):  # noqa: ANN201 - a Dataset
    """(dataset, description): ml-100k if available (not with --smoke), else generated."""
    from _sections import ml100k_dir

    from movielens_tui.data.movielens import load_folder
    from movielens_tui.data.synthetic import write_movielens_folder

    folder = None if smoke else ml100k_dir()
    if folder is not None:
        return load_folder(folder), "real ml-100k"
    size = (60, 80, 1500) if smoke else (943, 1682, 100_000)
    tmp = Path(tempfile.mkdtemp(prefix="bench-mf-"))
    return load_folder(write_movielens_folder(tmp / "ml-100k", *size, folds=False)), (
        f"generated {size[0]} users × {size[1]} movies"
    )


def step_work(n_users: int, n_movies: int, n_ratings: int, dim: int) -> dict[str, float]:
    """FLOPs and compulsory bytes of one step, gather-and-dot path and dense product.

    Gather path: the dot products (2·|Ω|·d), the residual (3·|Ω|), the two scatter-adds
    of residual × row (2·2·|Ω|·d) and the update (2·(N+M)·d); bytes: the (user, movie,
    rating) triples read once (12·|Ω|, int32 indices) and U, V and their gradients read
    and written once (the gathered rows come from the caches: U and V are 316 KB on
    ml-100k). Dense path: U·Vᵀ instead of the dots (2·N·M·d), and its N·M floats written
    and read back.
    """
    cells, rows = n_users * n_movies, (n_users + n_movies) * dim
    common = 3.0 * n_ratings + 4.0 * n_ratings * dim + 2.0 * rows
    compulsory = 12.0 * n_ratings + 4 * 4 * rows
    return {"gather_flops": 2.0 * n_ratings * dim + common, "gather_bytes": compulsory,
            "dense_flops": 2.0 * cells * dim + common,
            "dense_bytes": compulsory + 8.0 * cells}  # fmt: skip


def machine_speed(tf) -> tuple[float, float]:  # noqa: ANN001
    """(FLOP/s of a large float32 matmul, bytes/s of a large read), measured here."""
    a = tf.random.normal([1024, 1024])
    big = tf.random.normal([64 * 2**20])  # 256 MB: beyond the caches

    @tf.function
    def mm(x):  # noqa: ANN001, ANN202
        return tf.matmul(x, x)

    @tf.function
    def stream(x):  # noqa: ANN001, ANN202
        return tf.reduce_sum(x)

    def best(f: Callable, x, reps: int) -> float:  # noqa: ANN001
        f(x).numpy()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            f(x).numpy()
            times.append(time.perf_counter() - t)
        return min(times)

    flops = 2 * 1024**3 / best(mm, a, 10)
    bandwidth = 4 * 64 * 2**20 / best(stream, big, 10)
    return flops, bandwidth


def floor_ms(work: dict, path: str, flops: float, bandwidth: float) -> float:
    """max(FLOPs / FLOP rate, bytes / bandwidth) of one step on ``path``, in ms."""
    return 1e3 * max(work[f"{path}_flops"] / flops, work[f"{path}_bytes"] / bandwidth)


# --------------------------------------------------------------------------- variants


def make_variants(tf, data, params: dict, train, test) -> dict[str, tuple[str, Callable]]:  # noqa: ANN001
    """name -> (floor path, fit(U0, V0, iterations) -> final [train, test] MSE)."""
    from movielens_tui.models import factorization as F
    from movielens_tui.models.trainer import report_steps

    def engine_fit(path: str, per_call: int = REPORT_EVERY) -> Callable:
        def fit(U0: np.ndarray, V0: np.ndarray, iterations: int) -> list[float]:
            engine = F.FullBatchMF(U0, V0, train, test, params, False, path=path)
            out: dict = {}
            if per_call == REPORT_EVERY:
                for _, n_steps in report_steps(iterations):
                    out = engine.run(n_steps)
            else:
                for start in range(0, iterations + 1, per_call):
                    out = engine.run(min(per_call, iterations + 1 - start))
            engine.arrays()
            if per_call > iterations:  # one call: only the metrics before its first step
                return [float("nan"), float("nan")]
            return [out["mse"], out["test"]]

        return fit

    variants = {
        "naive port: tape + keras SGD, gather_nd(U·Vᵀ), 1 call a step": (
            "dense", naive_fit(tf, data, train, float(params["learning_rate"]))),
        "before: dense U·Vᵀ + 2 sparse-dense matmuls, 10 steps a call": (
            "dense", engine_fit("dense")),
        "gather-and-dot (TF ops) + 2 sparse-dense matmuls": ("gather", engine_fit("gather")),
        "XLA gather-and-dot + 2 sparse-dense matmuls (now)": ("gather", engine_fit("xla")),
        "now, 1 step a call (a host round trip a step)": ("gather", engine_fit("xla", 1)),
        "now, all 1001 steps in one call (no reports)": ("gather", engine_fit("xla", 10**9)),
        "whole step in XLA (gather-and-dot + scatter-add)": (
            "gather", xla_whole_step_fit(tf, data, train, test, params, dense=False)),
        "whole step in XLA, dense U·Vᵀ + scatter-add": (
            "dense", xla_whole_step_fit(tf, data, train, test, params, dense=True)),
    }  # fmt: skip
    return variants


def naive_fit(tf, data, train, lr: float) -> Callable:  # noqa: ANN001
    """The plain TF2 port of the colab (as in training_speed.py): one call a step."""
    import keras

    from movielens_tui.models.factorization import (
        build_rating_sparse_tensor,
        sparse_mean_square_error,
    )

    A = build_rating_sparse_tensor(train, data.n_users, data.n_movies)

    def fit(U0: np.ndarray, V0: np.ndarray, iterations: int) -> list[float]:
        U, V = tf.Variable(U0), tf.Variable(V0)
        optimizer = keras.optimizers.SGD(learning_rate=lr)

        @tf.function
        def step():  # noqa: ANN202
            with tf.GradientTape() as tape:
                loss = sparse_mean_square_error(A, U, V)
            optimizer.apply_gradients(zip(tape.gradient(loss, [U, V]), [U, V], strict=True))
            return loss

        loss = None
        for _ in range(iterations + 1):
            loss = step()
        return [float(loss), float("nan")]

    return fit


def xla_whole_step_fit(tf, data, train, test, params: dict, dense: bool) -> Callable:  # noqa: ANN001
    """Interval of 10 steps as one XLA-compiled loop; gradients by unsorted_segment_sum."""
    n, m = data.n_users, data.n_movies
    lr = float(params["learning_rate"])

    def cols(frame) -> tuple:  # noqa: ANN001
        return (tf.constant(frame["user"].to_numpy(np.int32)),
                tf.constant(frame["movie"].to_numpy(np.int32)),
                tf.constant(frame["rating"].to_numpy(np.float32)))  # fmt: skip

    tr, te = cols(train), cols(test)
    count = float(len(train))

    def predict(U, V, c):  # noqa: ANN001, ANN202
        if dense:
            return tf.gather(tf.reshape(tf.matmul(U, V, transpose_b=True), [-1]), c[0] * m + c[1])
        return tf.reduce_sum(tf.gather(U, c[0]) * tf.gather(V, c[1]), axis=1)

    def step(U, V):  # noqa: ANN001, ANN202
        error = predict(U, V, tr) - tr[2]
        s = ((2.0 / count) * error)[:, None]
        grad_u = tf.math.unsorted_segment_sum(s * tf.gather(V, tr[1]), tr[0], n)
        grad_v = tf.math.unsorted_segment_sum(s * tf.gather(U, tr[0]), tr[1], m)
        return U - lr * grad_u, V - lr * grad_v, tf.reduce_mean(error * error)

    @tf.function(jit_compile=True)
    def run(U, V, n_steps):  # noqa: ANN001, ANN202
        test_error = predict(U, V, te) - te[2]
        U2, V2, mse = step(U, V)

        def body(i, U, V):  # noqa: ANN001, ANN202
            U, V, _ = step(U, V)
            return i + 1, U, V

        _, U2, V2 = tf.while_loop(lambda i, U, V: i < n_steps - 1, body, (0, U2, V2))
        return U2, V2, tf.stack([mse, tf.reduce_mean(test_error * test_error)])

    def fit(U0: np.ndarray, V0: np.ndarray, iterations: int) -> list[float]:
        from movielens_tui.models.trainer import report_steps

        U, V = tf.constant(U0), tf.constant(V0)
        out = None
        for _, n_steps in report_steps(iterations):
            U, V, out = run(U, V, tf.constant(n_steps))
            out = out.numpy()
        U.numpy(), V.numpy()
        return [float(out[0]), float(out[1])]

    return fit


# --------------------------------------------------------------------------- main


def kernel_times(tf, train, n_users: int, n_movies: int, dim: int, reps: int = 1000) -> dict:  # noqa: ANN001
    """Wall and CPU ms of each kernel a step is made of, alone, ``reps`` times inside one
    ``tf.function`` loop (no host round trips): the floor of a step built from TF ops."""
    from movielens_tui.models.factorization import _rating_tensors, _xla_gather_dot

    indices, _, values = _rating_tensors(train, n_movies)
    rng = np.random.default_rng(0)
    U = tf.constant(rng.normal(0, 0.5, (n_users, dim)).astype(np.float32))
    V = tf.constant(rng.normal(0, 0.5, (n_movies, dim)).astype(np.float32))
    residual = tf.SparseTensor(indices, values, [n_users, n_movies])
    kernels = {
        "XLA gather-and-dot (predictions at the ratings)": lambda: _xla_gather_dot(U, V, indices),
        "sparse-dense matmul residual·V (user gradient)": lambda: tf.sparse.sparse_dense_matmul(
            residual, V
        ),
        "sparse-dense matmul residualᵀ·U (movie gradient)": lambda: tf.sparse.sparse_dense_matmul(
            residual, U, adjoint_a=True
        ),
        "dense U·Vᵀ (the dense path's product)": lambda: tf.matmul(U, V, transpose_b=True),
    }
    out = {}
    for name, kernel in kernels.items():

        @tf.function
        def loop(kernel=kernel):  # noqa: ANN001, ANN202
            total = tf.zeros([])
            for _ in tf.range(reps):
                total += tf.reduce_sum(kernel())
            return total

        loop()  # trace and compile
        started, cpu_started = time.perf_counter(), time.process_time()
        loop()
        out[name] = (1e3 * (time.perf_counter() - started) / reps,
                     1e3 * (time.process_time() - cpu_started) / reps)  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny generated data, 20 iterations")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds after a warm-up")
    p.add_argument("--threads", type=int, default=None, help="TF intra-op threads")
    p.add_argument("--only", default="", help="comma-separated substrings of variant names")
    args = p.parse_args(argv)
    if args.threads is not None:
        os.environ["MOVIELENS_TUI_TF_THREADS"] = str(args.threads)
    from movielens_tui.data.splits import split_dataframe
    from movielens_tui.models._tf import tf as get_tf
    from movielens_tui.models.factorization import _initial
    from movielens_tui.models.presets import get_preset, resolve_params

    tf = get_tf()
    load_start = os.getloadavg()[0]
    data, source = load(args.smoke)
    iterations = 20 if args.smoke else 1000
    rounds = 1 if args.smoke else max(1, args.rounds)
    params = resolve_params(get_preset("mf"), {"iterations": iterations})
    train, test = split_dataframe(data.ratings, 0.1, seed=0)
    U0, V0 = _initial(data, params, 0, None)
    variants = make_variants(tf, data, params, train, test)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        variants = {k: v for k, v in variants.items() if any(w in k for w in wanted)}
    work = step_work(data.n_users, data.n_movies, len(train), int(params["dim"]))
    flops, bandwidth = machine_speed(tf)

    for _, fit in variants.values():  # warm-up: traces and XLA compilation
        fit(U0, V0, min(iterations, 20))
    wall: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    finals: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, (_, fit) in variants.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            finals[name] = fit(U0, V0, iterations)
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
    load_end = os.getloadavg()[0]

    steps = iterations + 1
    threads = os.environ.get("MOVIELENS_TUI_TF_THREADS", str(os.cpu_count()))
    print(
        f"Data: {source}, {len(train)} training ratings, {data.n_users} users × "
        f"{data.n_movies} movies, dim {params['dim']}; {iterations} iterations "
        f"({steps} steps); {rounds} rounds; TF intra-op threads {threads}; 1-minute load "
        f"{load_start:.1f} at the start, {load_end:.1f} at the end on {os.cpu_count()} "
        f"cores. Machine: matmul {flops / 1e9:.0f} GFLOP/s, read {bandwidth / 1e9:.1f} GB/s."
    )
    print()
    print(
        f"Work of one step: gather path {work['gather_flops'] / 1e6:.1f} MFLOP, "
        f"{work['gather_bytes'] / 1e6:.1f} MB; dense path {work['dense_flops'] / 1e6:.1f} "
        f"MFLOP, {work['dense_bytes'] / 1e6:.1f} MB."
    )
    print()
    print(
        "| variant | ms/step (min / median) | CPU ms/step (min) | "
        f"{iterations}-iteration s (min / median) | floor ms/step | final train / test MSE |"
    )
    print("|---|---|---|---|---|---|")
    for name, (path, _) in variants.items():
        w, c = np.array(wall[name]), np.array(cpu[name])
        floor = floor_ms(work, path, flops, bandwidth)
        train_mse, test_mse = finals[name]
        print(f"| {name} | {1e3 * w.min() / steps:.2f} / {1e3 * np.median(w) / steps:.2f} | "
              f"{1e3 * c.min() / steps:.2f} | {w.min():.2f} / {np.median(w):.2f} | "
              f"{floor:.2f} ({path}) | {train_mse:.4f} / {test_mse:.4f} |")  # fmt: skip
    print()
    print("Each kernel of a step alone, 1000 times in one compiled loop (the floor of a step")
    print("made of TF ops; a step needs the first three):")
    print()
    print("| kernel | ms (wall) | CPU ms |")
    print("|---|---|---|")
    reps = 50 if args.smoke else 1000
    timed = kernel_times(tf, train, data.n_users, data.n_movies, int(params["dim"]), reps)
    for name, (wall_ms, cpu_ms) in timed.items():
        print(f"| {name} | {wall_ms:.2f} | {cpu_ms:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
