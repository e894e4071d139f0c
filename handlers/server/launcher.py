"""The launcher: uvicorn with one worker per CPU the task has. The image's CMD and `inferno serve`.

`python -m handlers.server APP [uvicorn options]` takes uvicorn's own command line and adds
`--workers` from cpu_budget.py unless the command already names a count. Each worker is a
process with its own event loop, inference thread, batches, metrics buffer and log lines. The
processes and why: README.md beside this module.
"""

import contextlib
import importlib
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

import uvicorn._subprocess
import uvicorn.main

from handlers.server.cpu_budget import WEB_CONCURRENCY, worker_count
from shared.serving.gc_policy import cyclic_gc_paused

WORKERS_FLAG = "--workers"
HEALTHCHECK_FLAG = "--timeout-worker-healthcheck"
# uvicorn's supervisor kills a worker that has not answered its ping in 5 s, and a worker answers
# only once it has imported the app: on a starved 0.5 vCPU task (or a busy machine) scikit-learn's
# imports alone can take longer, and every replacement is killed in turn. A hung worker still
# shows within 3 s on the health port, which is what the load balancer and ECS act on; a dead one
# is replaced at once (its pipe closes). Longer would also hold the supervisor's sequential
# pings, and so the replacement of another worker, behind one hung worker.
WORKER_HEALTHCHECK_SECONDS = 20
# Imported before the app in every serving process, see preload().
NUMERIC_CORE = "scipy.special"
# Read by the workers' settings (shared/settings.py): where they all leave their health state.
HEALTH_STATE_DIR = "HEALTH_STATE_DIR"
HOST = "HOST"


def with_workers(argv: list[str], workers: int) -> list[str]:
    """uvicorn's arguments with a worker count and a worker ping timeout, unless the caller gave
    them."""
    if option(argv, HEALTHCHECK_FLAG) is None:
        argv = [*argv, HEALTHCHECK_FLAG, str(WORKER_HEALTHCHECK_SECONDS)]
    if workers_named(argv) is not None:
        return argv
    return [*argv, WORKERS_FLAG, str(workers)]


def workers_named(argv: list[str]) -> int | None:
    """The count a `--workers N` or `--workers=N` in uvicorn's arguments gives, if any."""
    value = option(argv, WORKERS_FLAG)
    return int(value) if value is not None and value.isdigit() else None  # else uvicorn says


def option(argv: list[str], name: str) -> str | None:
    """The value a `NAME VALUE` or `NAME=VALUE` in uvicorn's arguments gives, if any."""
    for arg, following in zip(argv, [*argv[1:], ""], strict=True):
        flag, equals, value = arg.partition("=")
        if flag == name:
            return value if equals else following
    return None


def preload(argv: list[str], model_libraries: bool = False) -> None:
    """Import the model's numeric core, then the app's module, in the process that will serve
    or fork the workers; with `model_libraries`, scikit-learn and skops too.

    The model load needs scipy anyway (~0.3 s, so /health answers that much later), but skops,
    on import, looks up each scipy ufunc in every module loaded before scipy.special, in import
    order: after the app's 500 modules that scan costs ~0.4 s of the time to /ready, before them
    almost nothing. Only the order changes: if skops stops scanning, only the gain goes. The app's
    module is imported here too (uvicorn then finds it loaded) so both run with cyclic GC paused;
    importing it makes no app (handlers/http/app.py), so forked workers share no state.
    """
    with cyclic_gc_paused():
        importlib.import_module(NUMERIC_CORE)
        if argv and not argv[0].startswith("-"):  # APP, uvicorn's one positional argument
            importlib.import_module(argv[0].partition(":")[0])
    if model_libraries:
        from shared.serving.skops_import import skops_io

        skops_io()  # scikit-learn under it: ~1 s a spawned worker would spend before /ready


def fork_workers() -> None:
    """uvicorn's supervisor forks its workers instead of spawning them (where the platform can).

    A spawned worker starts a new interpreter and imports everything again, both workers at once
    on the task's CPUs; a forked one starts with what the supervisor preloaded and is ready once
    it has made its app and loaded its model. A worker that dies is replaced the same way.
    """
    if "fork" in multiprocessing.get_all_start_methods():
        uvicorn._subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]


@contextlib.contextmanager
def workers_told(workers: int, host: str | None = None) -> Iterator[None]:
    """Tells the workers (they inherit our environment) how many they are, the interface
    uvicorn binds (the health port binds it too), and gives them one directory for their
    health state, so each health responder answers for the whole task."""
    os.environ[WEB_CONCURRENCY] = str(workers)
    if host is not None:
        os.environ[HOST] = host
    state_dir = tempfile.mkdtemp(prefix="inferno-health-")
    os.environ[HEALTH_STATE_DIR] = state_dir
    try:
        yield
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    workers = workers_named(args) or worker_count()
    with workers_told(workers, option(args, "--host")):
        # One worker: this process serves. Several: it forks them, with the libraries loaded.
        preload(args, model_libraries=workers > 1)
        if workers > 1:
            fork_workers()
        uvicorn.main.main(args=with_workers(args, workers), prog_name="inferno-server")


if __name__ == "__main__":
    main()
elif __name__ == "__mp_main__":
    # Where workers are spawned (no fork): uvicorn runs this module as each worker's main module
    # with our argv (__main__.py runs us as the main module for this), before it imports the app.
    preload(sys.argv[1:])
