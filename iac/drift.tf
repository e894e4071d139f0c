# Drift reports (shared/drift/README.md): once a day EventBridge Scheduler starts a Fargate task
# of the service image running `inferno drift --all`, which compares each served model's
# captured traffic (capture.tf's bucket, prefix capture/) with the reference profile its
# version carries in the model store, writes the Evidently report under drift-reports/ in the
# same bucket, and prints DriftScore / DriftDetected as EMF to its log group (CloudWatch turns
# them into metrics). An alarm per watched model fires on DriftDetected.
#
# An ECS task rather than a Lambda: the job imports Evidently, pandas and scipy (seconds, past a
# Lambda init budget), reads up to a week of capture per model, and its run time grows with
# traffic and models; Lambda's 15 minutes and 10 GB would cap it. The image, the CLI and its
# settings are the service's own, so what runs here is what `inferno drift` runs on a laptop.

locals {
  drift_name           = "${local.prefix}-drift"
  drift_reports_prefix = "drift-reports"
  drift_alarm_models   = length(var.drift_alarm_models) > 0 ? toset(var.drift_alarm_models) : toset([var.model_name])
  drift_capture_uri    = "s3://${aws_s3_bucket.capture.id}/${local.capture_prefix}"
  drift_reports_uri    = "s3://${aws_s3_bucket.capture.id}/${local.drift_reports_prefix}"
  # Built from names: the scheduler's policy must exist before the task definition's revisions.
  drift_task_family_arn = "arn:${local.partition}:ecs:${var.region}:${local.account_id}:task-definition/${local.drift_name}:*"

  drift_container = {
    name                   = "drift"
    image                  = local.image_uri
    essential              = true
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    # The image's ENTRYPOINT runs its arguments when not in Lambda.
    command = ["inferno", "drift", "--all", "--since", var.drift_window, "--emit-metrics"]
    environment = [
      { name = "MODEL_BUCKET_NAME", value = aws_s3_bucket.models.id },
      { name = "MODEL_PREFIX", value = var.model_prefix },
      { name = "MODEL_DIR", value = "/tmp/model_store" },
      { name = "MODEL_SIGNING_KEY_ID", value = aws_kms_key.release.arn },
      { name = "REQUIRE_SIGNED_MODELS", value = "true" },
      { name = "DRIFT_CAPTURE_URI", value = local.drift_capture_uri },
      { name = "DRIFT_REPORTS_URI", value = local.drift_reports_uri },
      { name = "LOG_LEVEL", value = var.log_level },
      # Libraries that keep a cache or config in HOME write it to the one writable place.
      { name = "HOME", value = "/tmp" },
      { name = "MPLCONFIGDIR", value = "/tmp/matplotlib" },
      { name = "POWERTOOLS_SERVICE_NAME", value = local.service_name },
      { name = "POWERTOOLS_METRICS_NAMESPACE", value = local.metrics_namespace },
    ]
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.drift.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "drift"
        # Blocking: a few lines a day, and the metrics are in them.
        mode = "blocking"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "drift" {
  name              = "/ecs/${local.drift_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

# --- Roles: the task reads capture and models, writes reports; its execution role pulls and logs.

resource "aws_iam_role" "drift_execution" {
  name               = "${local.drift_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "drift_execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # This action has no resource-level permissions.
  }

  statement {
    sid       = "EcrPull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.this.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.drift.arn}:*"]
  }
}

resource "aws_iam_role_policy" "drift_execution" {
  name   = "pull-and-log"
  role   = aws_iam_role.drift_execution.id
  policy = data.aws_iam_policy_document.drift_execution.json
}

resource "aws_iam_role" "drift_task" {
  name               = "${local.drift_name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "drift_task" {
  statement {
    sid       = "ReadCapture"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.capture.arn}/${local.capture_prefix}/*"]
  }

  statement {
    sid       = "ListCapture"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.capture.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.capture_prefix}/*"]
    }
  }

  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.capture.arn}/${local.drift_reports_prefix}/*"]
  }

  statement {
    sid       = "ReadModelStore"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.models.arn}/${var.model_prefix}/*"]
  }

  statement {
    sid       = "ListModelStore"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.models.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.model_prefix}/*"]
    }
  }

  # Reference profiles are trusted only through their release-signed manifest.
  statement {
    sid       = "VerifyReleases"
    actions   = ["kms:GetPublicKey"]
    resources = [aws_kms_key.release.arn]
  }

  # Both buckets are encrypted with the project's key: read both, encrypt reports.
  statement {
    sid       = "UseKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "drift_task" {
  name   = "read-capture-write-reports"
  role   = aws_iam_role.drift_task.id
  policy = data.aws_iam_policy_document.drift_task.json
}

# --- The task and its network: private subnets, HTTPS out only -----------------------------

resource "aws_ecs_task_definition" "drift" {
  family                   = local.drift_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.drift_task_cpu
  memory                   = var.drift_task_memory
  execution_role_arn       = aws_iam_role.drift_execution.arn
  task_role_arn            = aws_iam_role.drift_task.arn
  container_definitions    = jsonencode([local.drift_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }
}

resource "aws_security_group" "drift" {
  #checkov:skip=CKV2_AWS_5:Attached to each drift task the schedule starts (aws_scheduler_schedule.drift's network_configuration), which checkov does not follow.
  name        = "${local.drift_name}-task"
  description = "The drift job: no inbound; HTTPS to AWS APIs"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.drift_name}-task" }
}

resource "aws_vpc_security_group_egress_rule" "drift_https" {
  #checkov:skip=CKV_AWS_382:The job calls AWS APIs (S3, KMS, ECR, CloudWatch Logs) over HTTPS only; their public endpoints have no fixed CIDRs.
  security_group_id = aws_security_group.drift.id
  description       = "HTTPS to AWS APIs (S3, KMS, ECR, CloudWatch Logs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# --- The schedule: runs the task; what it cannot start lands in a dead-letter queue ---------

resource "aws_sqs_queue" "drift_schedule_dlq" {
  name                      = "${local.drift_name}-schedule-dlq"
  kms_master_key_id         = aws_kms_key.this.arn
  message_retention_seconds = 1209600
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "drift_scheduler" {
  name               = "${local.drift_name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "drift_scheduler" {
  statement {
    sid       = "RunDriftTask"
    actions   = ["ecs:RunTask"]
    resources = [local.drift_task_family_arn]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "PassDriftRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.drift_task.arn, aws_iam_role.drift_execution.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.drift_schedule_dlq.arn]
  }

  # The schedule and the dead-letter queue are encrypted with the project's key.
  statement {
    sid       = "UseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "drift_scheduler" {
  name   = "run-drift-task"
  role   = aws_iam_role.drift_scheduler.id
  policy = data.aws_iam_policy_document.drift_scheduler.json
}

resource "aws_scheduler_schedule" "drift" {
  name                         = local.drift_name
  description                  = "inferno drift --all --since ${var.drift_window}: a drift report per served model"
  schedule_expression          = var.drift_schedule
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = aws_kms_key.this.arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this.arn
    role_arn = aws_iam_role.drift_scheduler.arn

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.drift.arn
      launch_type         = "FARGATE"
      task_count          = 1

      network_configuration {
        subnets          = local.private_subnet_ids
        security_groups  = [aws_security_group.drift.id]
        assign_public_ip = false
      }
    }

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }

    dead_letter_config {
      arn = aws_sqs_queue.drift_schedule_dlq.arn
    }
  }

  depends_on = [aws_iam_role_policy.drift_scheduler]
}

# --- Alarms: drift per watched model; a run the scheduler could not start ------------------

resource "aws_cloudwatch_metric_alarm" "drift_detected" {
  for_each            = local.drift_alarm_models
  alarm_name          = "${local.prefix}-drift-${each.key}"
  alarm_description   = "The last drift report of ${each.key} found drift (report: ${local.drift_reports_uri}/${each.key}/)."
  namespace           = local.metrics_namespace
  metric_name         = "DriftDetected"
  dimensions          = { service = local.service_name, model = each.key }
  statistic           = "Maximum"
  period              = 86400
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  # No report that day (no traffic captured, or no reference) is no evidence of drift.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "drift_schedule_failed" {
  alarm_name          = "${local.prefix}-drift-schedule-failed"
  alarm_description   = "EventBridge Scheduler could not start the drift job (messages in ${aws_sqs_queue.drift_schedule_dlq.name})."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.drift_schedule_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # SQS reports this every 5 minutes while the queue exists; an empty queue is healthy.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}

# --- The dashboard's watch row (monitoring.tf appends it): what the predictions were, what
# acted on them, what was captured, drift and live quality. Metric names are the issue 21
# contract's (shared/observability/metric_names.py); each widget SEARCHes its dimension set.

locals {
  watch_widget_specs = [
    { title = "Predictions per label", view = "timeSeries", stacked = true, metrics = { PredictionCount = { stat = "Sum", dimensions = ["service", "model", "label"] } } },
    { title = "Escalations sent and dropped", view = "timeSeries", stacked = false, metrics = { EscalationCount = { stat = "Sum", dimensions = ["service", "model", "rule", "outcome"] } } },
    { title = "Capture volume", view = "timeSeries", stacked = false, metrics = {
      CapturedCount  = { stat = "Sum", dimensions = ["service", "model", "stream"] }
      CaptureDropped = { stat = "Sum", dimensions = ["service", "model"] }
    } },
    { title = "Drift (share of drifted columns; 1 = detected)", view = "timeSeries", stacked = false, metrics = {
      DriftScore    = { stat = "Maximum", dimensions = ["service", "model"] }
      DriftDetected = { stat = "Maximum", dimensions = ["service", "model"] }
    } },
    { title = "Live quality (accuracy or MAE) and feedback", view = "timeSeries", stacked = false, metrics = {
      LiveQuality   = { stat = "Average", dimensions = ["service", "model", "version"] }
      FeedbackCount = { stat = "Sum", dimensions = ["service", "model", "version"] }
    } },
  ]

  watch_widgets = concat(
    [{
      type       = "text"
      width      = 24
      height     = 1
      properties = { markdown = "## Predictions, what acted on them, and whether they still hold (drift reports: ${local.drift_reports_uri})" }
    }],
    [
      for spec in local.watch_widget_specs : {
        type   = "metric"
        width  = 8
        height = 6
        properties = {
          title   = spec.title
          region  = var.region
          view    = spec.view
          stacked = spec.stacked
          period  = 300
          metrics = [
            for metric, detail in spec.metrics : [{
              expression = "SEARCH('{${local.metrics_namespace},${join(",", detail.dimensions)}} MetricName=\"${metric}\" service=\"${local.service_name}\"', '${detail.stat}', 300)"
              id         = lower(metric)
            }]
          ]
        }
      }
    ],
  )
}
