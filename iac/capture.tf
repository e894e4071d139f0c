# Sampled capture and ground truth (shared/capture/README.md): predictions and feedback go
# through two Firehose streams into the capture bucket, partitioned by the records' own fields;
# a receipt of every prediction waits in DynamoDB (TTL) for its feedback.
#
#   s3://<capture bucket>/capture/predictions/model=<m>/version=<v>/date=<YYYY-MM-DD>/hour=<HH>/
#   s3://<capture bucket>/capture/feedback/model=<m>/date=<YYYY-MM-DD>/hour=<HH>/
#   s3://<capture bucket>/capture-errors/<stream>/<error type>/<yyyy/MM/dd>/   what Firehose could not file

locals {
  capture_prefix = "capture"
  # Firehose's JQ (1.6) reads the partition keys out of each record: the same folders the local
  # writer makes (shared/capture/records.py `folder`; tests/integration/test_capture.py applies
  # these queries to captured records and compares).
  capture_streams = {
    predictions = {
      query  = "{model: .model, version: .version, date: .time[0:10], hour: .time[11:13]}"
      prefix = "${local.capture_prefix}/predictions/model=!{partitionKeyFromQuery:model}/version=!{partitionKeyFromQuery:version}/date=!{partitionKeyFromQuery:date}/hour=!{partitionKeyFromQuery:hour}/"
    }
    feedback = {
      query  = "{model: .model, date: .time[0:10], hour: .time[11:13]}"
      prefix = "${local.capture_prefix}/feedback/model=!{partitionKeyFromQuery:model}/date=!{partitionKeyFromQuery:date}/hour=!{partitionKeyFromQuery:hour}/"
    }
  }
  capture_stream_names = { for stream, _ in local.capture_streams : stream => "${local.prefix}-capture-${stream}" }
  capture_stream_arns = {
    for stream, name in local.capture_stream_names :
    stream => "arn:${local.partition}:firehose:${var.region}:${local.account_id}:deliverystream/${name}"
  }
}

# --- The capture bucket ----------------------------------------------------------------------

resource "aws_s3_bucket" "capture" {
  #checkov:skip=CKV_AWS_144:Captured traffic is a sample kept for drift and quality reports; replication doubles its cost.
  #checkov:skip=CKV2_AWS_62:The drift job reads the capture on a schedule, not on object events.
  bucket_prefix = "${local.prefix}-capture-"
  force_destroy = var.environment != "prod"
}

