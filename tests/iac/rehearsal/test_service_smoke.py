"""The service as the ECS task runs it, and CD's smoke step as cd.yml runs it against it.

The Dockerfile's command starts with the task definition's environment read from Terraform
(AUTH_MODE=keys, the model bucket, the release key, the quota table: all in the rehearsal's
account). The smoke key is made the way the guide makes it (`inferno keys create`, stored in
Secrets Manager), then cd.yml's own steps run as the workflow runs them (their .ci/cd scripts): the
one that reads the key, then the smoke test.
"""

import contextlib
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.iac.infra import ROOT, load_dockerfile, load_terraform
from tests.iac.test_image_command import with_option
from tests.iac.workflows import step_text
from tests.support.servers import free_port

from .account import Account, inferno
from .tools import notice

yaml = pytest.importorskip("yaml")

CD = ROOT / ".github" / "workflows" / "cd.yml"
GIT_SHA = "0123456789abcdef0123456789abcdef01234567"
# The AWS CLI is not installed here: this stand-in answers the one call the step makes, from
# the rehearsal's Secrets Manager, printing what `--query SecretString --output text` prints.
AWS_CLI = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import sys, boto3
    args = sys.argv[1:]
    assert args[:2] == ["secretsmanager", "get-secret-value"], args
    assert args[args.index("--query") + 1] == "SecretString", args
    secret = args[args.index("--secret-id") + 1]
    print(boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])
    """
)


def cd_step(needle: str) -> dict[str, Any]:
    steps = yaml.safe_load(CD.read_text())["jobs"]["deploy"]["steps"]
    [step] = [s for s in steps if "run" in s and needle in step_text(s)]
    return dict(step)


def run_step(
    step: dict[str, Any], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """As Actions runs `shell: bash` (cd.yml's default): bash --noprofile --norc -eo pipefail."""
    script = cwd / "step.sh"
    script.write_text(step["run"])
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def task(account: Account, scratch: Path) -> Iterator[str]:
    """The image's command with the task definition's environment; loopback ports."""
    tf = load_terraform()
    items = {item["name"]: item["value"] for item in tf.locals["container_environment"]}
    env = account.substitute(tf, items)
    port, health = free_port(), free_port()
    # The task's own /tmp volume and network namespace: here a temporary dir and free ports.
    env |= {
        "MODEL_DIR": str(scratch / "model_store"),
        "HOST": "127.0.0.1",
        "HEALTH_PORT": str(health),
    }
    notice("the task's MODEL_DIR, HOST and ports are a temporary directory and free loopback ports")
    command = with_option(load_dockerfile().command, "--host", "127.0.0.1")
    command = with_option(command, "--port", str(port))
    full = {**os.environ, **load_dockerfile().env, **env, **account.env, "TMPDIR": str(scratch)}
    full["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    for unset in ("AWS_LAMBDA_RUNTIME_API", "WEB_CONCURRENCY"):
        full.pop(unset, None)
    log = scratch / "task.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=full, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{health}/ready", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        else:
            pytest.fail(f"the task never turned ready:\n{log.read_text()[-3000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_cd_smoke_step_passes_against_the_task_with_the_key_cd_reads(
    account: Account, tmp_path: Path
) -> None:
    tf = load_terraform()
    # GIVEN the smoke-key secret Terraform creates, and the key the guide puts in it
    secret = account.substitute(
        tf, {"name": tf.resource("aws_secretsmanager_secret", "smoke_key")["name"]}
    )["name"]
    secrets = account.client("secretsmanager")
    secrets.create_secret(Name=secret)
    store = f"s3://{account.names['aws_s3_bucket.models.id']}/{tf.resolve('${var.model_prefix}')}"
    key = inferno(
        "keys", "create", "--client", "cd-smoke", "--store", store, env=account.env
    ).strip()
    secrets.put_secret_value(SecretId=secret, SecretString=key)
    # AND a runner's environment: the stand-in AWS CLI, GITHUB_ENV and the step summary
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(AWS_CLI)
    (bin_dir / "aws").chmod(0o755)
    notice(
        "cd.yml's `aws secretsmanager get-secret-value` runs a stand-in for the AWS CLI (not "
        "installed here) that reads the rehearsal's Secrets Manager"
    )
    github_env, summary = tmp_path / "github_env", tmp_path / "summary.md"
    runner = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SMOKE_"))},
        **account.env,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ENV": str(github_env),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GIT_SHA": GIT_SHA,
        "SMOKE_KEY_SECRET": secret,
    }
    with task(account, tmp_path) as url:
        # WHEN cd.yml's step reads the key (masked, into GITHUB_ENV)
        read = run_step(cd_step("get-secret-value"), runner, tmp_path)
        assert read.returncode == 0, read.stderr
        assert f"::add-mask::{key}" in read.stdout
        exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines())
        # AND its smoke step runs against the task, as a client without the key would and with it
        smoke = cd_step("handlers.cli.smoke")
        refused = run_step(smoke, {**runner, "SERVICE_URL": url}, tmp_path)
        passed = run_step(smoke, {**runner, **exported, "SERVICE_URL": url}, tmp_path)
    # THEN without the key the deploy would end red (401), and with it the smoke test passes
    assert refused.returncode == 1 and "/predict answered 401" in refused.stderr
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "serves sentiment/" in passed.stdout
    assert f"Deployed `{GIT_SHA}` to {url}" in summary.read_text()
