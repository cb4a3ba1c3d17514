"""Logs the runs the search benchmark searches straight into a new MLflow SQLite store, before its
server starts. This is setup, not what is measured, and through the REST API (or one store call
per run) 10,000 runs take MLflow minutes; here they are the rows MLflow's own create_run and
log_batch write (runs, their run-name tag, params, metrics and latest metrics), added in one
transaction. The runs come from the benchmark as JSON lines — the same runs tunekit's server gets
through the API: {"name": ..., "params": {key: value}, "metrics": {key: value}}.

    mlflow-python mlflow_populate.py DB_URI ARTIFACT_ROOT RUNS_JSONL EXPERIMENT_NAME

Prints the experiment id.
"""
import json
import sys
import uuid

from mlflow.entities import LifecycleStage, RunStatus, SourceType
from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME


def sql_run(experiment, run):
    run_id = uuid.uuid4().hex
    row = SqlRun(
        name=run["name"],
        artifact_uri=f"{experiment.artifact_location}/{run_id}/artifacts",
        run_uuid=run_id,
        experiment_id=experiment.experiment_id,
        source_type=SourceType.to_string(SourceType.UNKNOWN),
        source_name="",
        entry_point_name="",
        user_id="bench",
        status=RunStatus.to_string(RunStatus.RUNNING),
        start_time=0,
        end_time=None,
        deleted_time=None,
        source_version="",
        lifecycle_stage=LifecycleStage.ACTIVE,
    )
    row.tags = [SqlTag(key=MLFLOW_RUN_NAME, value=run["name"])]
    row.params = [SqlParam(key=k, value=v) for k, v in run["params"].items()]
    row.metrics = [SqlMetric(key=k, value=v, timestamp=0, step=0, is_nan=False) for k, v in run["metrics"].items()]
    row.latest_metrics = [SqlLatestMetric(key=k, value=v, timestamp=0, step=0, is_nan=False) for k, v in run["metrics"].items()]
    return row


def main(db_uri, artifact_root, runs_file, experiment_name):
    store = SqlAlchemyStore(db_uri, artifact_root)
    experiment = store.get_experiment(store.create_experiment(experiment_name))
    with open(runs_file) as f, store.ManagedSessionMaker() as session:
        session.add_all(sql_run(experiment, json.loads(line)) for line in f)
    print(experiment.experiment_id)


if __name__ == "__main__":
    main(*sys.argv[1:5])
