"""The edge (HTTPS, WAF), who may deploy or release, and signed releases: Terraform's side."""

import json
import re
from typing import Any

import hcl2
import pytest

from shared.settings import Settings
from tests.iac.infra import DOCKERFILE, IAC, OPTIONS, ROOT, Terraform, load_terraform
from tests.iac.workflows import with_scripts

CD = ROOT / ".github" / "workflows" / "cd.yml"


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


def policy(tf: Terraform, document: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tf.data["aws_iam_policy_document"][document]["statement"]
    return found


def actions_on(tf: Terraform, document: str) -> dict[str, list[str]]:
    granted: dict[str, list[str]] = {}
    for statement in policy(tf, document):
        if statement.get("effect", "Allow") == "Allow":
            for action in statement["actions"]:
                granted.setdefault(action, []).extend(statement["resources"])
    return granted


def test_prod_refuses_plain_http_and_https_redirects_http(tf: Terraform) -> None:
    (validation,) = tf.variables["certificate_arn"]["validation"]
    assert validation["condition"] == '${var.environment != "prod" || var.certificate_arn != null}'
    with (IAC / "environments" / "prod.tfvars").open() as handle:
        prod = hcl2.load(handle, serialization_options=OPTIONS)
    assert prod["certificate_arn"].startswith("arn:aws:acm:") and prod["service_hostname"]
    (action,) = tf.resource("aws_lb_listener", "http")["default_action"]
    assert action["type"] == '${local.https ? "redirect" : "forward"}'
    (redirect,) = action["dynamic"]  # a dynamic block: present exactly when local.https
    assert redirect["redirect"]["for_each"] == "${local.https ? [1] : []}"
    assert redirect["redirect"]["content"][0]["protocol"] == "HTTPS"
    https = tf.resource("aws_lb_listener", "https")
    assert https["protocol"] == "HTTPS"
    assert https["ssl_policy"].startswith("ELBSecurityPolicy-TLS13")


def test_the_service_waits_for_whichever_listener_forwards(tf: Terraform) -> None:
    depends = tf.resource("aws_ecs_service", "this")["depends_on"]
    assert {"${aws_lb_listener.http}", "${aws_lb_listener.https}"} <= set(depends)


def test_clients_and_the_smoke_test_use_the_name_the_certificate_covers(tf: Terraform) -> None:
    assert tf.locals["service_url"] == (
        '${local.https ? "https://${var.service_hostname}" : "http://${aws_lb.this.dns_name}"}'
    )
    (validation,) = tf.variables["service_hostname"]["validation"]
    assert "var.certificate_arn == null" in validation["condition"]
    value = tf.resource("aws_ssm_parameter", "deploy")["value"]
    assert "local.service_url" in value and "ecr_repository_name" in value
    cd = with_scripts(CD)
    assert "${SMOKE_URL:-$(jq -r .service_url deploy.json)}" in cd
    assert "SMOKE_URL: ${{ vars.SERVICE_URL }}" in cd


PREDICTION = ("/predict", "/models/sentiment/predict", "/models/risk/predict/batch")
NOT_PREDICTION = ("/health", "/ready", "/models", "/models/sentiment", "/predictx")


def test_free_text_body_rules_count_on_prediction_routes_only(tf: Terraform) -> None:
    pattern = re.compile(tf.locals["waf_prediction_path"])
    assert all(pattern.match(path) for path in PREDICTION)
    assert not any(pattern.match(path) for path in NOT_PREDICTION)
    body_rules = {"CrossSiteScripting_BODY", "GenericLFI_BODY", "GenericRFI_BODY"}
    assert body_rules | {"EC2MetaDataSSRF_BODY"} <= set(tf.locals["waf_free_text_rules"])
    assert set(tf.locals["waf_free_text_rules"]) <= set(tf.locals["waf_common_rules"])
    scopes = tf.locals["waf_common_scopes"]
    assert "local.waf_free_text_rules" in scopes["prediction"]["counted"]
    assert "waf_free_text_rules" not in scopes["other"]["counted"]


def test_waf_blocks_answer_in_the_api_error_shape(tf: Terraform) -> None:
    acl = tf.resource("aws_wafv2_web_acl", "this")
    bodies = tf.locals["waf_bodies"]
    assert all(set(body) == {"detail"} for body in bodies.values())
    (body_block,) = acl["dynamic"][0]["custom_response_body"]["content"]
    assert body_block["content_type"] == "APPLICATION_JSON"
    text = (IAC / "alb.tf").read_text()
    keys = set(re.findall(r'custom_response_body_key = "([a-z_]+)"', text))
    assert keys == set(bodies)
    # Every block in the ACL carries a custom response (no WAF HTML body).
    blocks = re.findall(r'\bblock"? \{', text)
    assert len(blocks) == text.count("custom_response {") == 4


def test_one_address_is_rate_limited(tf: Terraform) -> None:
    rule = tf.resource("aws_wafv2_web_acl", "this")["rule"][0]
    assert rule["name"] == "rate-per-address"
    (statement,) = rule["statement"]
    (rate,) = statement["rate_based_statement"]
    assert rate["aggregate_key_type"] == "IP" and rate["limit"] == "${var.waf_rate_limit}"
    (action,) = rule["action"]
    assert action["block"][0]["custom_response"][0]["response_code"] == 429


def test_only_the_release_role_writes_models_and_signs(tf: Terraform) -> None:
    deploy = actions_on(tf, "deploy")
    assert not any(action.startswith("s3:") for action in deploy)
    # Its one KMS use: reading the smoke key through Secrets Manager (tests/iac/test_first_deploy)
    assert [a for a in deploy if a.startswith("kms:")] == ["kms:Decrypt"]
    release = actions_on(tf, "model_release")
    assert release["kms:Sign"] == ["${aws_kms_key.release.arn}"]
    assert "s3:PutObject" in release
    deny = [s for s in policy(tf, "release_key") if s.get("effect") == "Deny"]
    (statement,) = deny
    assert statement["actions"] == ["kms:Sign"]
    (condition,) = statement["condition"]
    assert condition["test"] == "ArnNotEquals" and condition["variable"] == "aws:PrincipalArn"
    # The daily retraining task signs the versions it publishes (it never moves an alias).
    assert condition["values"] == [
        "${aws_iam_role.model_release.arn}",
        "${aws_iam_role.retrain_task.arn}",
    ]
    key = tf.resource("aws_kms_key", "release")
    assert (key["key_usage"], key["customer_master_key_spec"]) == ("SIGN_VERIFY", "ECC_NIST_P256")


def test_service_and_batch_lambda_verify_with_the_release_key(tf: Terraform) -> None:
    assert "model_signing_key_id" in Settings.model_fields
    assert Settings().require_signed_models is True
    env = {item["name"]: item["value"] for item in tf.locals["container_environment"]}
    lambda_env = tf.resource("aws_lambda_function", "batch")["environment"][0]["variables"]
    for variables in (env, lambda_env):
        assert variables["MODEL_SIGNING_KEY_ID"] == "${aws_kms_key.release.arn}"
        assert variables["REQUIRE_SIGNED_MODELS"] == "true"
    assert actions_on(tf, "task")["kms:GetPublicKey"] == ["${aws_kms_key.release.arn}"]
    assert actions_on(tf, "jobs_function")["kms:GetPublicKey"] == ["${aws_kms_key.release.arn}"]


def test_the_image_declares_the_scratch_volume_ecs_mounts(tf: Terraform) -> None:
    volumes = re.findall(r"^VOLUME (.+)$", DOCKERFILE.read_text(), re.M)
    declared = {path for line in volumes for path in json.loads(line)}
    mounts = tf.locals["container_definition"]["mountPoints"]
    assert {mount["containerPath"] for mount in mounts} <= declared


def test_rolling_back_redeploys_an_existing_image_without_building(tf: Terraform) -> None:
    cd = with_scripts(CD)
    assert "workflow_dispatch:" in cd and "inputs.sha ||" in cd
    assert "aws ecr describe-images" in cd
    # login, buildx, the service's build, the training target's build
    assert cd.count("if: steps.image.outputs.exists != 'true'") == 4
