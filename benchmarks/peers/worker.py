"""The Python peers of tunekit's benchmarks: a worker that runs one task per request.

Reads one JSON request per line on stdin, {"task": "sklearn.rf_fit", "args": {...}}, and answers
one JSON line on stdout: {"ok": true, "figures": {...}, "info": {...}} or {"ok": false,
"error": "..."}. The first line it sends says which packages are importable. A task times only
what its user would time (a fit call) with time.perf_counter and returns it as figures["seconds"].
Task modules import their library on first use, so a missing package fails only its own tasks.
The worker ends when its stdin closes or its parent process dies.
"""
import importlib
import importlib.metadata
import json
import os
import platform
import resource
import sys
import threading
import time
import traceback

PACKAGES = ["numpy", "scipy", "scikit-learn", "xgboost", "optuna", "pandas"]
MODULES = {"data": "taxi_data", "sklearn": "sklearn_peers", "xgboost": "xgboost_peers", "optuna": "optuna_peers"}


def versions():
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def exit_with_parent():
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def run(request):
    family, name = request["task"].split(".", 1)
    module = importlib.import_module(MODULES[family])
    figures, info = getattr(module, name)(**request.get("args", {}))
    figures["pythonMaxRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"ok": True, "figures": figures, "info": info}


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    # Protocol lines go to the original stdout; anything a library prints goes to stderr.
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(message):
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    threading.Thread(target=exit_with_parent, daemon=True).start()
    send({"ready": True, "python": platform.python_version(), "versions": versions()})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            send(run(json.loads(line)))
        except Exception as error:  # the benchmark records the failure and goes on
            traceback.print_exc()
            send({"ok": False, "error": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    main()
