# Bulk scoring: a Step Functions Distributed Map over JSONL/CSV in S3, fanned out to a Lambda
# built from the service image (handlers.batch_job.handler). `inferno jobs submit` starts it.
#
#   s3://<jobs bucket>/<jobs_input_prefix>/...   records in (the state machine reads them)
#   s3://<jobs bucket>/<jobs_output_prefix>/...  parts, summary and map results out

locals {
  jobs_name          = "${local.prefix}-batch-scoring"
  jobs_function_name = "${local.prefix}-batch-job"
  jobs_input_arn     = "${aws_s3_bucket.jobs.arn}/${var.jobs_input_prefix}/*"
  jobs_output_arn    = "${aws_s3_bucket.jobs.arn}/${var.jobs_output_prefix}/*"
  # Built from names, not resource attributes: the role's policy must exist before the machine.
  jobs_state_machine_arn = "arn:${local.partition}:states:${var.region}:${local.account_id}:stateMachine:${local.jobs_name}"
  jobs_execution_arns = [
    "arn:${local.partition}:states:${var.region}:${local.account_id}:execution:${local.jobs_name}:*",
    "arn:${local.partition}:states:${var.region}:${local.account_id}:execution:${local.jobs_name}/*",
  ]
  jobs_map_run_arn = "arn:${local.partition}:states:${var.region}:${local.account_id}:mapRun:${local.jobs_name}/*"
}

# --- Bucket of job inputs and outputs -------------------------------------------------------

resource "aws_s3_bucket" "jobs" {
  #checkov:skip=CKV_AWS_144:Job inputs are copies and outputs are reproducible by re-running the job; replication doubles cost.
  #checkov:skip=CKV2_AWS_62:Jobs are started by `inferno jobs submit`, not by object events.
  bucket_prefix = "${local.prefix}-jobs-"
  force_destroy = var.environment != "prod"
}

