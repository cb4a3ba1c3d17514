"""The homework search with Optuna + scikit-learn: 15 TPE trials over a random forest's depth,
size and leaf settings, trained on January and scored by validation RMSE on February."""
import time

import optuna
from optuna.samplers import TPESampler
from sklearn.ensemble import RandomForestRegressor

from taxi_data import rmse, split

optuna.logging.set_verbosity(optuna.logging.WARNING)


def homework(n_trials, n_jobs, rf_jobs, seed):
    """n_jobs: Optuna's trial threads; rf_jobs: the threads of each forest."""
    X_train, y_train = split("train")
    X_val, y_val = split("val")

    def objective(trial):
        params = {
            "n_estimators": trial.suggest_int("n_estimators", 10, 50, 1),
            "max_depth": trial.suggest_int("max_depth", 1, 20, 1),
            "min_samples_split": trial.suggest_int("min_samples_split", 2, 10, 1),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 4, 1),
            "random_state": 42,
            "n_jobs": rf_jobs,
        }
        model = RandomForestRegressor(**params).fit(X_train, y_train)
        return rmse(y_val, model.predict(X_val))

    study = optuna.create_study(direction="minimize", sampler=TPESampler(seed=seed))
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bestValRmse": study.best_value, "trials": len(study.trials), "trialsPerSecond": len(study.trials) / seconds}, {}
