"""Runs the Dockerfile's own command (ENTRYPOINT + CMD) in the project's environment.

No Docker engine is needed: the image's entrypoint and uvicorn flags are what is under test,
started exactly as written with only the bind address and port swapped for a free loopback port.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from handlers.server.cpu_budget import TASK_CPU_UNITS, WEB_CONCURRENCY, worker_count
from handlers.server.health_answer import LOOP_STALL_SECONDS

from .infra import ROOT, load_dockerfile

VENV_BIN = ROOT / ".venv" / "bin"
READY_TIMEOUT_SECONDS = 90
# ECS stopTimeout (iac/main.tf): uvicorn must exit by then after SIGTERM.
STOP_TIMEOUT_SECONDS = 30
# uvicorn logs one per worker process; each worker logs its own model load.
WORKER_STARTED = "Started server process"
MODEL_LOADED = '"message":"Model loaded"'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def with_option(command: list[str], flag: str, value: str) -> list[str]:
    index = command.index(flag)
    return [*command[: index + 1], value, *command[index + 2 :]]


def child_env(model_dir: Path, **extra: str) -> dict[str, str]:
    unset = {"AWS_LAMBDA_RUNTIME_API", "MODEL_BUCKET_NAME", "MODEL_VERSION"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in unset | {WEB_CONCURRENCY, TASK_CPU_UNITS}
    }
    env.update(extra)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MODEL_DIR"] = str(model_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> Path:
    """A local store holding the session's trained model under the production alias."""
    if not (VENV_BIN / "inferno").exists():
        pytest.skip("the `inferno` command is not installed in .venv yet (make install)")
    store = tmp_path_factory.mktemp("image-command") / "store"
    subprocess.run(
        [str(VENV_BIN / "inferno"), "publish", str(sentiment_model_dir), "--store", str(store)],
        cwd=ROOT,
        env=child_env(store),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return store


@dataclass
class Served:
    url: str
    health_url: str  # the health port, as the image's ENV configures it
    log: Path
    workers: int  # what the launcher should have chosen in this environment


@pytest.fixture(params=[{}], ids=["nothing-set"])
def server(model_store: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    """The image's command; `request.param` holds extra environment (indirect parametrize)."""
    port, health_port = free_port(), free_port()
    dockerfile = load_dockerfile()
    command = with_option(dockerfile.command, "--host", "127.0.0.1")
    command = with_option(command, "--port", str(port))
    log = tmp_path / "server.log"
    # The image's own ENV, with loopback and a free port for the health port.
    image_env = {**dockerfile.env, "HOST": "127.0.0.1", "HEALTH_PORT": str(health_port)}
    temp = tmp_path / "tmp"  # where the workers' health state goes
    temp.mkdir()
    env = child_env(model_store, **image_env, TMPDIR=str(temp), **request.param)
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    served = Served(
        f"http://127.0.0.1:{port}", f"http://127.0.0.1:{health_port}", log, worker_count(env)
    )
    try:
        wait_until_ready(served, process)
        yield served
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"not stopped {STOP_TIMEOUT_SECONDS}s after SIGTERM:\n{log.read_text()}")
    # uvicorn drains, then re-raises the SIGTERM it caught: a clean stop is 0 or -SIGTERM.
    assert code in {0, -signal.SIGTERM}, log.read_text()
    # AND no health responder outlives its worker, nor any health state the server
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.health_url}/health", timeout=2)
    assert not list(temp.iterdir())