resource "aws_s3_bucket_ownership_controls" "capture" {
  bucket = aws_s3_bucket.capture.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "capture" {
  bucket                  = aws_s3_bucket.capture.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "capture" {
  bucket = aws_s3_bucket.capture.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "capture" {
  bucket = aws_s3_bucket.capture.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "capture" {
  bucket        = aws_s3_bucket.capture.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3-access/capture/"
}

# Captured inputs may hold customers' texts (CAPTURE_TEXT=keep): kept only as long as the
# drift and quality reports look back. Whatever else the bucket holds (drift reports) keeps its
# own rules; old versions and abandoned uploads go everywhere.
resource "aws_s3_bucket_lifecycle_configuration" "capture" {
  bucket = aws_s3_bucket.capture.id

  rule {
    id     = "expire-captured-traffic"
    status = "Enabled"

    filter {
      prefix = local.capture_prefix # capture/ and capture-errors/
    }

    expiration {
      days = var.capture_retention_days
    }
  }

  rule {
    id     = "tidy-versions-and-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "capture" {
  bucket     = aws_s3_bucket.capture.id
  policy     = data.aws_iam_policy_document.capture_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.capture]
}

data "aws_iam_policy_document" "capture_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.capture.arn, "${aws_s3_bucket.capture.arn}/*"]

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

# --- Firehose: delivery role, logs, the two streams -------------------------------------------

resource "aws_cloudwatch_log_group" "capture" {
  name              = "/aws/kinesisfirehose/${local.prefix}-capture"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_cloudwatch_log_stream" "capture" {
  for_each       = local.capture_streams
  name           = "${each.key}-delivery"
  log_group_name = aws_cloudwatch_log_group.capture.name
}

data "aws_iam_policy_document" "firehose_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "capture_delivery" {
  name               = "${local.prefix}-capture-delivery"
  assume_role_policy = data.aws_iam_policy_document.firehose_assume.json
}

# What Firehose needs to deliver (AWS's "grant Firehose access to an S3 destination"): write
# under the capture prefixes only, encrypt with the project's key for that bucket only, log.
data "aws_iam_policy_document" "capture_delivery" {
  statement {
    sid       = "WriteCapture"
    actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
    resources = ["${aws_s3_bucket.capture.arn}/${local.capture_prefix}/*", "${aws_s3_bucket.capture.arn}/${local.capture_prefix}-errors/*"]
  }

  statement {
    sid       = "FindCaptureBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.capture.arn]
  }

  statement {
    sid       = "EncryptCapture"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = ["${aws_s3_bucket.capture.arn}/*", aws_s3_bucket.capture.arn]
    }
  }

  statement {
    sid       = "LogDelivery"
    actions   = ["logs:PutLogEvents"]
    resources = [for stream in aws_cloudwatch_log_stream.capture : stream.arn]
  }
}

resource "aws_iam_role_policy" "capture_delivery" {
  name   = "deliver-capture"
  role   = aws_iam_role.capture_delivery.id
  policy = data.aws_iam_policy_document.capture_delivery.json
}

resource "aws_kinesis_firehose_delivery_stream" "capture" {
  for_each    = local.capture_streams
  name        = local.capture_stream_names[each.key]
  destination = "extended_s3"

  # Records at rest inside Firehose, with the project's key (the bucket uses it too).
  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.this.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.capture_delivery.arn
    bucket_arn          = aws_s3_bucket.capture.arn
    prefix              = each.value.prefix
    error_output_prefix = "${local.capture_prefix}-errors/${each.key}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    kms_key_arn         = aws_kms_key.this.arn
    # Plain JSON lines, as the drift report and the local writer read them (each record ends
    # with "\n" itself). 64 MiB is the least dynamic partitioning allows.
    compression_format = "UNCOMPRESSED"
    file_extension     = ".jsonl"
    buffering_size     = 64
    buffering_interval = var.capture_buffer_seconds

    dynamic_partitioning_configuration {
      enabled        = true
      retry_duration = 300
    }

    processing_configuration {
      enabled = true

      processors {
        type = "MetadataExtraction"

        parameters {
          parameter_name  = "MetadataExtractionQuery"
          parameter_value = each.value.query
        }

        parameters {
          parameter_name  = "JsonParsingEngine"
          parameter_value = "JQ-1.6"
        }
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.capture.name
      log_stream_name = aws_cloudwatch_log_stream.capture[each.key].name
    }
  }
}

# Records that reach Firehose but not S3 (role, key or bucket broken) age in the stream until
# they go to the error prefix: alarm while the oldest waits more than two buffer intervals.
resource "aws_cloudwatch_metric_alarm" "capture_delivery" {
  for_each            = local.capture_streams
  alarm_name          = "${local.prefix}-capture-${each.key}-delivery"
  alarm_description   = "Captured ${each.key} are not reaching S3: see the ${aws_cloudwatch_log_group.capture.name} log group."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.DataFreshness"
  dimensions          = { DeliveryStreamName = local.capture_stream_names[each.key] }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 2 * var.capture_buffer_seconds
  # No records, no freshness: an idle stream is not a broken one.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}

# The task puts records on these two streams and nothing else. Firehose has no resource
# policies, so this is the task role's second inline policy (tests/iac pin both).
data "aws_iam_policy_document" "task_capture" {
  statement {
    sid       = "PutCapture"
    actions   = ["firehose:PutRecordBatch"]
    resources = values(local.capture_stream_arns)
  }
}

resource "aws_iam_role_policy" "task_capture" {
  name   = "put-capture"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task_capture.json
}

# --- Receipts: which client asked what, for every prediction (shared/capture/receipts.py) ----
# One item per prediction, keyed by client and request id, expired by TTL after
# RECEIPT_TTL_HOURS. Written in BatchWriteItem calls off the request path; read by one
# consistent GetItem per feedback. Cost at 1,000 predictions/s: README in shared/capture.

resource "aws_dynamodb_table" "receipts" {
  #checkov:skip=CKV_AWS_28:Receipts are a join index that expires within days; a restore would bring back only what feedback may still name, at the price of a second copy of the table.
  name                        = "${local.prefix}-receipts"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.environment == "prod"

  attribute {
    name = "id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
}

# The task writes receipts and reads one per feedback: nothing else, on this table only. As for
# the quota table, the grant is the table's resource policy (the key's via-DynamoDB statement in
# storage.tf covers its encryption).
data "aws_iam_policy_document" "receipts_table" {
  statement {
    sid       = "TaskWritesAndReadsReceipts"
    actions   = ["dynamodb:BatchWriteItem", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.receipts.arn]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.task.arn]
    }
  }
}

resource "aws_dynamodb_resource_policy" "receipts" {
  resource_arn = aws_dynamodb_table.receipts.arn
  policy       = data.aws_iam_policy_document.receipts_table.json
}
