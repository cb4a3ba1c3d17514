"""scikit-learn on the taxi matrices: the fits and predictions a course user times."""
import time

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from taxi_data import rmse, split

FITTED = {}  # the last model each task fitted, scored after the timed runs


def timed_fit(key, model):
    X, y = split("train")
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    FITTED[key] = model
    return {"seconds": seconds, "rows": X.shape[0]}, {}


def rf_fit(n_estimators, max_depth, n_jobs, random_state):
    model = RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth, n_jobs=n_jobs, random_state=random_state)
    return timed_fit("rf", model)


def rf_predict(n_estimators, max_depth, n_jobs, random_state):
    """Times predict on the validation month; the forest is fitted once, on the first call."""
    if "rf-predict" not in FITTED:
        X, y = split("train")
        # Two threads for the untimed fit (the trees do not depend on it), then predict as asked.
        FITTED["rf-predict"] = RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth, n_jobs=2, random_state=random_state).fit(X, y)
    model = FITTED["rf-predict"]
    model.n_jobs = n_jobs
    X, _ = split("val")
    start = time.perf_counter()
    prediction = model.predict(X)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(prediction), "rowsPerSecond": len(prediction) / seconds}, {}


def linear_fit():
    return timed_fit("linear", LinearRegression())


def lasso_fit(alpha):
    return timed_fit("lasso", Lasso(alpha=alpha))


def ridge_fit(alpha):
    return timed_fit("ridge", Ridge(alpha=alpha))


def score(model):
    """Validation RMSE of the last fitted model (and what it grew, for forests)."""
    fitted = FITTED[model]
    X, y = split("val")
    figures = {"valRmse": rmse(y, fitted.predict(X))}
    if hasattr(fitted, "estimators_"):
        figures["trees"] = len(fitted.estimators_)
        figures["nodesPerTree"] = sum(t.tree_.node_count for t in fitted.estimators_) / len(fitted.estimators_)
    if getattr(fitted, "n_iter_", None) is not None:
        figures["nIter"] = int(np.max(fitted.n_iter_))
    return figures, {}
