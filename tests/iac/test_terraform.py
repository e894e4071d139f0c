"""Ties iac/ to the application: ports, health routes, environment, IAM scope, metrics contract."""

from typing import Any

import pytest

from handlers.server import cpu_budget
from shared.metrics_contract import ALL_METRICS
from shared.observability import metric_names
from shared.settings import Settings

from .infra import Terraform, load_dockerfile, load_terraform

CONTAINER_ENV_PREFIXES_NOT_IN_SETTINGS = ("POWERTOOLS_", "AWS_")
# Read by the server's supervisor before the app (and pydantic) is imported.
LAUNCHER_ENV = {cpu_budget.TASK_CPU_UNITS, cpu_budget.WEB_CONCURRENCY}


@pytest.fixture(scope="module")
def tf() -> Terraform:
    return load_terraform()


def container(tf: Terraform) -> dict[str, Any]:
    resolved: dict[str, Any] = tf.resolve(tf.locals["container_definition"])
    return resolved


def statements(tf: Terraform, document: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tf.resolve(
        tf.data["aws_iam_policy_document"][document]["statement"]
    )
    return found


def test_container_port_is_the_port_uvicorn_listens_on(tf: Terraform) -> None:
    # GIVEN the port in Terraform, in Settings and in the image's command
    port = tf.resolve("${local.container_port}")
    health_port = tf.resolve("${local.health_port}")
    dockerfile = load_dockerfile()
    # THEN they are one number, used by the task, the target group and both security groups
    assert port == Settings.model_fields["port"].default
    assert int(dockerfile.option("--port")) == port
    assert dockerfile.exposed == [port, health_port]
    assert container(tf)["portMappings"] == [
        {"containerPort": port, "hostPort": port, "protocol": "tcp"},
        {"containerPort": health_port, "hostPort": health_port, "protocol": "tcp"},
    ]
    assert tf.resolve(tf.resource("aws_lb_target_group", "this")["port"]) == port
    service = tf.resolve(tf.resource("aws_ecs_service", "this"))
    assert service["load_balancer"][0]["container_port"] == port
    for rule in ("alb_to_tasks", "tasks_from_alb"):
        kind = "egress" if rule.startswith("alb") else "ingress"
        body = tf.resolve(tf.resource(f"aws_vpc_security_group_{kind}_rule", rule))
        assert body["from_port"] == body["to_port"] == port


def test_health_checks_use_the_readiness_route_on_the_health_port(tf: Terraform) -> None:
    # GIVEN the health check path and port in Terraform and in the image
    path = tf.resolve("${local.health_check_path}")
    port = tf.resolve("${local.health_port}")
    dockerfile = load_dockerfile()
    env = {item["name"]: item["value"] for item in container(tf)["environment"]}
    assert path == "/ready"
    # THEN the ALB, the container check and the image's own check all probe /ready there
    target_group = tf.resolve(tf.resource("aws_lb_target_group", "this"))
    assert target_group["health_check"][0]["path"] == path
    assert target_group["health_check"][0]["port"] == port
    assert f"http://127.0.0.1:{port}{path}" in " ".join(container(tf)["healthCheck"]["command"])
    assert f"http://127.0.0.1:{port}{path}" in dockerfile.healthcheck
    # AND the service listens on it, on every interface, in the task and in the image alike
    assert str(env["HEALTH_PORT"]) == dockerfile.env["HEALTH_PORT"] == str(port)
    assert env["HOST"] == dockerfile.env["HOST"] == "0.0.0.0"
    # AND only the ALB may reach it
    egress = tf.resolve(tf.resource("aws_vpc_security_group_egress_rule", "alb_to_task_health"))
    ingress = tf.resolve(tf.resource("aws_vpc_security_group_ingress_rule", "task_health_from_alb"))
    for rule in (egress, ingress):
        assert rule["from_port"] == rule["to_port"] == port
    assert ingress["referenced_security_group_id"] == "${aws_security_group.alb.id}"


def test_task_environment_holds_only_settings_fields(tf: Terraform) -> None:
    settings_vars = {name.upper() for name in Settings.model_fields}
    names = [item["name"] for item in container(tf)["environment"]]
    unknown = [
        name
        for name in names
        if name not in settings_vars | LAUNCHER_ENV
        and not name.startswith(CONTAINER_ENV_PREFIXES_NOT_IN_SETTINGS)
    ]
    assert unknown == []
    assert len(names) == len(set(names))
    assert {"MODEL_BUCKET_NAME", "MODEL_PREFIX", "POWERTOOLS_METRICS_NAMESPACE"} <= set(names)


def test_task_size_sets_the_worker_count_and_the_log_share_is_small(tf: Terraform) -> None:
    # GIVEN the container environment and the task size
    env = {item["name"]: item["value"] for item in container(tf)["environment"]}
    task_cpu = tf.resource("aws_ecs_task_definition", "this")["cpu"]
    # THEN the server runs a worker per vCPU the task pays for (Fargate hides the quota)
    assert task_cpu == "${var.task_cpu}"
    assert env[cpu_budget.TASK_CPU_UNITS] == "${tostring(var.task_cpu)}"
    assert cpu_budget.task_cpus({cpu_budget.TASK_CPU_UNITS: "512"}) == 1
    assert cpu_budget.task_cpus({cpu_budget.TASK_CPU_UNITS: "4096"}) == 4
    # AND nothing pins the count behind the task size's back
    assert cpu_budget.WEB_CONCURRENCY not in env
    # AND a small share of successful requests is logged (errors and slow ones always are)
    assert env["ACCESS_LOG_SAMPLE_RATE"] == "${tostring(var.access_log_sample_rate)}"
    assert 0 < tf.variables["access_log_sample_rate"]["default"] <= 0.05


def test_task_role_reads_the_model_prefix_and_nothing_else(tf: Terraform) -> None:
    prefix = tf.resolve("${var.model_prefix}")
    env = {item["name"]: item["value"] for item in container(tf)["environment"]}
    assert env["MODEL_PREFIX"] == prefix
    bucket = "${aws_s3_bucket.models.arn}"
    allowed = {
        "s3:GetObject": [f"{bucket}/{prefix}/*"],
        "s3:ListBucket": [bucket],
        "kms:Decrypt": ["${aws_kms_key.this.arn}"],
        "kms:GetPublicKey": ["${aws_kms_key.release.arn}"],  # verifies release signatures
    }
    for statement in statements(tf, "task"):
        assert statement.get("effect", "Allow") == "Allow"
        for action in statement["actions"]:
            assert action in allowed, f"task role may not {action}"
            assert statement["resources"] == allowed[action]
        conditions = {c["variable"]: c["values"] for c in statement.get("condition", [])}
        if "s3:ListBucket" in statement["actions"]:
            assert conditions == {"s3:prefix": [f"{prefix}/*"]}
        if "kms:Decrypt" in statement["actions"]:
            assert "kms:ViaService" in conditions
    # The role has these inline policies (the model store; escalation events: events.tf,
    # tests/iac/test_events_terraform.py; the capture's: Firehose has no resource policies, so
    # tests/iac/test_capture_terraform.py pins it to PutRecordBatch on the capture streams) and
    # no attached managed policies.
    attached = tf.resources.get("aws_iam_role_policy_attachment", {}).values()
    assert all("aws_iam_role.task" not in str(body.get("role")) for body in attached)
    inline = [
        body
        for body in tf.resources["aws_iam_role_policy"].values()
        if body["role"] == "${aws_iam_role.task.id}"
    ]
    assert sorted(body["policy"] for body in inline) == [
        "${data.aws_iam_policy_document.task.json}",
        "${data.aws_iam_policy_document.task_capture.json}",
        "${data.aws_iam_policy_document.task_events.json}",
    ]


def contract_namespace() -> str:
    namespace = getattr(metric_names, "METRICS_NAMESPACE", None) or metric_names.DEFAULT_NAMESPACE
    assert isinstance(namespace, str)
    return namespace


def container_metrics() -> list[metric_names.MetricSpec]:
    """The contract's metrics that the container emits (Lambda-only ones carry function_name)."""
    return [m for m in ALL_METRICS if "function_name" not in m.dimensions]


def test_dashboard_namespace_and_metrics_are_the_metrics_contract(tf: Terraform) -> None:
    namespace = tf.resolve("${local.metrics_namespace}")
    assert namespace == contract_namespace()
    env = {item["name"]: item["value"] for item in container(tf)["environment"]}
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == namespace
    assert env["POWERTOOLS_SERVICE_NAME"] == metric_names.DEFAULT_SERVICE
    dashboard_metrics: dict[str, Any] = tf.resolve(tf.locals["app_metrics"])
    expected = {
        m.name: {"unit": m.unit, "dimensions": ["service", *m.dimensions]}
        for m in container_metrics()
    }
    actual = {
        name: {"unit": spec["unit"], "dimensions": spec["dimensions"]}
        for name, spec in dashboard_metrics.items()
    }
    assert actual == expected
    body = tf.resource("aws_cloudwatch_dashboard", "this")["dashboard_body"]
    assert "local.app_metric_widgets" in body


def test_dashboard_has_the_per_client_counts_of_the_contract(tf: Terraform) -> None:
    # GIVEN the per-client dimension sets the service adds under AUTH_MODE=keys
    expected = {
        m.name: {"unit": m.unit, "dimensions": ["service", *m.dimensions]}
        for m in metric_names.CLIENT_METRICS
    }
    # THEN the dashboard searches each of them, beside the per-route and per-model widgets
    client_metrics: dict[str, Any] = tf.resolve(tf.locals["client_metrics"])
    assert {
        name: {"unit": spec["unit"], "dimensions": spec["dimensions"]}
        for name, spec in client_metrics.items()
    } == expected
    assert "local.client_metrics" in str(tf.locals["metric_widget_specs"])


def test_model_load_failure_alarm_matches_the_contract(tf: Terraform) -> None:
    alarm = tf.resolve(tf.resource("aws_cloudwatch_metric_alarm", "model_load_failure"))
    spec = metric_names.MODEL_LOAD_FAILURE
    assert alarm["namespace"] == contract_namespace()
    assert alarm["metric_name"] == spec.name
    assert sorted(alarm["dimensions"]) == sorted(["service", *spec.dimensions])
    assert alarm["dimensions"]["service"] == metric_names.DEFAULT_SERVICE


def test_every_alarm_notifies_and_says_what_missing_data_means(tf: Terraform) -> None:
    alarms = tf.resources["aws_cloudwatch_metric_alarm"]
    assert {"target_5xx_rate", "p99_latency", "unhealthy_hosts", "model_load_failure"} <= set(
        alarms
    )
    for body in alarms.values():
        assert body["treat_missing_data"] in {"missing", "notBreaching", "breaching", "ignore"}
        assert body["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_service_rolls_out_without_downtime(tf: Terraform) -> None:
    service = tf.resolve(tf.resource("aws_ecs_service", "this"))
    dockerfile = load_dockerfile()
    assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
    assert service["deployment_minimum_healthy_percent"] == 100
    assert service["deployment_maximum_percent"] == 200
    assert "task_definition" in service["lifecycle"][0]["ignore_changes"]
    assert service["network_configuration"][0]["assign_public_ip"] is False
    assert tf.resolve("${var.desired_count}") >= 2
    # A cold task may take ~60 s to load its model from S3.
    assert service["health_check_grace_period_seconds"] > 60
    definition = container(tf)
    assert definition["healthCheck"]["startPeriod"] > 60
    # uvicorn drains before ECS kills it, and outlives the ALB's idle connections.
    assert definition["stopTimeout"] > int(dockerfile.option("--timeout-graceful-shutdown"))
    alb = tf.resolve(tf.resource("aws_lb", "this"))
    assert int(dockerfile.option("--timeout-keep-alive")) > alb["idle_timeout"]
    assert "--proxy-headers" in dockerfile.cmd
    assert "--forwarded-allow-ips" in dockerfile.cmd
    assert alb["drop_invalid_header_fields"] is True
    target_group = tf.resolve(tf.resource("aws_lb_target_group", "this"))
    assert target_group["target_type"] == "ip"
    assert target_group["deregistration_delay"] <= 60


def test_container_runs_read_only_and_logs_without_blocking(tf: Terraform) -> None:
    definition = container(tf)
    assert definition["readonlyRootFilesystem"] is True
    assert {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False} in definition[
        "mountPoints"
    ]
    options = definition["logConfiguration"]["options"]
    assert definition["logConfiguration"]["logDriver"] == "awslogs"
    assert options["mode"] == "non-blocking"
    assert options["max-buffer-size"].endswith("m")
    task_definition = tf.resource("aws_ecs_task_definition", "this")
    assert task_definition["execution_role_arn"] != task_definition["task_role_arn"]


def test_each_github_role_trusts_one_workflow_on_main_in_one_environment(tf: Terraform) -> None:
    (statement,) = statements(tf, "github_assume")
    conditions = {c["variable"]: (c["test"], c["values"]) for c in statement["condition"]}
    assert conditions["token.actions.githubusercontent.com:aud"] == (
        "StringEquals",
        ["sts.amazonaws.com"],
    )
    assert conditions["token.actions.githubusercontent.com:sub"] == (
        "StringEquals",
        ["${each.value}"],
    )
    # The subject (customised to carry the environment and the workflow file) names both.
    subjects = tf.locals["github_subjects"]
    workflow_ref = tf.locals["github_workflow_ref"]
    assert workflow_ref == "${var.github_repository}/.github/workflows/%s@refs/heads/main"
    for role, workflow, environment in (
        ("deploy", "cd.yml", "github_deploy_environment"),
        ("model_release", "model-release.yml", "github_model_release_environment"),
    ):
        assert subjects[role] == (
            f"repo:${{var.github_repository}}:environment:${{var.{environment}}}:"
            f'job_workflow_ref:${{format(local.github_workflow_ref, "{workflow}")}}'
        )
        trust = tf.resource("aws_iam_role", role)["assume_role_policy"]
        assert trust == f'${{data.aws_iam_policy_document.github_assume["{role}"].json}}'


def test_state_backend_is_partial_s3_with_native_locking(tf: Terraform) -> None:
    (settings,) = [block for block in tf.terraform if "backend" in block]
    (backend,) = settings["backend"]
    assert backend["s3"]["use_lockfile"] is True
    assert "bucket" not in backend["s3"]
