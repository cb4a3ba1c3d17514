"""Runs a server command in a process group of its own, and ends the whole group (the server and
the workers it started) when this process gets SIGTERM or SIGINT, when its parent — the benchmark
process — dies, or when the command exits. A server started for a benchmark never outlives it.

    python3 process_group.py COMMAND [ARGS...]
"""
import os
import signal
import subprocess
import sys
import time


def main():
    parent = os.getppid()
    child = subprocess.Popen(sys.argv[1:], start_new_session=True)

    def stop(*_):
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 0.0)):
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
        sys.exit(child.poll() or 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while child.poll() is None and os.getppid() == parent:
        time.sleep(0.5)
    stop()


if __name__ == "__main__":
    main()