def wait_until_ready(served: Served, process: subprocess.Popen[bytes]) -> None:
    """/ready from one worker, every worker's model load in the log (each has its own), then the
    health port's /ready as the load balancer sees it: it follows the worker's next heartbeat."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    ready = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the image command exited with {process.returncode}:\n{_text(served)}")
        with contextlib.suppress(httpx.TransportError):
            ready = ready or httpx.get(f"{served.url}/ready", timeout=2).status_code == 200
        loaded = ready and _text(served).count(MODEL_LOADED) >= served.workers
        if loaded and _health_port_ready(served):
            return
        time.sleep(0.5)
    pytest.fail(f"not ready within {READY_TIMEOUT_SECONDS}s:\n{_text(served)}")


def _health_port_ready(served: Served) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return httpx.get(f"{served.health_url}/ready", timeout=2).status_code == 200
    return False


def _text(served: Served) -> str:
    return served.log.read_text(errors="replace")


@pytest.mark.integration
def test_image_command_serves_ready_and_predict(server: Served) -> None:
    # GIVEN the Dockerfile's command serving a freshly trained store (fixture)
    # WHEN a client checks readiness and asks for a prediction
    ready = httpx.get(f"{server.url}/ready", timeout=5)
    predicted = httpx.post(f"{server.url}/predict", json={"text": "I love it"}, timeout=5)
    # THEN both answer as the ALB and the smoke tests expect
    assert ready.status_code == 200
    assert predicted.status_code == 200, predicted.text
    body = predicted.json()
    assert body["text"] == "I love it"
    assert body["sentiment"] in {"positive", "negative", "neutral"}


@pytest.mark.integration
@pytest.mark.parametrize("server", [{WEB_CONCURRENCY: "2"}], ids=["2-workers"], indirect=True)
def test_image_health_port_answers_for_every_worker(server: Served) -> None:
    # GIVEN the image's command with two workers, each with a responder on the health port
    # WHEN the load balancer probes the health port again and again (a new connection each)
    answers = [httpx.get(f"{server.health_url}/ready", timeout=2) for _ in range(20)]
    # THEN every probe, whichever worker's responder the kernel picked, says ready
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
    assert {a.json()["status"] for a in answers} == {"ready"}
    assert httpx.get(f"{server.health_url}/health", timeout=2).json() == {"status": "ok"}
    # AND both responders got the port (SO_REUSEPORT), none logged a failure to listen
    assert "Health port could not listen" not in _text(server)


@pytest.mark.integration
@pytest.mark.parametrize("server", [{WEB_CONCURRENCY: "2"}], ids=["2-workers"], indirect=True)
def test_one_wedged_worker_fails_every_probe_of_the_task(server: Served) -> None:
    # GIVEN the image's command with two workers, both ready on the health port
    wedged, _ = worker_pids(server)
    # WHEN one worker's event loop stops running (frozen for less than uvicorn's own 5 s
    # check, after which its supervisor would kill and replace it)
    os.kill(wedged, signal.SIGSTOP)
    try:
        time.sleep(LOOP_STALL_SECONDS + 0.3)
        answers = [httpx.get(f"{server.health_url}/health", timeout=1) for _ in range(6)]
    finally:
        os.kill(wedged, signal.SIGCONT)
    # THEN every probe says the task is unhealthy, naming the worker, whichever responder the
    # kernel picked: the load balancer's consecutive failures see it
    assert {a.status_code for a in answers} == {503}, [a.text for a in answers]
    assert {a.json()["detail"].split(" has not run")[0] for a in answers} == {
        f"the event loop of worker {wedged}"
    }
    # AND once it runs again the task is ready again
    assert _health_port_ready_soon(server)


def worker_pids(served: Served) -> list[int]:
    """The workers' pids, from uvicorn's "Started server process [PID]" lines."""
    lines = [line for line in _text(served).splitlines() if WORKER_STARTED in line]
    return [int(line.rsplit("[", 1)[1].split("]")[0]) for line in lines]


def _health_port_ready_soon(served: Served, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health_port_ready(served):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.integration
@pytest.mark.parametrize(
    "server",
    [{}, {TASK_CPU_UNITS: "1024"}, {TASK_CPU_UNITS: "1024", WEB_CONCURRENCY: "2"}],
    ids=["cpus-of-this-machine", "a-1-vcpu-task", "web-concurrency-wins"],
    indirect=True,
)
def test_image_command_runs_a_worker_per_cpu_of_the_task(server: Served) -> None:
    # GIVEN the image's command in an environment (fixture), and what the launcher should pick:
    # WEB_CONCURRENCY, else the task size, else the cgroup quota, else the CPUs we may use
    log = _text(server)
    # THEN uvicorn started that many worker processes, each loading its own model
    assert log.count(WORKER_STARTED) == server.workers, log
    assert log.count(MODEL_LOADED) == server.workers, log
    # AND a supervisor process only when there is more than one (clean exit: the fixture)
    assert ("Started parent process" in log) == (server.workers > 1)


def test_image_command_is_exec_form_with_the_lambda_switch() -> None:
    dockerfile = load_dockerfile()
    assert dockerfile.cmd[:4] == ["python", "-m", "handlers.server", "handlers.http.app:app"]
    # uvicorn's flags pass through the launcher unchanged
    assert {"--proxy-headers", "--no-access-log"} <= set(dockerfile.cmd)
    assert dockerfile.option("--forwarded-allow-ips") == "*"
    assert dockerfile.option("--timeout-keep-alive") == "75"
    assert dockerfile.option("--timeout-graceful-shutdown") == "20"
    assert "--workers" not in dockerfile.cmd  # the launcher picks the count
    assert dockerfile.option("--host") == "0.0.0.0"
    entrypoint = " ".join(dockerfile.entrypoint)
    assert "AWS_LAMBDA_RUNTIME_API" in entrypoint
    # Under Lambda: the function's command picks the handler (tests/iac/test_first_deploy.py)
    assert 'exec python -m awslambdaric "$handler"' in entrypoint
    assert 'exec "$@"' in entrypoint
