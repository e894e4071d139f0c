"""Every shell block of every guide runs as written (issue 19, item 12): a guide that drifts from
the code fails here.

Each guide runs in its own checkout as a reader has it after the README's set-up (`make install`,
then a first `make serve`, which leaves the sentiment model in the default store): the checkout's
files linked into a scratch folder, with a `build/` and a `model_store/` of its own. Its blocks
run in order with `bash -euo pipefail` from that root, and must exit 0 and print the output they
show (`# {...}` lines, tests/support/guides.py). What the test changes, and why:

- settings: none from the developer's environment; `MODEL_SIGNING_KEY_DIR` in scratch; AWS
  calls go to a moto server (`AWS_ENDPOINT_URL`), so no guide reaches AWS;
- ports: the guides' 8000 (the service), 9000 and 9001 (the emulator) become free ports, since
  other tests and people share the machine (`PORT` is set too, for commands that default to it);
- `TRAIN_ARGS` makes `make train`'s sentiment model a quick one (a subset, a smaller pipeline),
  and `MODEL_REFRESH_SECONDS` lets a moved alias reach the service in a second;
- placeholders (`<previous-version>`) get a value from `PLACEHOLDERS`.

A block marked `service` runs with `make serve` started first; one marked `stand-ins PROGRAM...`
runs with recording stand-ins for those programs (tests/support/stand_ins.py), and each call
they record must pass that program's check (tests/support/offline_checks.py).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.settings import Settings
from tests.support import stand_ins
from tests.support.guides import (
    PLACEHOLDERS,
    ROOT,
    Block,
    guides,
    shell_blocks,
    unmatched_outputs,
)
from tests.support.offline_checks import CHECKS
from tests.support.servers import free_port, moto_server, wait_for

GUIDES = [guide for guide in guides() if shell_blocks(guide)]
OWN = frozenset({"build", "model_store", ".env"})  # what each guide's checkout has of its own
PORTS = (8000, 9000, 9001)
PORT_USE = re.compile(r"\b(localhost|127\.0\.0\.1):(8000|9000|9001)\b|(--port )(8000)\b")
# The fit dominates and grows with the hashed features: the reference pipeline has a third of
# the default's, and does what `make train` must show (train, evaluate, write a model directory).
QUICK_TRAINING = "--max-rows 2000 --candidate today"
JOBS_BUCKET = "inferno-prod-jobs"
# A guide's blocks take minutes (training, the emulator), and the first test's setup may train
# the cached model (tests/conftest.py).
pytestmark = pytest.mark.timeout(1200)


@dataclass(frozen=True)
class Seed:
    keys: Path  # the release key pair every guide signs and verifies with
    store: Path  # a store holding the sentiment model under `production`
    version: str


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> Seed:
    """What the first `make serve` leaves: the model (trained once per machine, tests/conftest.py)
    published into the default store."""
    root = tmp_path_factory.mktemp("seed")
    keys, store = root / "keys", root / "model_store"
    env = {**os.environ, "MODEL_SIGNING_KEY_DIR": str(keys)}
    command = [sys.executable, "-m", "handlers.cli.main", "publish", str(sentiment_model_dir)]
    done = subprocess.run(
        [*command, "--store", str(store)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    version = json.loads((sentiment_model_dir / "manifest.json").read_text())["version"]
    return Seed(keys, store, version)


@dataclass(frozen=True)
class Account:
    env: dict[str, str]  # what reaches it instead of AWS
    state_machine_arn: str


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    """An AWS account on loopback holding what the jobs guide submits to: the jobs bucket with
    `day.jsonl` in its input prefix, and a state machine (moto records executions, runs none)."""
    with moto_server() as endpoint:
        region = "us-east-1"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region)
        s3.create_bucket(Bucket=JOBS_BUCKET)
        s3.upload_file(str(ROOT / "events/batch/day.jsonl"), JOBS_BUCKET, "input/day.jsonl")
        sfn: Any = boto3.client("stepfunctions", endpoint_url=endpoint, region_name=region)
        machine = sfn.create_state_machine(
            name="inferno-prod-batch-scoring",
            definition=(ROOT / "iac/state_machines/batch_scoring.asl.json").read_text(),
            roleArn="arn:aws:iam::123456789012:role/inferno-prod-batch-scoring",
        )
        env = {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}
        keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        yield Account({**env, **keys}, machine["stateMachineArn"])


@dataclass
class Checkout:
    root: Path
    env: dict[str, str]
    ports: dict[int, int]
    outputs: dict[str, object]  # what the `terraform output` stand-in answers
    placeholders: dict[str, str]

    def script(self, block: Block) -> str:
        def port(match: re.Match[str]) -> str:
            if match.group(3):
                return f"{match.group(3)}{self.ports[int(match.group(4))]}"
            return f"{match.group(1)}:{self.ports[int(match.group(2))]}"

        script = PORT_USE.sub(port, block.script)
        for name in block.placeholders():
            script = script.replace(f"<{name}>", self.placeholders[name])
        return script


def inherited_by_accident(name: str) -> bool:
    """A setting, AWS profile or the calling make's state: a reader's shell has none of them."""
    return name.lower() in Settings.model_fields or name.startswith(("AWS_", "MAKE", "MFLAGS"))


def checkout(tmp: Path, seed: Seed, account: Account) -> Checkout:
    root = tmp / "checkout"
    root.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in OWN:
            (root / entry.name).symlink_to(entry)
    (root / "build").mkdir()
    shutil.copytree(seed.store, root / "model_store")
    ports = {port: free_port() for port in PORTS}
    env = {k: v for k, v in os.environ.items() if not inherited_by_accident(k)}
    env.update(account.env)
    env.update(
        MODEL_DIR=str(root / "model_store"),
        MODEL_SIGNING_KEY_DIR=str(seed.keys),
        PORT=str(ports[8000]),
        TRAIN_ARGS=QUICK_TRAINING,
        MODEL_REFRESH_SECONDS="1",
    )
    outputs: dict[str, object] = {
        "model_store_uri": env["MODEL_DIR"],
        "service_url": f"http://127.0.0.1:{ports[8000]}",
        "jobs_state_machine_arn": account.state_machine_arn,
        "jobs_bucket_uris": {
            "input": f"s3://{JOBS_BUCKET}/input/",
            "output": f"s3://{JOBS_BUCKET}/output/",
        },
        "ecr_repository_url": "123456789012.dkr.ecr.us-east-1.amazonaws.com/inferno-prod",
        "smoke_key_secret": "/inferno/prod/smoke-key",
        "deploy_role_arn": "arn:aws:iam::123456789012:role/inferno-prod-github-deploy",
        "model_release_role_arn": "arn:aws:iam::123456789012:role/inferno-prod-model-release",
        "deploy_parameter": "/inferno/prod/deploy",
    }
    placeholders = {
        "previous-version": seed.version,  # the version the first `make serve` published
        "version": seed.version,
        "revision": "1",
        "full-commit-sha": "0123456789abcdef0123456789abcdef01234567",
    }
    assert placeholders.keys() == PLACEHOLDERS
    return Checkout(root, env, ports, outputs, placeholders)


def stop(process: subprocess.Popen[str]) -> None:
    """The process and everything it started (its own session), politely first."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            continue


