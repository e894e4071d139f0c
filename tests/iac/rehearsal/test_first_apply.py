"""iac/first-apply.sh, the guide's script, run with recording stand-ins for the commands that
need an account (aws, terraform, docker, gh); `inferno` is the real one, against a local store.

What it proves: the order that works (state bucket, ECR alone, push, the whole stack), the image
pushed as one manifest and deployed by the SHA it was tagged with, the smoke key made by
`inferno keys create` going straight into the secret. What it cannot: that AWS accepts any of it.
"""

import json
import os
import re
import subprocess
from pathlib import Path

from tests.iac.infra import IAC, ROOT
from tests.support import stand_ins

SCRIPT = IAC / "first-apply.sh"
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/inferno-prod"


def test_the_first_apply_runs_in_the_order_aws_accepts(tmp_path: Path) -> None:
    # GIVEN an empty account (every stand-in says "missing") and an empty model store
    bin_dir = tmp_path / "bin"
    stand_ins.install(bin_dir, ("aws", "terraform", "docker", "gh"))
    store = tmp_path / "store"
    outputs = {
        "ecr_repository_url": REPOSITORY,
        "model_store_uri": str(store),
        "smoke_key_secret": "/inferno/prod/smoke-key",
        "deploy_role_arn": "arn:aws:iam::123456789012:role/inferno-prod-github-deploy",
        "model_release_role_arn": "arn:aws:iam::123456789012:role/inferno-prod-model-release",
        "deploy_parameter": "/inferno/prod/deploy",
        "service_url": "https://api.example.com",
    }
    log = tmp_path / "calls.jsonl"
    env = {
        **os.environ,
        **stand_ins.environment(bin_dir, log, outputs),
        "STATE_BUCKET": "my-org-inferno-tfstate",
        "AWS_REGION": "eu-west-1",
        "GITHUB_REPOSITORY": "owner/name",
        "INFERNO": str(ROOT / ".venv" / "bin" / "inferno"),
    }
    # WHEN the guide's script runs
    done = subprocess.run(
        ["bash", str(SCRIPT), "prod"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    calls = stand_ins.recorded(log)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()

    def index(*prefix: str) -> int:
        return next(i for i, call in enumerate(calls) if call[: len(prefix)] == list(prefix))

    # THEN the state bucket comes first (outside us-east-1 with its location), then init with it
    create = calls[index("aws", "s3api", "create-bucket")]
    assert "LocationConstraint=eu-west-1" in create
    init = calls[index("terraform", f"-chdir={IAC}", "init")]
    assert "-backend-config=bucket=my-org-inferno-tfstate" in init
    # AND ECR alone, then the image pushed as one manifest tagged with the SHA, then everything
    targeted = index("terraform", f"-chdir={IAC}", "apply")
    assert "-target=aws_ecr_repository.this" in calls[targeted]
    build = index("docker", "buildx", "build")
    assert {"--provenance=false", "--push", f"{REPOSITORY}:{sha}"} <= set(calls[build])
    applies = [i for i, c in enumerate(calls) if c[:3] == ["terraform", f"-chdir={IAC}", "apply"]]
    [full] = [i for i in applies if not any("-target" in arg for arg in calls[i])]
    assert targeted < build < full
    assert f"image_tag={sha}" in calls[full] and "-var-file=environments/prod.tfvars" in calls[full]
    # AND CD's variables, and the model release started since the store has no production model
    variables = {call[3] for call in calls if call[:3] == ["gh", "variable", "set"]}
    assert variables == {
        "AWS_DEPLOY_ROLE_ARN",
        "AWS_MODEL_RELEASE_ROLE_ARN",
        "AWS_REGION",
        "DEPLOY_PARAMETER",
    }
    assert index("gh", "workflow", "run", "model-release.yml") > full
    # AND the key `inferno keys create` made went straight into the secret, and it is a live key
    put = calls[index("aws", "secretsmanager", "put-secret-value")]
    key = put[put.index("--secret-string") + 1]
    assert re.fullmatch(r"inferno_sk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}", key)
    assert put[put.index("--secret-id") + 1] == outputs["smoke_key_secret"]
    clients = json.loads((store / ".auth" / "clients.json").read_text())
    assert "cd-smoke" in json.dumps(clients)
    assert key not in done.stdout + done.stderr  # never in the log
