"""Autoscaling rests on the measured capacity: `requests_per_target`'s default is the recorded
requests/s per vCPU (tests/performance/capacity.json) x the task's vCPUs x 60 x the headroom,
and the deploy guide's sizing section is the one the record renders.

When the bench is re-recorded (`--record-capacity` rewrites all three) these hold again; when
someone edits one by hand, or changes `task_cpu`, they fail."""

from tests.iac.infra import IAC, load_terraform
from tests.performance import sizing


def test_requests_per_target_default_is_the_recorded_capacity_with_headroom() -> None:
    # GIVEN the recorded capacity and the Terraform defaults
    record = sizing.load_record()
    tf = load_terraform()
    task_cpu = tf.variables["task_cpu"]["default"]
    # WHEN the formula derives the target from them
    derived = sizing.requests_per_target(record["requests_per_s_per_vcpu"], task_cpu)
    # THEN it is the default the autoscaling policy tracks
    assert tf.variables["requests_per_target"]["default"] == derived
    assert derived > 0


def test_the_comment_by_the_variable_states_the_headroom_the_formula_uses() -> None:
    text = (IAC / "variables.tf").read_text()
    comment = text[: text.index('variable "requests_per_target"')].rsplit("}\n", 1)[1]
    assert f"headroom {sizing.HEADROOM}" in comment
    assert "capacity.json" in comment and "task_cpu / 1024" in comment


def test_the_requests_policy_tracks_the_variable() -> None:
    tf = load_terraform()
    policy = tf.resource("aws_appautoscaling_policy", "requests")
    config = policy["target_tracking_scaling_policy_configuration"]
    config = config[0] if isinstance(config, list) else config
    assert config["target_value"] == "${var.requests_per_target}"


def test_the_guide_sizing_section_is_the_one_the_record_renders() -> None:
    expected = sizing.guide_section(sizing.load_record(), sizing.Footprint.from_terraform())
    assert sizing.guide_block() == expected


def test_sizing_arithmetic() -> None:
    # GIVEN 1,000 req/s per vCPU on a 0.5 vCPU task at headroom 0.6: 300 req/s per task
    footprint = sizing.Footprint(512, 1024, 2, 15)
    assert sizing.per_task(1000, 512) == 1000 * 0.5 * sizing.HEADROOM
    # THEN 18,000 a minute; 10,000 req/s needs 34 tasks, 100 req/s the floor of 2
    assert sizing.requests_per_target(1000, 512) == 18_000
    assert sizing.tasks_for(10_000, 1000, footprint) == 34
    assert sizing.tasks_for(100, 1000, footprint) == 2
    # AND a task of 0.5 vCPU + 1 GB costs what the guide's footprint table says (~$18 a month)
    assert round(sizing.monthly_usd(1, footprint)) == 18
