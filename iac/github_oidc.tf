# GitHub Actions deploys with short-lived OIDC credentials: no AWS keys in the repository.
locals {
  github_oidc_url = "https://token.actions.githubusercontent.com"
  github_oidc_provider_arn = (
    var.create_github_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/token.actions.githubusercontent.com"
  )
  # AWS reads only `sub` (and `aud`) from GitHub's token, so the repository's subject template
  # is customised to carry the environment and the calling workflow file at its ref
  # (iac/README.md, "GitHub OIDC"): each role trusts one workflow on main, in one environment.
  github_workflow_ref = "${var.github_repository}/.github/workflows/%s@refs/heads/main"
  github_subjects = {
    deploy        = "repo:${var.github_repository}:environment:${var.github_deploy_environment}:job_workflow_ref:${format(local.github_workflow_ref, "cd.yml")}"
    model_release = "repo:${var.github_repository}:environment:${var.github_model_release_environment}:job_workflow_ref:${format(local.github_workflow_ref, "model-release.yml")}"
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_github_oidc_provider ? 1 : 0
  url            = local.github_oidc_url
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "github_assume" {
  for_each = local.github_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${local.prefix}-github-deploy"
  description          = "Assumed by CD (cd.yml on main, environment ${var.github_deploy_environment}) to ship images; it cannot write models."
  assume_role_policy   = data.aws_iam_policy_document.github_assume["deploy"].json
  max_session_duration = 3600
}

# Exactly what cd.yml calls, on this stack's resources. No model store access: a workflow that
# can deploy must not be able to change what runs inside the image.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "ReadDeployParameters"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.deploy.arn]
  }

  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # No resource-level permissions for this action.
  }

  statement {
    sid = "EcrPush"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [aws_ecr_repository.this.arn]
  }

  statement {
    sid       = "TaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"] # These actions have no resource-level permissions.
  }

  statement {
    sid       = "DeployService"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = [aws_ecs_service.this.id]
  }

  # The batch function runs the same image: CD points it at the new digest and waits until
  # Lambda has it (update-function-code, then `aws lambda wait function-updated-v2`).
  statement {
    sid       = "UpdateBatchFunctionCode"
    actions   = ["lambda:UpdateFunctionCode", "lambda:GetFunction"]
    resources = [aws_lambda_function.batch.arn, aws_lambda_function.rollout_judge.arn]
  }

  # The smoke test's client key (created by `inferno keys create`, iac/README.md).
  statement {
    sid       = "ReadSmokeKey"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.smoke_key.arn]
  }

  statement {
    sid       = "DecryptSmokeKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }

  statement {
    sid     = "PassTaskRoles"
    actions = ["iam:PassRole"]
    # The service's task roles, and the retraining task's (CD registers its revisions too).
    resources = [
      aws_iam_role.execution.arn, aws_iam_role.task.arn,
      aws_iam_role.retrain_execution.arn, aws_iam_role.retrain_task.arn,
    ]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

# Everything the workflows need to know about this stack, so the repository needs only the
# role ARNs as variables.
resource "aws_ssm_parameter" "deploy" {
  #checkov:skip=CKV2_AWS_34:Names of resources and a public URL, not a secret; workflows read it with ssm:GetParameter only.
  name        = "/${var.name}/${var.environment}/deploy"
  description = "Deployment coordinates of ${local.prefix} for GitHub Actions."
  type        = "String"
  value = jsonencode({
    region              = var.region
    cluster             = aws_ecs_cluster.this.name
    service             = aws_ecs_service.this.name
    task_family         = aws_ecs_task_definition.this.family
    container_name      = local.container_name
    ecr_repository      = aws_ecr_repository.this.repository_url
    ecr_repository_name = aws_ecr_repository.this.name
    model_bucket        = aws_s3_bucket.models.id
    model_prefix        = var.model_prefix
    model_name          = var.model_name
    model_alias         = var.model_alias
    service_url         = local.service_url
    alb_dns_name        = aws_lb.this.dns_name
    release_key         = aws_kms_key.release.arn
    smoke_path_health   = "/health"
    batch_function      = aws_lambda_function.batch.function_name
    judge_function      = aws_lambda_function.rollout_judge.function_name
    retrain_task_family = aws_ecs_task_definition.retrain.family
    training_tag_suffix = local.training_image_suffix
    smoke_key_secret    = aws_secretsmanager_secret.smoke_key.name
    deployed_tag_prefix = local.deployed_tag_prefix
  })
}

# CD's smoke test calls /predict as a client: AUTH_MODE=keys refuses it without a key. The
# secret is created empty; its value is a key `inferno keys create --client cd-smoke` prints
# (iac/README.md, iac/first-apply.sh), never in Terraform state.
resource "aws_secretsmanager_secret" "smoke_key" {
  #checkov:skip=CKV2_AWS_57:A client key rotates with `inferno keys rotate` and put-secret-value, not a rotation Lambda.
  name                    = "/${var.name}/${var.environment}/smoke-key"
  description             = "Client key CD's smoke test of ${local.prefix} sends (X-Api-Key)."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.environment == "prod" ? 30 : 0
}
