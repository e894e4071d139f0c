data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  prefix = "${var.name}-${var.environment}"
  # By digest: the image var.image_tag names in ECR (ecr.tf reads it, so a tag nobody pushed
  # stops the plan before Lambda or ECS could be pointed at it).
  image_uri  = "${aws_ecr_repository.this.repository_url}@${data.aws_ecr_image.this.image_digest}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The container contract (Dockerfile CMD, Settings.port, tests/iac check they agree).
  container_name    = "app"
  container_port    = 8000
  health_check_path = "/ready"
  # Health checks go to a port of their own, answered by a process beside each worker that a
  # flood on the traffic port cannot delay (handlers/server/health_port.py).
  health_port = 8081

  # uvicorn --timeout-graceful-shutdown is 20 s; ECS waits this long before SIGKILL.
  stop_timeout_seconds = 30
  # A cold task downloads its model from S3 (up to ~60 s); ECS ignores failing health checks
  # for this long after a task starts.
  health_check_grace_seconds = 120
  # Longest request is well under a second; 30 s lets in-flight and keep-alive requests drain.
  deregistration_delay_seconds = 30
  alb_idle_timeout_seconds     = 60

  # EMF metrics the service writes (shared/observability/metric_names.py is the source; tests/iac compares).
  metrics_namespace = "InfernoMLaaS"
  service_name      = var.name
  app_metrics = {
    RequestCount          = { unit = "Count", stat = "Sum", dimensions = ["service", "route"] }
    RequestLatency        = { unit = "Milliseconds", stat = "p99", dimensions = ["service", "route"] }
    ErrorCount            = { unit = "Count", stat = "Sum", dimensions = ["service", "route", "status_class"] }
    PredictionCount       = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "label"] }
    ModelLoadTime         = { unit = "Milliseconds", stat = "Maximum", dimensions = ["service", "model"] }
    ModelLoadFailure      = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
    DroppedCount          = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "reason"] }
    PredictedValue        = { unit = "None", stat = "p50", dimensions = ["service", "model"] }
    RankingCount          = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "result"] }
    RankedItems           = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
    AnomalyCount          = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "flagged"] }
    AnswerListenerFailure = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
    EscalationCount       = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "rule", "outcome"] }
    CapturedCount         = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "stream"] }
    CaptureDropped        = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
    ReceiptDropped        = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
    # One value per label: the Average over the widget's period is the accuracy (or the MAE).
    LiveQuality   = { unit = "None", stat = "Average", dimensions = ["service", "model", "version"] }
    FeedbackCount = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "version"] }
    DriftScore    = { unit = "None", stat = "Maximum", dimensions = ["service", "model"] }
    DriftDetected = { unit = "None", stat = "Maximum", dimensions = ["service", "model"] }
    # Rollouts: the candidate's version is a dimension, the alarms' metrics are per model only.
    RolloutAgreement       = { unit = "None", stat = "Average", dimensions = ["service", "model", "version"] }
    RolloutConfidenceGap   = { unit = "None", stat = "Average", dimensions = ["service", "model", "version"] }
    RolloutModelTime       = { unit = "Milliseconds", stat = "Average", dimensions = ["service", "model", "version"] }
    RolloutCalls           = { unit = "Count", stat = "Sum", dimensions = ["service", "model", "version", "outcome"] }
    RolloutCandidateErrors = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
    RolloutLatencyRatio    = { unit = "None", stat = "Average", dimensions = ["service", "model"] }
    ShadowDropped          = { unit = "Count", stat = "Sum", dimensions = ["service", "model"] }
  }
  # Under AUTH_MODE=keys the same counts again, per client: who is throttled, refused or shed.
  client_metrics = {
    RequestCount    = { unit = "Count", stat = "Sum", dimensions = ["service", "client", "status_class"] }
    PredictionCount = { unit = "Count", stat = "Sum", dimensions = ["service", "client", "model"] }
  }

  # Environment of the container: Settings fields (upper-cased) plus Powertools' own variables.
  container_environment = [
    { name = "MODEL_BUCKET_NAME", value = aws_s3_bucket.models.id },
    { name = "MODEL_PREFIX", value = var.model_prefix },
    { name = "MODEL_NAME", value = var.model_name },
    { name = "MODEL_ALIAS", value = var.model_alias },
    { name = "MODEL_DIR", value = "/tmp/model_store" },
    # Only manifests signed by the release key load (model_release.tf).
    { name = "MODEL_SIGNING_KEY_ID", value = aws_kms_key.release.arn },
    { name = "REQUIRE_SIGNED_MODELS", value = "true" },
    { name = "LOG_LEVEL", value = var.log_level },
    { name = "METRICS_FLUSH_SECONDS", value = "60" },
    # One uvicorn worker per vCPU the task pays for: Fargate's VM shows more CPUs than that and
    # keeps the quota out of the container's sight (handlers/server/cpu_budget.py reads this).
    { name = "TASK_CPU_UNITS", value = tostring(var.task_cpu) },
    # Errors and slow requests are always logged; this share of the rest (log cost at scale).
    { name = "ACCESS_LOG_SAMPLE_RATE", value = tostring(var.access_log_sample_rate) },
    { name = "MODEL_REFRESH_SECONDS", value = "30" },
    # The health port and the interface it binds (uvicorn's own --host is in the image command).
    { name = "HEALTH_PORT", value = "${local.health_port}" },
    { name = "HOST", value = "0.0.0.0" },
    # Every route but /health and /ready needs a client key (handlers/http/AUTH.md).
    { name = "AUTH_MODE", value = "keys" },
    { name = "QUOTA_TABLE_NAME", value = aws_dynamodb_table.quotas.name },
    # Escalation events go to this bus (events.tf), off the request path.
    { name = "EVENTS_BUS_NAME", value = aws_cloudwatch_event_bus.escalations.name },
    # Sampled capture to Firehose, receipts for POST /feedback (capture.tf).
    { name = "CAPTURE_SAMPLE_RATE", value = tostring(var.capture_sample_rate) },
    { name = "CAPTURE_TEXT", value = var.capture_text },
    { name = "CAPTURE_PREDICTIONS_STREAM", value = aws_kinesis_firehose_delivery_stream.capture["predictions"].name },
    { name = "CAPTURE_FEEDBACK_STREAM", value = aws_kinesis_firehose_delivery_stream.capture["feedback"].name },
    { name = "RECEIPT_TABLE_NAME", value = aws_dynamodb_table.receipts.name },
    { name = "RECEIPT_TTL_HOURS", value = tostring(var.receipt_ttl_hours) },
    { name = "POWERTOOLS_SERVICE_NAME", value = local.service_name },
    { name = "POWERTOOLS_METRICS_NAMESPACE", value = local.metrics_namespace },
  ]

  container_definition = {
    name                   = local.container_name
    image                  = local.image_uri
    essential              = true
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    stopTimeout            = local.stop_timeout_seconds
    portMappings = [
      { containerPort = local.container_port, hostPort = local.container_port, protocol = "tcp" },
      { containerPort = local.health_port, hostPort = local.health_port, protocol = "tcp" },
    ]
    environment = local.container_environment
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]
    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.health_port}${local.health_check_path}', timeout=4)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 90
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.app.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "app"
        # Non-blocking: a slow CloudWatch never stalls requests. The buffer holds ~25 s of
        # logs at peak rate before lines (and EMF metrics in them) are dropped.
        mode            = "non-blocking"
        max-buffer-size = "25m"
      }
    }
  }
}
