"""The taxi matrices tunekit's vectoriser wrote for this run, as scipy CSR matrices.

January 2021 green trips (train) and February (validation): the PU_DO one-hot + trip_distance
columns of scikit-learn's DictVectorizer, exactly as the course builds them, and the duration in
minutes. The digest lets the benchmark check that Python trains on what tunekit trains on.
"""
import hashlib
import json
import os

import numpy as np
from scipy import sparse

DATA = {}


def load(dir):
    with open(os.path.join(dir, "meta.json")) as f:
        meta = json.load(f)
    digest = hashlib.sha256()
    for split in ("train", "val"):
        def array(name):
            return np.load(os.path.join(dir, f"{split}_{name}.npy"))

        shape = (meta[split]["rows"], meta["features"])
        X = sparse.csr_matrix((array("data"), array("indices"), array("indptr")), shape=shape)
        y = array("y")
        for a, dtype in ((X.indptr, "<i4"), (X.indices, "<i4"), (X.data, "<f8"), (y, "<f8")):
            digest.update(np.ascontiguousarray(a, dtype=dtype).tobytes())
        DATA[split] = (X, y)
    X, _ = DATA["train"]
    return {"rows": X.shape[0], "features": X.shape[1], "nnz": X.nnz}, {"digest": digest.hexdigest()}


def split(name):
    if name not in DATA:
        raise RuntimeError("no matrices loaded: run data.load first")
    return DATA[name]


def rmse(y, prediction):
    return float(np.sqrt(np.mean((y - prediction) ** 2)))
