#!/usr/bin/python3
"""Reads the same kind of batches as vdit_data_loader_bench with h5py + numpy, single-threaded:
random samples of one bucket, uint8 tokens converted to float32 in [-1, 1]. Run with Debian's
/usr/bin/python3 (h5py 3.7): loader_bench_h5py.py DIR [batches=200] [global_batch=8] [sp_size=1]"""
import glob
import sys
import time

import h5py
import numpy as np

directory = sys.argv[1]
batches = int(sys.argv[2]) if len(sys.argv) > 2 else 200
global_batch = int(sys.argv[3]) if len(sys.argv) > 3 else 8
sp_size = int(sys.argv[4]) if len(sys.argv) > 4 else 1

files = [h5py.File(path, "r") for path in sorted(glob.glob(directory + "/*.h5"))]
datasets = [f["buckets"][name]["tokens"] for f in files for name in f["buckets"]]
rows = [(d, r) for d in datasets for r in range(d.shape[0])]
rng = np.random.default_rng(0)
samples = 0
nbytes = 0
start = time.perf_counter()
for _ in range(batches):
    for index in rng.choice(len(rows), size=global_batch, replace=False):
        dataset, row = rows[index]
        tokens = dataset.shape[1] // sp_size
        values = dataset[row, 0:tokens].astype(np.float32) / 127.5 - 1.0
        samples += 1
        nbytes += values.nbytes
seconds = time.perf_counter() - start
print(f"h5py: {batches} batches of {global_batch} (sp {sp_size}) in {seconds:.3f} s: "
      f"{samples / seconds:.0f} samples/s, {nbytes / seconds / 1e6:.1f} MB/s float tokens")