resource "aws_s3_bucket_ownership_controls" "jobs" {
  bucket = aws_s3_bucket.jobs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "jobs" {
  bucket                  = aws_s3_bucket.jobs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "jobs" {
  bucket = aws_s3_bucket.jobs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "jobs" {
  bucket = aws_s3_bucket.jobs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "jobs" {
  bucket        = aws_s3_bucket.jobs.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3-access/jobs/"
}

resource "aws_s3_bucket_lifecycle_configuration" "jobs" {
  bucket = aws_s3_bucket.jobs.id

  rule {
    id     = "expire-job-data"
    status = "Enabled"

    filter {}

    expiration {
      days = var.jobs_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "jobs" {
  bucket     = aws_s3_bucket.jobs.id
  policy     = data.aws_iam_policy_document.jobs_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.jobs]
}

data "aws_iam_policy_document" "jobs_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.jobs.arn, "${aws_s3_bucket.jobs.arn}/*"]

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

# --- The batch function: the service image, another command --------------------------------

resource "aws_cloudwatch_log_group" "jobs_function" {
  name              = "/aws/lambda/${local.jobs_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "jobs_function" {
  name               = "${local.prefix}-batch-job"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

# Network interfaces in the private subnets (AWS's managed policy for exactly that).
resource "aws_iam_role_policy_attachment" "jobs_function_vpc" {
  role       = aws_iam_role.jobs_function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

# Reads the model prefix and (StartJob) the input prefix; reads and writes the output prefix
# (job.json, the items file the map reads, parts, summary, map results).
data "aws_iam_policy_document" "jobs_function" {
  statement {
    sid       = "VerifyReleases"
    actions   = ["kms:GetPublicKey"]
    resources = [aws_kms_key.release.arn]
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

  statement {
    sid       = "ReadJobInput"
    actions   = ["s3:GetObject"]
    resources = [local.jobs_input_arn]
  }

  statement {
    sid       = "ListJobInput"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.jobs.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.jobs_input_prefix}/*"]
    }
  }

  statement {
    sid = "WriteJobOutput"
    # A large items file goes up in parts (handlers/batch_job/presplit.py).
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.jobs_output_arn]
  }

  statement {
    sid       = "ListJobOutput"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.jobs.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.jobs_output_prefix}/*"]
    }
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
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.jobs_function.arn}:*"]
  }

  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions.
  }
}

resource "aws_iam_role_policy" "jobs_function" {
  name   = "score-batches"
  role   = aws_iam_role.jobs_function.id
  policy = data.aws_iam_policy_document.jobs_function.json
}

resource "aws_security_group" "jobs_function" {
  name        = "${local.prefix}-batch-job"
  description = "Batch Lambda of ${local.prefix}: no inbound, HTTPS out to S3"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.prefix}-batch-job" }
}

resource "aws_vpc_security_group_egress_rule" "jobs_function_https" {
  #checkov:skip=CKV_AWS_382:The function calls S3 (gateway endpoint) and AWS APIs over HTTPS only; their public endpoints have no fixed CIDRs.
  security_group_id = aws_security_group.jobs_function.id
  description       = "HTTPS to S3 and AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# Lambda pulls the image with its service principal; the repository must allow it.
resource "aws_ecr_repository_policy" "lambda_pull" {
  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.lambda_pull.json
}

data "aws_iam_policy_document" "lambda_pull" {
  statement {
    sid     = "LambdaPullsTheServiceImage"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values = [
        for name in [local.jobs_function_name, local.rollout_judge_name] :
        "arn:${local.partition}:lambda:${var.region}:${local.account_id}:function:${name}"
      ]
    }
  }
}

resource "aws_lambda_function" "batch" {
  #checkov:skip=CKV_AWS_116:Step Functions invokes it synchronously and retries; a DLQ applies only to asynchronous invocations.
  #checkov:skip=CKV_AWS_272:Code signing does not apply to container images; the image is the SHA-tagged one CI scanned.
  function_name                  = local.jobs_function_name
  description                    = "Scores Distributed Map batches of ${local.prefix} (handlers.batch_job.handler)"
  role                           = aws_iam_role.jobs_function.arn
  package_type                   = "Image"
  image_uri                      = local.image_uri
  architectures                  = ["x86_64"]
  memory_size                    = var.jobs_function_memory_mb
  timeout                        = var.jobs_function_timeout_seconds
  reserved_concurrent_executions = var.jobs_reserved_concurrency
  kms_key_arn                    = aws_kms_key.this.arn

  image_config {
    command = ["handlers.batch_job.handler"]
  }

  environment {
    variables = {
      MODEL_BUCKET_NAME            = aws_s3_bucket.models.id
      MODEL_PREFIX                 = var.model_prefix
      MODEL_DIR                    = "/tmp/model_store"
      MODEL_SIGNING_KEY_ID         = aws_kms_key.release.arn
      REQUIRE_SIGNED_MODELS        = "true"
      LOG_LEVEL                    = var.log_level
      POWERTOOLS_SERVICE_NAME      = local.service_name
      POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace
    }
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.jobs_function.id]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # Powertools already writes one JSON object per line
    log_group  = aws_cloudwatch_log_group.jobs_function.name
  }

  depends_on = [aws_iam_role_policy.jobs_function, aws_iam_role_policy_attachment.jobs_function_vpc, aws_ecr_repository_policy.lambda_pull]

  lifecycle {
    # CD ships new images (update-function-code by digest, .github/workflows/cd.yml); Terraform
    # owns the function's configuration, as with the ECS service.
    ignore_changes = [image_uri]

    precondition {
      # Lambda keeps 100 of the account's concurrency unreserved: reserving more fails the apply.
      condition     = var.jobs_reserved_concurrency + 100 <= data.aws_servicequotas_service_quota.lambda_concurrency.value
      error_message = "jobs_reserved_concurrency + 100 exceeds this account's Lambda concurrency quota (L-B99A9384): lower it, or request a higher quota first (iac/README.md)."
    }
  }
}

# The account's Lambda concurrent executions quota in this region (1,000 by default; less on
# some new accounts).
data "aws_servicequotas_service_quota" "lambda_concurrency" {
  service_code = "lambda"
  quota_code   = "L-B99A9384"
}

# --- The state machine -------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "jobs_state_machine" {
  name              = "/aws/vendedlogs/states/${local.jobs_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "jobs_state_machine" {
  name               = "${local.prefix}-batch-scoring"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
}

# Reads the items file StartJob wrote (ItemReader) and writes results (ResultWriter), both in
# the output prefix; never the raw input. Invokes the function, runs its own child executions
# (Distributed Map), encrypts its data with the customer key, logs and traces.
data "aws_iam_policy_document" "jobs_state_machine" {
  statement {
    sid       = "InvokeBatchFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.batch.arn, "${aws_lambda_function.batch.arn}:*"]
  }

  statement {
    sid       = "WriteMapResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    resources = [local.jobs_output_arn]
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

  # The machine's definition and execution data are encrypted with the customer key; Step
  # Functions calls KMS as this role with the machine's ARN as encryption context.
  statement {
    sid       = "EncryptStateMachineData"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:states:stateMachineArn"
      values   = [local.jobs_state_machine_arn]
    }
  }

  statement {
    sid       = "RunChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.jobs_state_machine_arn]
  }

  statement {
    sid       = "ManageChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = local.jobs_execution_arns
  }

  statement {
    sid       = "ManageMapRuns"
    actions   = ["states:DescribeMapRun", "states:UpdateMapRun"]
    resources = [local.jobs_map_run_arn]
  }

  statement {
    sid = "DeliverLogs"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"] # Log delivery actions have no resource-level permissions.
  }

  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"] # X-Ray has no resource-level permissions.
  }
}

resource "aws_iam_role_policy" "jobs_state_machine" {
  name   = "run-batch-scoring"
  role   = aws_iam_role.jobs_state_machine.id
  policy = data.aws_iam_policy_document.jobs_state_machine.json
}

resource "aws_sfn_state_machine" "batch_scoring" {
  #checkov:skip=CKV_AWS_285:Execution data would put every record's text in CloudWatch (cost, personal data); errors are logged, counts come from DescribeMapRun.
  name     = local.jobs_name
  role_arn = aws_iam_role.jobs_state_machine.arn
  type     = "STANDARD"
  definition = templatefile("${path.module}/state_machines/batch_scoring.asl.json", {
    function_arn    = aws_lambda_function.batch.arn
    max_concurrency = var.jobs_max_concurrency
  })

  # Failures only, without execution data: ALL with data would write every record's text to
  # CloudWatch (cost and personal data). Counts per map run: `inferno jobs status`.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.jobs_state_machine.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = aws_kms_key.this.arn
    kms_data_key_reuse_period_seconds = 300
  }

  depends_on = [aws_iam_role_policy.jobs_state_machine]

  lifecycle {
    precondition {
      # Children beyond the function's reserved concurrency would only be throttled and retried.
      condition     = var.jobs_max_concurrency < var.jobs_reserved_concurrency
      error_message = "jobs_max_concurrency must stay below jobs_reserved_concurrency."
    }
  }
}

# --- Alarm: a job whose map run failed (past its tolerated share, or unreadable input) ------

resource "aws_cloudwatch_metric_alarm" "jobs_failed" {
  alarm_name          = "${local.prefix}-batch-scoring-failed"
  alarm_description   = "A batch-scoring job failed: its Distributed Map run failed, timed out or was aborted."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  # Jobs are rare: no executions is not a failure.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "failed"
    expression  = "FILL(f, 0) + FILL(t, 0) + FILL(a, 0)"
    label       = "Failed batch-scoring jobs"
    return_data = true
  }

  metric_query {
    id = "f"
    metric {
      namespace   = "AWS/States"
      metric_name = "ExecutionsFailed"
      dimensions  = { StateMachineArn = aws_sfn_state_machine.batch_scoring.arn }
      period      = 300
      stat        = "Sum"
    }
  }

  metric_query {
    id = "t"
    metric {
      namespace   = "AWS/States"
      metric_name = "ExecutionsTimedOut"
      dimensions  = { StateMachineArn = aws_sfn_state_machine.batch_scoring.arn }
      period      = 300
      stat        = "Sum"
    }
  }

  metric_query {
    id = "a"
    metric {
      namespace   = "AWS/States"
      metric_name = "ExecutionsAborted"
      dimensions  = { StateMachineArn = aws_sfn_state_machine.batch_scoring.arn }
      period      = 300
      stat        = "Sum"
    }
  }
}
