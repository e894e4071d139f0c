# Rollouts (model_build/RELEASE_DAILY.md): a candidate version is judged on live traffic before
# it replaces production. Every few minutes EventBridge Scheduler invokes the judge, a Lambda of
# the service image (handlers.rollout_judge.handler), which reads each running rollout's figures
# from CloudWatch (the EMF metrics every task writes) and promotes (moves the production alias),
# aborts or waits, by the same policy code `inferno rollout judge` runs on a laptop. Two alarms,
# on candidate errors and on the candidate's latency against production, reach the same
# function through EventBridge and abort the failing rollout within minutes.

locals {
  rollout_judge_name = "${local.prefix}-rollout-judge"
  rollout_alarms = {
    errors = {
      description = "A rollout's candidate is failing calls: the judge aborts its rollout."
      query       = "SELECT SUM(RolloutCandidateErrors) FROM SCHEMA(\"${local.metrics_namespace}\", model, service)"
      threshold   = var.rollout_error_alarm_threshold
    }
    latency = {
      description = "A rollout's candidate is slower than production past the alarm's ratio: the judge aborts its rollout if its policy says so."
      query       = "SELECT MAX(RolloutLatencyRatio) FROM SCHEMA(\"${local.metrics_namespace}\", model, service)"
      threshold   = var.rollout_latency_alarm_ratio
    }
  }
}

resource "aws_cloudwatch_log_group" "rollout_judge" {
  name              = "/aws/lambda/${local.rollout_judge_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_iam_role" "rollout_judge" {
  name               = local.rollout_judge_name
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy_attachment" "rollout_judge_vpc" {
  role       = aws_iam_role.rollout_judge.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

# Reads the store; writes only rollout records and, on promotion, the production alias.
data "aws_iam_policy_document" "rollout_judge" {
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

  statement {
    sid     = "DecideRollouts"
    actions = ["s3:PutObject"]
    resources = [
      "${aws_s3_bucket.models.arn}/${var.model_prefix}/*/rollouts/*",
      "${aws_s3_bucket.models.arn}/${var.model_prefix}/*/aliases/production.json",
    ]
  }

  statement {
    sid       = "ReadFigures"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"] # GetMetricData has no resource-level permissions.
  }

  statement {
    sid       = "EncryptThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.rollout_judge_dlq.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.rollout_judge.arn}:*"]
  }

  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions.
  }
}

resource "aws_iam_role_policy" "rollout_judge" {
  name   = "judge-rollouts"
  role   = aws_iam_role.rollout_judge.id
  policy = data.aws_iam_policy_document.rollout_judge.json
}

resource "aws_security_group" "rollout_judge" {
  name        = local.rollout_judge_name
  description = "Rollout judge Lambda of ${local.prefix}: no inbound, HTTPS out to S3 and CloudWatch"
  vpc_id      = local.vpc_id

  tags = { Name = local.rollout_judge_name }
}

resource "aws_vpc_security_group_egress_rule" "rollout_judge_https" {
  #checkov:skip=CKV_AWS_382:The function calls S3 (gateway endpoint) and CloudWatch over HTTPS only; their public endpoints have no fixed CIDRs.
  security_group_id = aws_security_group.rollout_judge.id
  description       = "HTTPS to S3 and CloudWatch"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# Invocations the function could not handle after Lambda's own retries (asynchronous ones).
resource "aws_sqs_queue" "rollout_judge_dlq" {
  name                      = "${local.rollout_judge_name}-dlq"
  kms_master_key_id         = aws_kms_key.this.arn
  message_retention_seconds = 1209600
}

resource "aws_lambda_function" "rollout_judge" {
  #checkov:skip=CKV_AWS_272:Code signing does not apply to container images; the image is the SHA-tagged one CI scanned.
  function_name = local.rollout_judge_name
  description   = "Promotes or aborts running rollouts of ${local.prefix} (handlers.rollout_judge.handler)"
  role          = aws_iam_role.rollout_judge.arn
  package_type  = "Image"
  image_uri     = local.image_uri
  architectures = ["x86_64"]
  memory_size   = 512
  timeout       = 60
  # One judge at a time: two would race to decide the same rollout.
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.this.arn

  image_config {
    command = ["handlers.rollout_judge.handler"]
  }

  environment {
    variables = {
      MODEL_BUCKET_NAME            = aws_s3_bucket.models.id
      MODEL_PREFIX                 = var.model_prefix
      MODEL_DIR                    = "/tmp/model_store"
      LOG_LEVEL                    = var.log_level
      POWERTOOLS_SERVICE_NAME      = local.service_name
      POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.rollout_judge_dlq.arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.rollout_judge.id]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # Powertools already writes one JSON object per line
    log_group  = aws_cloudwatch_log_group.rollout_judge.name
  }

  depends_on = [aws_iam_role_policy.rollout_judge, aws_iam_role_policy_attachment.rollout_judge_vpc, aws_ecr_repository_policy.lambda_pull]

  lifecycle {
    # CD ships new images by digest, as for the batch function (.github/workflows/cd.yml).
    ignore_changes = [image_uri]
  }
}

# --- Every few minutes: the schedule invokes the judge --------------------------------------

resource "aws_iam_role" "rollout_scheduler" {
  name               = "${local.rollout_judge_name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "rollout_scheduler" {
  statement {
    sid       = "InvokeJudge"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.rollout_judge.arn]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.rollout_judge_dlq.arn]
  }

  statement {
    sid       = "UseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "rollout_scheduler" {
  name   = "invoke-rollout-judge"
  role   = aws_iam_role.rollout_scheduler.id
  policy = data.aws_iam_policy_document.rollout_scheduler.json
}

