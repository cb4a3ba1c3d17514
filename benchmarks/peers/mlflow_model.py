"""Saves the model `mlflow models serve` serves in the benchmarks: the course's pipeline, a
DictVectorizer and a LinearRegression fitted on January's PU_DO + trip_distance, as an MLflow
sklearn model with its signature. Also writes what the model predicts for the request rows, so
the benchmark can check that the server answers with exactly that.

    mlflow-python mlflow_model.py TRIPS_DIR MODEL_DIR

TRIPS_DIR holds January's prepared trips as tunekit wrote them (train_pu, train_do,
train_distance, train_duration .npy) and request.json, the batch request body of the benchmark.
"""
import json
import os
import sys

import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer


def training_frame(trips_dir):
    def column(name):
        return np.load(os.path.join(trips_dir, f"train_{name}.npy"))

    # As the course builds it: PU_DO = "<PULocationID>_<DOLocationID>".
    pu_do = [f"{pu}_{do}" for pu, do in zip(column("pu"), column("do"))]
    return pd.DataFrame({"PU_DO": pu_do, "trip_distance": column("distance")}), column("duration")


def request_frame(trips_dir):
    with open(os.path.join(trips_dir, "request.json")) as f:
        split = json.load(f)["dataframe_split"]
    return pd.DataFrame(split["data"], columns=split["columns"])


def records(df):
    # What the course feeds DictVectorizer: one dict per row.
    return df.to_dict(orient="records")


def main(trips_dir, model_dir):
    train, y = training_frame(trips_dir)
    pipeline = make_pipeline(FunctionTransformer(records), DictVectorizer(), LinearRegression())
    pipeline.fit(train, y)
    requests = request_frame(trips_dir)
    predictions = pipeline.predict(requests)
    mlflow.sklearn.save_model(pipeline, model_dir, signature=infer_signature(requests, predictions))
    with open(os.path.join(model_dir, "expected.json"), "w") as f:
        json.dump({"predictions": predictions.tolist()}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
