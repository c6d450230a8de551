"""biased-mf epoch times: one process vs two ``--strategy multiworker`` workers on this host.

Generates an ml-25m-shaped CSV release (``write_csv_release(folder, **ML_25M_SHAPE)``,
scaled by ``--scale``) in a temp dir, then trains biased-mf (preset parameters, the
given number of epochs) as the CLI does (``source.load(folder, "ml-25m")``,
``make_strategy``, ``trainer.train``), each run in fresh processes:

- 1 process, ``--strategy default`` (the XLA-compiled single-device loop);
- 2 worker processes on 127.0.0.1 under ``MultiWorkerMirroredStrategy``, each with its
  own ``TF_CONFIG`` (the README recipe), sharing every minibatch.

An epoch's time is the difference of the trainer's progress times (minibatches, the
weight averaging and the test RMSE); the first epoch also pays tracing / compiling and
is shown apart. Loading the data is excluded. Both workers share the host's cores, so
two workers on one machine cannot be faster than one process: the figure shows the cost
of the exchange (one all-gather per minibatch) and of the op-by-op loop.

    python benchmarks/multiworker.py                 # ml-25m size (slow: see --scale)
    python benchmarks/multiworker.py --scale 0.1 --epochs 2
    python benchmarks/multiworker.py --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sections import machine  # noqa: E402

from movielens_tui.data.synthetic import ML_25M_SHAPE  # noqa: E402

TIMEOUT = 3 * 3600.0  # seconds for one run of all its processes


def shape(scale: float) -> dict[str, int]:
    return {k: max(1, round(v * scale)) for k, v in ML_25M_SHAPE.items()}


def worker(args: argparse.Namespace) -> None:
    """One training process: print its epoch times and metrics as one JSON line."""
    from movielens_tui.data import source
    from movielens_tui.models import trainer
    from movielens_tui.models.distribute import make_strategy

    started = time.perf_counter()
    data = source.load(args.data, "ml-25m")
    loaded = time.perf_counter() - started
    strategy = make_strategy(args.strategy, "biased-mf")
    times: list[float] = []
    params = {"epochs": args.epochs}
    if args.batch_size:
        params["batch_size"] = args.batch_size
    model = trainer.train(
        data,
        "biased-mf",
        params,
        seed=0,
        strategy=strategy,
        callback=lambda p: times.append(p.elapsed),
    )
    if args.out:
        from movielens_tui.models import store

        store.save(model, args.out)
    epochs = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    replicas = 1 if strategy is None else strategy.num_replicas_in_sync
    print(
        json.dumps(
            {
                "load_seconds": loaded,
                "epochs": epochs,
                "fit_seconds": model.fit_seconds,
                "metrics": model.final_metrics,
                "replicas": replicas,
                "ratings": len(data.ratings),
            }
        ),
        flush=True,
    )


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run(folder: Path, workers: int, args: argparse.Namespace, home: Path) -> list[dict]:
    """Start ``workers`` processes (0: one plain process) and return their JSON results."""
    argv = [sys.executable, __file__, "--worker", "--data", str(folder),
            "--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]  # fmt: skip
    env = {**os.environ, "MOVIELENS_TUI_HOME": str(home / "home"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["MOVIELENS_TUI_CACHE"] = str(home / "cache")
    commands = []
    if workers == 0:
        commands.append((argv + ["--strategy", "default", "--out", str(home / "one.npz")], env))
    else:
        cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(workers)]}
        for index in range(workers):
            task = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            out = ["--out", str(home / f"w{index}.npz")]
            commands.append(
                (argv + ["--strategy", "multiworker", *out], {**env, "TF_CONFIG": json.dumps(task)})
            )
    procs = [
        subprocess.Popen(
            cmd,
            env=e,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        for cmd, e in commands
    ]
    try:
        outputs = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    results = []
    for p, (out, err) in zip(procs, outputs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"a training process failed ({p.returncode}):\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def model_differences(folder: Path) -> tuple[float, float]:
    """Largest |difference| of any weight: worker 0 vs worker 1, worker 0 vs one process."""
    import numpy as np

    from movielens_tui.models import store

    w0, w1, one = (store.load(folder / f) for f in ("w0.npz", "w1.npz", "one.npz"))
    names = ("user_embeddings", "movie_embeddings", "user_bias", "movie_bias")

    def diff(a: object, b: object) -> float:
        return max(float(np.abs(getattr(a, k) - getattr(b, k)).max()) for k in names)

    return diff(w0, w1), diff(w0, one)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0, help="fraction of ml-25m's size")
    p.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    p.add_argument("--batch-size", type=int, default=2048, help="minibatch (preset: 2048)")
    p.add_argument("--data-dir", type=Path, help="reuse (or write) the generated release here")
    p.add_argument("--smoke", action="store_true", help="tiny size, runs in seconds")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--strategy", default="default", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return
    if args.smoke:
        args.scale, args.epochs = 0.0004, 2
    size = shape(args.scale)
    tmp = Path(tempfile.mkdtemp(prefix="bench-multiworker-"))
    folder = args.data_dir or tmp / "ml-25m"
    if not (folder / "ratings.csv").exists():
        from movielens_tui.data.synthetic import write_csv_release

        started = time.perf_counter()
        write_csv_release(folder, **size)
        print(f"generated {folder} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    rows = []
    for label, workers in (("1 process (--strategy default)", 0), ("2 workers (multiworker)", 2)):
        results = run(folder, workers, args, tmp)
        epochs = results[0]["epochs"]
        steady = sorted(epochs[1:])[len(epochs[1:]) // 2] if len(epochs) > 1 else epochs[0]
        rows.append((label, results[0]["replicas"], epochs[0], steady, results[0]))
        print(f"{label}: epochs {', '.join(f'{e:.2f}' for e in epochs)} s", file=sys.stderr)
    between, vs_one = model_differences(tmp)
    one = rows[0][3]
    ratings = rows[0][4]["ratings"]
    scale = "ml-25m size" if args.scale == 1.0 else f"{args.scale:g} × ml-25m"
    print(
        f"\nbiased-mf (dim 64, batch {args.batch_size}) on a generated {scale} release: "
        f"{size['n_users']:,} users, {size['n_movies']:,} movies, {ratings:,} ratings; "
        f"{args.epochs} epochs.\n"
    )
    print("| run | replicas | first epoch (s) | epoch (s, median of the rest) | vs 1 process "
          "| train RMSE | test RMSE |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, replicas, first, steady, result in rows:
        m = result["metrics"]
        print(
            f"| {label} | {replicas} | {first:.2f} | {steady:.2f} | {one / steady:.2f}× "
            f"| {m['train_rmse']:.6f} | {m['test_rmse']:.6f} |"
        )
    print(
        f"\nLargest weight difference between the two workers: {between:.1e}; "
        f"between worker 0 and the single process: {vs_one:.1e}."
    )
    print(f"\nMachine: {machine()}")
    command = " ".join(
        shlex.quote(a) for a in ["python", "benchmarks/multiworker.py", *sys.argv[1:]]
    )
    print(f"Command: `{command}`")


if __name__ == "__main__":
    main()
