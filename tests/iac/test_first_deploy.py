"""What the first real deploy would hit (issue 18), pinned in the files AWS and CD read.

Each test names the defect it guards. The rehearsal tier (tests/iac/rehearsal/) runs the same
files; these read them, and fail on the code before each mend.
"""

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from handlers.cli.smoke import KEY_ENV
from shared.auth.keys import KEYS_KEY
from tests.iac.infra import IAC, ROOT, Terraform, load_dockerfile, load_terraform
from tests.iac.workflows import step_text

yaml = pytest.importorskip("yaml")

CD = ROOT / ".github" / "workflows" / "cd.yml"
README = IAC / "README.md"


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


@pytest.fixture(scope="module")
def cd_steps() -> dict[str, dict[str, Any]]:
    workflow = yaml.safe_load(CD.read_text())
    steps = workflow["jobs"]["deploy"]["steps"]
    # A step's `run` reads as the .ci/cd script it calls: what the runner executes.
    resolved = [{**step, "run": step_text(step)} if "run" in step else step for step in steps]
    return {step.get("name") or step["uses"].split("@")[0]: step for step in resolved}


def statements(tf: Terraform, document: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tf.resolve(
        tf.data["aws_iam_policy_document"][document]["statement"]
    )
    return found


def step_running(steps: dict[str, dict[str, Any]], needle: str) -> dict[str, Any]:
    [step] = [s for s in steps.values() if needle in s.get("run", "")]
    return step


# --- The image: each function runs its own handler -------------------------------------------


def run_entrypoint(tmp_path: Path, args: list[str], lambda_api: bool) -> str:
    """The Dockerfile's ENTRYPOINT with a `python` that records what it was asked to run."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    if lambda_api:
        env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001"
    done = subprocess.run(
        [*load_dockerfile().entrypoint, *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_lambda_passes_the_functions_command_to_the_entrypoint(
    tf: Terraform, tmp_path: Path
) -> None:
    # GIVEN the batch function's image_config.command, as Lambda passes it (arguments)
    command = tf.resource("aws_lambda_function", "batch")["image_config"][0]["command"]
    # WHEN the image starts under Lambda THEN awslambdaric serves that handler, not the HTTP one
    assert run_entrypoint(tmp_path, command, True) == "-m awslambdaric handlers.batch_job.handler"
    # AND a function without a command (Lambda passes the image's CMD) serves the HTTP handler
    cmd = load_dockerfile().cmd
    assert run_entrypoint(tmp_path, cmd, True) == "-m awslambdaric handlers.lambda_function.handler"
    # AND outside Lambda the command runs as given (ECS)
    assert run_entrypoint(tmp_path, ["python", "-m", "x"], False) == "-m x"


# --- The first apply: an image somebody pushed --------------------------------------------------


def test_terraform_refuses_an_image_tag_nobody_pushed(tf: Terraform) -> None:
    # GIVEN no default tag (the old `bootstrap` was never pushed by anything)
    variable = tf.variables["image_tag"]
    assert "default" not in variable
    [validation] = variable["validation"]
    assert '"bootstrap"' in validation["condition"] and '"latest"' in validation["condition"]
    # THEN the image is read from ECR by that tag (a missing one fails the plan) and both the
    # task and the function run it by digest
    image = tf.data["aws_ecr_image"]["this"]
    assert image["image_tag"] == "${var.image_tag}"
    assert image["repository_name"] == "${aws_ecr_repository.this.name}"
    digest = "${aws_ecr_repository.this.repository_url}@${data.aws_ecr_image.this.image_digest}"
    assert tf.locals["image_uri"] == digest
    assert tf.resource("aws_lambda_function", "batch")["image_uri"] == "${local.image_uri}"
    assert tf.locals["container_definition"]["image"] == "${local.image_uri}"


# --- The batch function gets each new image -----------------------------------------------------


def test_cd_points_the_batch_function_at_the_new_digest_and_waits(
    tf: Terraform, cd_steps: dict[str, dict[str, Any]]
) -> None:
    # GIVEN the deploy role: it may update and read the functions of the image (the batch
    # function and the rollout judge), nothing else in Lambda
    granted = [
        s for s in statements(tf, "deploy") if any(a.startswith("lambda:") for a in s["actions"])
    ]
    functions = ["${aws_lambda_function.batch.arn}", "${aws_lambda_function.rollout_judge.arn}"]
    assert [(sorted(s["actions"]), s["resources"]) for s in granted] == [
        (["lambda:GetFunction", "lambda:UpdateFunctionCode"], functions)
    ]
    # THEN CD updates each function by digest and waits until Lambda runs it
    update = step_running(cd_steps, "update-function-code")["run"]
    assert '--image-uri "$ECR_REPOSITORY@$IMAGE_DIGEST"' in update
    assert 'for function in "$BATCH_FUNCTION" "$JUDGE_FUNCTION"' in update
    assert 'aws lambda wait function-updated-v2 --function-name "$function"' in update
    assert "imageDigest" in step_running(cd_steps, "IMAGE_DIGEST=")["run"]
    # AND the function's name comes from the parameter Terraform writes
    parameter = tf.resource("aws_ssm_parameter", "deploy")["value"]
    assert "batch_function" in parameter and "aws_lambda_function.batch.function_name" in parameter


def test_cd_pushes_a_single_image_manifest_lambda_accepts(
    cd_steps: dict[str, dict[str, Any]],
) -> None:
    # build-push-action adds provenance attestations by default: an OCI index Lambda refuses
    # (the training image runs on Fargate, which accepts either, and is built the same way)
    builds = [s for s in cd_steps.values() if "build-push-action" in s.get("uses", "")]
    assert [build["with"].get("target") for build in builds] == [None, "training"]
    assert all(build["with"]["provenance"] is False for build in builds)


def test_ecr_never_expires_an_image_a_function_runs(
    tf: Terraform, cd_steps: dict[str, dict[str, Any]]
) -> None:
    # GIVEN the lifecycle rules in priority order
    policy = tf.resource("aws_ecr_lifecycle_policy", "this")["policy"]
    prefix = tf.locals["deployed_tag_prefix"]
    # THEN the first rule selects deployed images by their tag (no lower rule may expire them)
    # and keeps the newest ten of them, however many images are pushed after
    first = re.search(r"rulePriority = 1(.*?)\}\s*,\s*\{", policy, re.S)
    assert first is not None
    assert "tagPrefixList = [local.deployed_tag_prefix]" in first.group(1)
    assert "countNumber = 10" in first.group(1)
    assert prefix == "deployed-"
    # AND CD adds that tag to each image once the service and the function run it
    tag = step_running(cd_steps, "put-image")
    assert '--image-tag "$DEPLOYED_TAG"' in tag["run"]
    reads = step_running(cd_steps, "deploy.json)")["run"]
    assert "DEPLOYED_TAG=$(jq -r .deployed_tag_prefix deploy.json)$GIT_SHA" in reads
    order = list(cd_steps)
    assert order.index(tag["name"]) > order.index("Deploy and wait for a steady service")


# --- Smoke test with a key ---------------------------------------------------------------------


def test_cd_smoke_test_sends_a_key_from_secrets_manager(
    tf: Terraform, cd_steps: dict[str, dict[str, Any]]
) -> None:
    # GIVEN the task runs with client keys on
    env = {item["name"]: item["value"] for item in tf.locals["container_environment"]}
    assert env["AUTH_MODE"] == "keys"
    # THEN CD reads the smoke key from the secret Terraform made, masks it, hands it to the smoke
    # script under the name the script reads
    read = step_running(cd_steps, "get-secret-value")["run"]
    assert '--secret-id "$SMOKE_KEY_SECRET"' in read and "::add-mask::$key" in read
    assert f'echo "{KEY_ENV}=$key" >> "$GITHUB_ENV"' in read
    order = list(cd_steps)
    smoke = step_running(cd_steps, "handlers.cli.smoke")
    assert order.index(smoke["name"]) > order.index(
        step_running(cd_steps, "get-secret-value")["name"]
    )
    # AND the deploy role may read that one secret, and decrypt only through Secrets Manager
    allowed = {a: s for s in statements(tf, "deploy") for a in s["actions"]}
    assert allowed["secretsmanager:GetSecretValue"]["resources"] == [
        "${aws_secretsmanager_secret.smoke_key.arn}"
    ]
    [via] = allowed["kms:Decrypt"]["condition"]
    assert via["values"] == [f"secretsmanager.{tf.resolve('${var.region}')}.amazonaws.com"]
    # AND the guide says how the key gets there (created by `inferno keys create`)
    guide = README.read_text()
    assert "inferno keys create --client cd-smoke" in guide
    assert "aws secretsmanager put-secret-value" in guide


# --- Who may write client keys ------------------------------------------------------------------


def test_the_model_release_role_cannot_write_client_keys(tf: Terraform) -> None:
    # GIVEN the client-key records beside the models (shared/auth: `.auth/clients.json`)
    keys_dir = KEYS_KEY.split("/")[0]
    assert tf.locals["client_keys_dir"] == keys_dir
    # THEN the release role, which writes models/, is denied writes to models/.auth/
    prefix = tf.resolve("${var.model_prefix}")
    denied = [s for s in statements(tf, "model_release") if s.get("effect") == "Deny"]
    assert [(sorted(s["actions"]), s["resources"]) for s in denied] == [
        (
            ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"],
            [f"${{aws_s3_bucket.models.arn}}/{prefix}/{keys_dir}/*"],
        )
    ]


# --- Manual deploys ----------------------------------------------------------------------------


def test_a_manual_deploy_checks_the_sha_is_on_main_and_green(
    cd_steps: dict[str, dict[str, Any]],
) -> None:
    step = cd_steps["A hand-picked SHA is on main and passed CI there"]
    assert step["if"] == "github.event_name == 'workflow_dispatch'"
    script = step["run"]
    assert "compare/$GIT_SHA...main" in script and "ahead" in script
    assert "--workflow ci.yml --branch main" in script and "--status success" in script
    order = list(cd_steps)
    assert order.index(step["name"]) < order.index("AWS credentials (OIDC, no stored keys)")
    workflow = yaml.safe_load(CD.read_text())
    assert workflow["jobs"]["deploy"]["permissions"]["actions"] == "read"


# --- Quotas and costs that the account decides ------------------------------------------------


def test_reserved_concurrency_is_checked_against_the_accounts_quota(tf: Terraform) -> None:
    quota = tf.data["aws_servicequotas_service_quota"]["lambda_concurrency"]
    assert (quota["service_code"], quota["quota_code"]) == ("lambda", "L-B99A9384")
    [check] = tf.resource("aws_lambda_function", "batch")["lifecycle"][0]["precondition"]
    assert "var.jobs_reserved_concurrency + 100 <=" in check["condition"]
    assert "data.aws_servicequotas_service_quota.lambda_concurrency.value" in check["condition"]
    reserved = tf.variables["jobs_reserved_concurrency"]["default"]
    assert (
        f"{reserved} needs {reserved + 100}"
        in tf.variables["jobs_reserved_concurrency"]["description"]
    )
    assert "L-B99A9384" in README.read_text()


def test_fargate_cpu_and_memory_are_validated_as_a_pair(tf: Terraform) -> None:
    [validation] = tf.variables["task_memory"]["validation"]
    assert "var.task_cpu" in validation["condition"]


# WCU of what alb.tf uses (AWS's published capacities of the managed groups; rate-based rule 2).
MANAGED_GROUP_WCU = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesAnonymousIpList": 50,
}
RATE_RULE_WCU = 2


def test_the_cost_table_counts_the_wafs_capacity(tf: Terraform) -> None:
    # GIVEN the web ACL's rules: the common group once per scope, the others once
    text = (IAC / "alb.tf").read_text()
    scopes = len(tf.locals["waf_common_scopes"])
    used = re.findall(r'name\s*=\s*"(AWSManagedRules\w+)"', text)
    total = RATE_RULE_WCU + sum(
        MANAGED_GROUP_WCU[name] * (scopes if name == "AWSManagedRulesCommonRuleSet" else 1)
        for name in used
    )
    # THEN the cost table states that capacity and, above the 1,500 WCU a web ACL includes,
    # the per-request surcharge
    table = README.read_text()
    assert f"{total:,} WCU" in table
    if total > 1500:
        assert "above the 1,500 WCU" in table and "$0.20 per million requests" in table
