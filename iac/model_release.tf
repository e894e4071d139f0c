# Signed releases: only models published by the model-release workflow run. Its role is the one
# principal that may write models/ and sign with the release key; the service and the batch
# Lambda verify with the key's public half (GetPublicKey once per process, no KMS per load).

resource "aws_kms_key" "release" {
  #checkov:skip=CKV_AWS_7:Asymmetric (SIGN_VERIFY) keys cannot rotate automatically; rotate by creating a new key and re-signing (iac/README.md).
  description              = "${local.prefix}: signs model release manifests"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 30
  policy                   = data.aws_iam_policy_document.release_key.json
}

resource "aws_kms_alias" "release" {
  name          = "alias/${local.prefix}-release"
  target_key_id = aws_kms_key.release.key_id
}

data "aws_iam_policy_document" "release_key" {
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

  # Whatever IAM policies say elsewhere in the account, nobody but the release role and the
  # daily retraining task (retrain.tf: it publishes, it never moves production) signs.
  statement {
    sid       = "OnlyTheReleaseRoleSigns"
    effect    = "Deny"
    actions   = ["kms:Sign"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.model_release.arn, aws_iam_role.retrain_task.arn]
    }
  }
}

locals {
  # shared/auth/keys.py KEYS_KEY lives here (tests/iac compare).
  client_keys_dir = ".auth"
}

resource "aws_iam_role" "model_release" {
  name                 = "${local.prefix}-github-model-release"
  description          = "Assumed by model-release.yml on main (environment ${var.github_model_release_environment}): publishes and signs models."
  assume_role_policy   = data.aws_iam_policy_document.github_assume["model_release"].json
  max_session_duration = 3600
}

# Exactly what model-release.yml calls: read the stack's coordinates, compare with and write to
# the model prefix, sign the manifest.
data "aws_iam_policy_document" "model_release" {
  statement {
    sid       = "ReadDeployParameters"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.deploy.arn]
  }

  statement {
    sid       = "ModelStoreReadWrite"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.models.arn}/${var.model_prefix}/*"]
  }

  statement {
    sid       = "ModelStoreList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.models.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.model_prefix}/*"]
    }
  }

  statement {
    sid       = "ModelStoreKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }

  # Client-key records live in the same store (`.auth/`, read by the service like aliases):
  # whoever publishes models must not be able to mint keys. Only an operator's own credentials
  # (`inferno keys create`, iac/README.md) write there.
  statement {
    sid       = "NeverClientKeys"
    effect    = "Deny"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${aws_s3_bucket.models.arn}/${var.model_prefix}/${local.client_keys_dir}/*"]
  }

  statement {
    sid       = "SignReleases"
    actions   = ["kms:Sign", "kms:GetPublicKey"]
    resources = [aws_kms_key.release.arn]
  }
}

resource "aws_iam_role_policy" "model_release" {
  name   = "publish-and-sign-models"
  role   = aws_iam_role.model_release.id
  policy = data.aws_iam_policy_document.model_release.json
}
