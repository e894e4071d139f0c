# --- Daily quotas and usage, counted fleet-wide (shared/auth/quota_table.py) ----------------
# One item per client and UTC day: `leased` (raised only by conditional ADDs that keep it at or
# below the quota), `requests` and `items` (what was admitted). Tasks lease blocks, so a request
# does not wait on this table in the steady state.

resource "aws_dynamodb_table" "quotas" {
  name                        = "${local.prefix}-quotas"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "client"
  range_key                   = "day"
  deletion_protection_enabled = var.environment == "prod"

  attribute {
    name = "client"
    type = "S"
  }

  attribute {
    name = "day"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  # Usage history older than ~400 days goes (`inferno keys usage --days` reaches that far).
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
}

# The task leases and reports usage: UpdateItem (conditional ADD), and GetItem with a
# consistent read when less than a block is left. Nothing else, on this table only. The grant is
# the table's resource policy (and the key policy's statement in storage.tf), so the task role's
# own policy stays the model-store read that tests/iac pins.
data "aws_iam_policy_document" "quotas_table" {
  statement {
    sid       = "TaskLeasesAndCountsQuotas"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.quotas.arn]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.task.arn]
    }
  }
}

resource "aws_dynamodb_resource_policy" "quotas" {
  resource_arn = aws_dynamodb_table.quotas.arn
  policy       = data.aws_iam_policy_document.quotas_table.json
}
