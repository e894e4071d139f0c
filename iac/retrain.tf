# Daily retraining (model_build/RELEASE_DAILY.md): once a day EventBridge Scheduler starts a
# Fargate task of the image's training target running `inferno retrain MODEL --data s3://...`:
# it trains on the latest days under the training-data prefix, gates the candidate against
# production on the newest day's held-out rows, publishes the version (signed) and starts a
# shadow rollout under the model's policy. It never moves production: the rollout judge
# (rollouts.tf) promotes the candidate only when live traffic agrees.
#
# The task definition names the training image by tag; CD registers a revision with each new
# training image, and the schedule runs the latest active revision (a family ARN).

locals {
  retrain_name          = "${local.prefix}-retrain"
  training_data_uri     = "s3://${aws_s3_bucket.models.id}/${var.training_data_prefix}/${var.retrain_model}"
  retrain_task_family   = "arn:${local.partition}:ecs:${var.region}:${local.account_id}:task-definition/${local.retrain_name}"
  training_image_suffix = "-training"

  retrain_container = {
    name                   = "retrain"
    image                  = "${aws_ecr_repository.this.repository_url}:${var.image_tag}${local.training_image_suffix}"
    essential              = true
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    # The training target's ENTRYPOINT is `inferno`.
    command = ["retrain", var.retrain_model, "--data", local.training_data_uri, "--window-days", "${var.retrain_window_days}"]
    environment = [
      { name = "MODEL_BUCKET_NAME", value = aws_s3_bucket.models.id },
      { name = "MODEL_PREFIX", value = var.model_prefix },
      { name = "MODEL_DIR", value = "/tmp/model_store" },
      { name = "MODEL_SIGNING_KEY_ID", value = aws_kms_key.release.arn },
      { name = "REQUIRE_SIGNED_MODELS", value = "true" },
      { name = "LOG_LEVEL", value = var.log_level },
      { name = "HOME", value = "/tmp" },
      { name = "POWERTOOLS_SERVICE_NAME", value = local.service_name },
      { name = "POWERTOOLS_METRICS_NAMESPACE", value = local.metrics_namespace },
    ]
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.retrain.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "retrain"
        mode                  = "blocking"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "retrain" {
  name              = "/ecs/${local.retrain_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_iam_role" "retrain_execution" {
  name               = "${local.retrain_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "retrain_execution" {
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
    resources = ["${aws_cloudwatch_log_group.retrain.arn}:*"]
  }
}

resource "aws_iam_role_policy" "retrain_execution" {
  name   = "pull-and-log"
  role   = aws_iam_role.retrain_execution.id
  policy = data.aws_iam_policy_document.retrain_execution.json
}

resource "aws_iam_role" "retrain_task" {
  name               = "${local.retrain_name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# Reads the feed and the store; writes new versions and rollout records. An explicit deny keeps
# it off every alias: only the judge (or an operator) moves production.
data "aws_iam_policy_document" "retrain_task" {
  statement {
    sid       = "ReadFeedAndStore"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.models.arn}/${var.training_data_prefix}/*", "${aws_s3_bucket.models.arn}/${var.model_prefix}/*"]
  }

  statement {
    sid       = "ListFeedAndStore"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.models.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.training_data_prefix}/*", "${var.model_prefix}/*"]
    }
  }

  statement {
    sid       = "PublishVersionsAndRollouts"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.models.arn}/${var.model_prefix}/*"]
  }

  statement {
    sid       = "NeverMoveAnAlias"
    effect    = "Deny"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.models.arn}/${var.model_prefix}/*/aliases/*"]
  }

  statement {
    sid       = "SignAndVerifyReleases"
    actions   = ["kms:Sign", "kms:GetPublicKey"]
    resources = [aws_kms_key.release.arn]
  }

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

resource "aws_iam_role_policy" "retrain_task" {
  name   = "retrain-publish-and-shadow"
  role   = aws_iam_role.retrain_task.id
  policy = data.aws_iam_policy_document.retrain_task.json
}

resource "aws_ecs_task_definition" "retrain" {
  family                   = local.retrain_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.retrain_task_cpu
  memory                   = var.retrain_task_memory
  execution_role_arn       = aws_iam_role.retrain_execution.arn
  task_role_arn            = aws_iam_role.retrain_task.arn
  container_definitions    = jsonencode([local.retrain_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  lifecycle {
    # CD registers revisions with each new training image; Terraform owns the shape.
    ignore_changes = [container_definitions]
  }
}

resource "aws_security_group" "retrain" {
  #checkov:skip=CKV2_AWS_5:Attached to each retraining task the schedule starts (aws_scheduler_schedule.retrain's network_configuration), which checkov does not follow.
  name        = "${local.retrain_name}-task"
  description = "The retraining task: no inbound; HTTPS to AWS APIs"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.retrain_name}-task" }
}

resource "aws_vpc_security_group_egress_rule" "retrain_https" {
  #checkov:skip=CKV_AWS_382:The task calls AWS APIs (S3, KMS, ECR, CloudWatch Logs) over HTTPS only; their public endpoints have no fixed CIDRs.
  security_group_id = aws_security_group.retrain.id
  description       = "HTTPS to AWS APIs (S3, KMS, ECR, CloudWatch Logs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_sqs_queue" "retrain_schedule_dlq" {
  name                      = "${local.retrain_name}-schedule-dlq"
  kms_master_key_id         = aws_kms_key.this.arn
  message_retention_seconds = 1209600
}

resource "aws_iam_role" "retrain_scheduler" {
  name               = "${local.retrain_name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "retrain_scheduler" {
  statement {
    sid       = "RunRetrainTask"
    actions   = ["ecs:RunTask"]
    resources = ["${local.retrain_task_family}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "PassRetrainRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.retrain_task.arn, aws_iam_role.retrain_execution.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.retrain_schedule_dlq.arn]
  }

  statement {
    sid       = "UseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "retrain_scheduler" {
  name   = "run-retrain-task"
  role   = aws_iam_role.retrain_scheduler.id
  policy = data.aws_iam_policy_document.retrain_scheduler.json
}

resource "aws_scheduler_schedule" "retrain" {
  name                         = local.retrain_name
  description                  = "inferno retrain ${var.retrain_model}: train, gate, publish, start a shadow rollout"
  schedule_expression          = var.retrain_schedule
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = aws_kms_key.this.arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this.arn
    role_arn = aws_iam_role.retrain_scheduler.arn

    ecs_parameters {
      # No revision: RunTask runs the latest active one, the one CD registered last.
      task_definition_arn = local.retrain_task_family
      launch_type         = "FARGATE"
      task_count          = 1

      network_configuration {
        subnets          = local.private_subnet_ids
        security_groups  = [aws_security_group.retrain.id]
        assign_public_ip = false
      }
    }

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }

    dead_letter_config {
      arn = aws_sqs_queue.retrain_schedule_dlq.arn
    }
  }

  depends_on = [aws_iam_role_policy.retrain_scheduler, aws_ecs_task_definition.retrain]
}

resource "aws_cloudwatch_metric_alarm" "retrain_schedule_failed" {
  alarm_name          = "${local.prefix}-retrain-schedule-failed"
  alarm_description   = "EventBridge Scheduler could not start the retraining task (messages in ${aws_sqs_queue.retrain_schedule_dlq.name})."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.retrain_schedule_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
