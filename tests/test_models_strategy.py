"""biased-mf data-parallel under MirroredStrategy over two logical CPUs matches one device.

Logical devices must be configured before TensorFlow starts, so this runs in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

SCRIPT = """
import json, sys
from movielens_tui.models._tf import tf as get_tf
tf = get_tf()
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
from movielens_tui.data.movielens import load_folder
from movielens_tui.models.trainer import train
data = load_folder(sys.argv[1])
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
params = {"epochs": 4, "batch_size": 63, "dim": 8}  # 63: the two shares are padded
one = train(data, "biased-mf", params, seed=0)
two = train(data, "biased-mf", params, seed=0, strategy=strategy)
try:
    train(data, "biased-mf", {**params, "optimizer": "adam"}, seed=0, strategy=strategy)
    refused = ""
except Exception as exc:
    refused = str(exc)
print(json.dumps({
    "refused": refused,
    "replicas": strategy.num_replicas_in_sync,
    "max_diff": max(
        float(np.abs(getattr(one, k) - getattr(two, k)).max())
        for k in ("user_embeddings", "movie_embeddings", "user_bias", "movie_bias")
    ),
    "rmse": [one.history[-1]["test_rmse"], two.history[-1]["test_rmse"]],
}))
"""


def test_mirrored_strategy_matches_single_device(small_data_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(small_data_dir)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["max_diff"] < 1e-5
    assert result["rmse"][0] == pytest.approx(result["rmse"][1], abs=1e-6)
    assert "supports optimizer sgd" in result["refused"]