resource "aws_scheduler_schedule" "rollout_judge" {
  name                         = local.rollout_judge_name
  description                  = "Judge every running rollout of ${local.prefix} on its CloudWatch figures"
  schedule_expression          = var.rollout_judge_schedule
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = aws_kms_key.this.arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.rollout_judge.arn
    role_arn = aws_iam_role.rollout_scheduler.arn
    input    = jsonencode({ source = "inferno.schedule" })

    retry_policy {
      # A missed judgement is made at the next tick: no point retrying for long.
      maximum_event_age_in_seconds = 300
      maximum_retry_attempts       = 1
    }

    dead_letter_config {
      arn = aws_sqs_queue.rollout_judge_dlq.arn
    }
  }

  depends_on = [aws_iam_role_policy.rollout_scheduler]
}

# --- Alarms that abort: candidate errors and latency, through EventBridge to the judge ------

resource "aws_cloudwatch_metric_alarm" "rollout" {
  for_each            = local.rollout_alarms
  alarm_name          = "${local.prefix}-rollout-candidate-${each.key}"
  alarm_description   = each.value.description
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = each.value.threshold
  # No rollout running means no such metric: nothing is wrong.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "q1"
    expression  = each.value.query
    period      = 300
    return_data = true
  }
}

resource "aws_cloudwatch_event_rule" "rollout_alarm" {
  name        = "${local.rollout_judge_name}-alarm"
  description = "A rollout alarm went to ALARM: the judge aborts the failing rollout"
  event_pattern = jsonencode({
    source        = ["aws.cloudwatch"]
    "detail-type" = ["CloudWatch Alarm State Change"]
    resources     = [for alarm in aws_cloudwatch_metric_alarm.rollout : alarm.arn]
    detail        = { state = { value = ["ALARM"] } }
  })
}

resource "aws_cloudwatch_event_target" "rollout_alarm" {
  rule = aws_cloudwatch_event_rule.rollout_alarm.name
  arn  = aws_lambda_function.rollout_judge.arn

  retry_policy {
    maximum_event_age_in_seconds = 600
    maximum_retry_attempts       = 3
  }

  dead_letter_config {
    arn = aws_sqs_queue.rollout_judge_dlq.arn
  }
}

resource "aws_lambda_permission" "rollout_alarm" {
  statement_id  = "AllowRolloutAlarmRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.rollout_judge.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.rollout_alarm.arn
}

# EventBridge delivers to the dead-letter queue as itself; only this rule may.
data "aws_iam_policy_document" "rollout_judge_dlq" {
  statement {
    sid       = "RuleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.rollout_judge_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.rollout_alarm.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "rollout_judge_dlq" {
  queue_url = aws_sqs_queue.rollout_judge_dlq.id
  policy    = data.aws_iam_policy_document.rollout_judge_dlq.json
}

resource "aws_cloudwatch_metric_alarm" "rollout_judge_failed" {
  alarm_name          = "${local.prefix}-rollout-judge-failed"
  alarm_description   = "Rollout judgements failed (messages in ${aws_sqs_queue.rollout_judge_dlq.name}): rollouts are not being decided."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.rollout_judge_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# --- The dashboard's rollout row (monitoring.tf appends it): how candidates compare with
# production, per model and version (metric names: shared/observability/metric_names.py).

locals {
  rollout_widget_specs = [
    { title = "Rollout agreement with production (1 = same answers)", metrics = {
      RolloutAgreement     = { stat = "Average", dimensions = ["service", "model", "version"] }
      RolloutConfidenceGap = { stat = "Average", dimensions = ["service", "model", "version"] }
    } },
    { title = "Model time per version, paired (ms)", metrics = {
      RolloutModelTime = { stat = "Average", dimensions = ["service", "model", "version"] }
    } },
    { title = "Rollout calls by version and outcome", metrics = {
      RolloutCalls = { stat = "Sum", dimensions = ["service", "model", "version", "outcome"] }
    } },
    { title = "What the abort alarms watch; comparisons dropped", metrics = {
      RolloutCandidateErrors = { stat = "Sum", dimensions = ["service", "model"] }
      RolloutLatencyRatio    = { stat = "Maximum", dimensions = ["service", "model"] }
      ShadowDropped          = { stat = "Sum", dimensions = ["service", "model"] }
    } },
  ]

  rollout_widgets = concat(
    [{
      type       = "text"
      width      = 24
      height     = 1
      properties = { markdown = "## Rollouts: candidates against production on live traffic (decisions: `inferno rollout history`, the judge's log group)" }
    }],
    [
      for spec in local.rollout_widget_specs : {
        type   = "metric"
        width  = 6
        height = 6
        properties = {
          title  = spec.title
          region = var.region
          view   = "timeSeries"
          period = 300
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
