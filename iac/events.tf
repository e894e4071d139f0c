# --- Escalation events (shared/events/README.md) --------------------------------------------
# The service puts escalation events on its own bus (EVENTS_BUS_NAME); an example rule routes
# them to an SQS queue a support tool can read, with a dead-letter queue for what EventBridge
# cannot deliver and what consumers fail on. Events may carry a caller's metadata (and the text,
# where a rule asks), so where they rest (the queues) they are encrypted with a key of their own:
# a consumer is granted that key, not the one guarding models and logs.

locals {
  # What the service's events say (shared/events/event.py; tests/iac compares).
  events_source      = "inferno.mlaas"
  events_detail_type = "Escalation"
  # The example rule: every escalation event (filter on detail.rule or detail.model to route).
  escalations_event_pattern = {
    source        = [local.events_source]
    "detail-type" = [local.events_detail_type]
  }
  # A consumer that fails on a message this many times sends it to the dead-letter queue.
  escalations_max_receive_count = 5
}

resource "aws_kms_key" "events" {
  description             = "${local.prefix}: escalation event queues"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.events_key.json
}

resource "aws_kms_alias" "events" {
  name          = "alias/${local.prefix}-events"
  target_key_id = aws_kms_key.events.key_id
}

data "aws_iam_policy_document" "events_key" {
  #checkov:skip=CKV_AWS_109:A key policy's resource "*" means this key; account root administers it, as AWS's default key policy does.
  #checkov:skip=CKV_AWS_111:A key policy's resource "*" means this key only.
  #checkov:skip=CKV_AWS_356:A key policy's resource "*" means this key only.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # EventBridge writes to the encrypted queues (SQS needs a customer key for that, not aws/sqs).
  statement {
    sid       = "EventBridgeSendsToEncryptedQueues"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The bus stores events under EventBridge's own key (its default); they rest in the queues.
resource "aws_cloudwatch_event_bus" "escalations" {
  name        = "${local.prefix}-escalations"
  description = "Escalation events from the service's rules (shared/events)."
}

resource "aws_sqs_queue" "escalations_dlq" {
  name                              = "${local.prefix}-escalations-dlq"
  kms_master_key_id                 = aws_kms_key.events.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600 # 14 days, the most SQS keeps: time to look
}

resource "aws_sqs_queue" "escalations" {
  name                              = "${local.prefix}-escalations"
  kms_master_key_id                 = aws_kms_key.events.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 345600 # 4 days
  receive_wait_time_seconds         = 20     # long polling
  visibility_timeout_seconds        = 60

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.escalations_dlq.arn
    maxReceiveCount     = local.escalations_max_receive_count
  })
}

# Only the escalation queue may move messages into its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "escalations_dlq" {
  queue_url = aws_sqs_queue.escalations_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.escalations.arn]
  })
}

resource "aws_cloudwatch_event_rule" "escalations_to_queue" {
  name           = "${local.prefix}-escalations-to-queue"
  description    = "Example: every escalation event to the escalations queue."
  event_bus_name = aws_cloudwatch_event_bus.escalations.name

  event_pattern = jsonencode(local.escalations_event_pattern)
}

resource "aws_cloudwatch_event_target" "escalations_to_queue" {
  rule           = aws_cloudwatch_event_rule.escalations_to_queue.name
  event_bus_name = aws_cloudwatch_event_bus.escalations.name
  target_id      = "escalations-queue"
  arn            = aws_sqs_queue.escalations.arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  # What EventBridge cannot deliver (the queue's policy or key broken) is kept, not lost.
  dead_letter_config {
    arn = aws_sqs_queue.escalations_dlq.arn
  }
}

# Each queue takes messages from the example rule only, and only over TLS.
data "aws_iam_policy_document" "escalations_queue" {
  for_each = {
    queue = aws_sqs_queue.escalations.arn
    dlq   = aws_sqs_queue.escalations_dlq.arn
  }

  statement {
    sid       = "FromTheEscalationRuleOnly"
    actions   = ["sqs:SendMessage"]
    resources = [each.value]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.escalations_to_queue.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "escalations" {
  queue_url = aws_sqs_queue.escalations.id
  policy    = data.aws_iam_policy_document.escalations_queue["queue"].json
}

resource "aws_sqs_queue_policy" "escalations_dlq" {
  queue_url = aws_sqs_queue.escalations_dlq.id
  policy    = data.aws_iam_policy_document.escalations_queue["dlq"].json
}

# The task puts events on this bus and no other; nothing else is added to its role.
data "aws_iam_policy_document" "task_events" {
  statement {
    sid       = "PutEscalationEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.escalations.arn]
  }
}

resource "aws_iam_role_policy" "task_events" {
  name   = "put-escalation-events"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task_events.json
}

resource "aws_cloudwatch_metric_alarm" "escalations_dlq_depth" {
  alarm_name          = "${local.prefix}-escalations-dlq"
  alarm_description   = "Escalation events are in the dead-letter queue: EventBridge could not deliver them, or a consumer failed on them ${local.escalations_max_receive_count} times."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.escalations_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # SQS reports a queue's depth every 5 minutes while it exists; a gap is no sign of trouble.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}
