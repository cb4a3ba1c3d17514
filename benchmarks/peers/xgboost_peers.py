"""XGBoost on the taxi matrices: the course's best parameters, and XGBoost's defaults."""
import time

import xgboost as xgb

from taxi_data import rmse, split

# The course's best hyperopt parameters (week 2), as its notebook passes them to xgb.train
# ('reg:linear' there is the old name of 'reg:squarederror').
COURSE = {
    "learning_rate": 0.09585355369315604,
    "max_depth": 30,
    "min_child_weight": 1.060597050922164,
    "objective": "reg:squarederror",
    "reg_alpha": 0.018060244040060163,
    "reg_lambda": 0.011658731377413597,
    "seed": 42,
}
MATRICES = {}


def matrices():
    """The DMatrix objects, built once and untimed (the course builds them in a cell of their own)."""
    if not MATRICES:
        for name in ("train", "val"):
            X, y = split(name)
            MATRICES[name] = xgb.DMatrix(X, label=y)
    return MATRICES["train"], MATRICES["val"]


def course_rounds(rounds, nthread):
    """xgb.train with the course's parameters for a fixed number of rounds, evaluated on the
    validation month every round as the course does (early stopping never triggers this early)."""
    train, valid = matrices()
    history = {}
    start = time.perf_counter()
    booster = xgb.train({**COURSE, "nthread": nthread}, dtrain=train, num_boost_round=rounds, evals=[(valid, "validation")], evals_result=history, verbose_eval=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "trees": booster.num_boosted_rounds(), "valRmse": history["validation"]["rmse"][-1]}, {}


def defaults(rounds, nthread):
    """xgb.train with XGBoost's default parameters (squared error), no evaluation set."""
    train, valid = matrices()
    start = time.perf_counter()
    booster = xgb.train({"objective": "reg:squarederror", "seed": 42, "nthread": nthread}, dtrain=train, num_boost_round=rounds)
    seconds = time.perf_counter() - start
    _, y_val = split("val")
    return {"seconds": seconds, "trees": booster.num_boosted_rounds(), "valRmse": rmse(y_val, booster.predict(valid))}, {}