def start_service(where: Checkout, log: Path) -> subprocess.Popen[str]:
    """`make serve`, as the README starts it."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "serve"], cwd=where.root, env=where.env, stdout=out, stderr=out,
            stdin=subprocess.DEVNULL, start_new_session=True, text=True,
        )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{where.ports[8000]}/ready", 180, process)
    except Exception:
        stop(process)
        raise AssertionError(f"make serve did not start:\n{log.read_text()[-3000:]}") from None
    return process


def run_block(block: Block, where: Checkout, scratch: Path) -> None:
    env = dict(where.env)
    log = scratch / "calls.jsonl"
    if block.kind == "stand-ins":
        stand_ins.install(scratch / "bin", block.programs)
        env.update(stand_ins.environment(scratch / "bin", log, where.outputs))
    out, err = scratch / "stdout", scratch / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", where.script(block)], cwd=where.root, env=env,
            stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True,
            text=True,
        )  # fmt: skip
    try:
        code = process.wait(600)
    finally:
        stop(process)  # what the block left running in the background
    said = f"{block.where}\n{where.script(block)}\n--- stderr:\n{err.read_text()[-4000:]}"
    assert code == 0, said
    assert not unmatched_outputs(block, out.read_text()), said + "\n--- stdout:\n" + out.read_text()
    calls = stand_ins.recorded(log)
    for program in block.programs:
        assert any(call[0] == program for call in calls), f"{block.where}: never calls {program}"
    problems = [p for program, *args in calls for p in CHECKS[program](args, where.root)]
    assert not problems, f"{block.where}: {problems}"


@pytest.mark.parametrize("guide", GUIDES, ids=[g.relative_to(ROOT).as_posix() for g in GUIDES])
def test_every_shell_block_runs_as_written(
    guide: Path, tmp_path: Path, seed: Seed, account: Account
) -> None:
    where = checkout(tmp_path, seed, account)
    service = None
    try:
        for i, block in enumerate(shell_blocks(guide)):
            if block.kind == "service" and service is None:
                service = start_service(where, tmp_path / "service.log")
            scratch = tmp_path / f"block-{i}"
            scratch.mkdir()
            started = time.monotonic()
            run_block(block, where, scratch)
            print(f"{block.where}: {time.monotonic() - started:.1f} s")  # shown with -rP
    finally:
        if service is not None:
            stop(service)


@pytest.mark.parametrize(
    ("script", "programs"),
    [
        ("false\n", ()),  # a command that fails
        ("echo $UNSET_IN_THE_GUIDE\n", ()),  # a variable no earlier step sets
        ('echo \'{"label": "legit"}\'\n# {"label": "fraud"}\n', ()),  # not what it shows
        ("aws ecs roll-back --cluster c\n", ("aws",)),  # a call AWS would refuse
        ("true\n", ("gh",)),  # a stand-in the block never calls
    ],
)
def test_a_block_that_would_fail_a_reader_fails_here(
    script: str, programs: tuple[str, ...], tmp_path: Path, seed: Seed, account: Account
) -> None:
    block = Block("GUIDE.md:1", "sh", script, "stand-ins" if programs else "run", programs)
    (tmp_path / "block").mkdir()
    with pytest.raises(AssertionError):
        run_block(block, checkout(tmp_path, seed, account), tmp_path / "block")
