# The whole stack planned against a mocked AWS provider: no account, no network, no state.
# tests/iac/rehearsal runs it with each environment's variables:
#   terraform -chdir=iac test -var-file=environments/prod.tfvars   (and dev.tfvars)
# Every variable validation, precondition and expression is evaluated; what AWS itself would
# refuse at apply time (IAM, quotas it enforces, names taken) is not.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"] }
  }
  # Policy documents must be JSON for the resources that embed them.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_ecr_image" {
    defaults = { image_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000" }
  }
  # A new account's default (1,000 concurrent executions).
  mock_data "aws_servicequotas_service_quota" {
    defaults = { value = 1000 }
  }
}

variables {
  image_tag = "0123456789abcdef0123456789abcdef01234567"
}

run "plans" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.batch_scoring.logging_configuration[0].level == "ERROR"
    error_message = "The state machine must log errors only."
  }
}

# The first apply must name an image somebody pushed (iac/first-apply.sh pushes one first).
run "a_placeholder_image_tag_is_refused" {
  command = plan
  variables { image_tag = "bootstrap" }

  expect_failures = [var.image_tag]
}

run "fargate_cpu_and_memory_must_pair" {
  command = plan
  variables {
    task_cpu    = 256
    task_memory = 4096
  }

  expect_failures = [var.task_memory]
}

run "a_valid_larger_fargate_pair_plans" {
  command = plan
  variables {
    task_cpu    = 1024
    task_memory = 3072
  }
}

# An account below reserved concurrency + 100 (new accounts may have a quota of 10 to 400).
run "reserved_concurrency_must_leave_100_unreserved" {
  command = plan

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 200 }
  }

  expect_failures = [aws_lambda_function.batch]
}
