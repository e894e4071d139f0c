output "service_url" {
  description = "Base URL of the API: https://service_hostname (point its DNS at alb_dns_name), else the ALB over HTTP."
  value       = local.service_url
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = aws_lb.this.dns_name
}

output "ecr_repository_url" {
  description = "ECR repository CI pushes SHA-tagged images to."
  value       = aws_ecr_repository.this.repository_url
}

output "model_bucket" {
  description = "Bucket of the model store (MODEL_BUCKET_NAME)."
  value       = aws_s3_bucket.models.id
}

output "model_store_uri" {
  description = "Root of the model store, for `inferno publish --store`."
  value       = "s3://${aws_s3_bucket.models.id}/${var.model_prefix}"
}

output "deploy_role_arn" {
  description = "Set this as the repository variable AWS_DEPLOY_ROLE_ARN."
  value       = aws_iam_role.deploy.arn
}

output "model_release_role_arn" {
  description = "Set this as the repository variable AWS_MODEL_RELEASE_ROLE_ARN (model-release.yml)."
  value       = aws_iam_role.model_release.arn
}

output "release_key_arn" {
  description = "KMS key that signs model releases (MODEL_SIGNING_KEY_ID)."
  value       = aws_kms_key.release.arn
}

output "task_role_arn" {
  description = "Role of the application containers (reads the model prefix only)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role the ECS agent uses to pull the image and write logs."
  value       = aws_iam_role.execution.arn
}

output "ecs_cluster" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "ecs_service" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "deploy_parameter" {
  description = "SSM parameter the workflows read (set DEPLOY_PARAMETER if not /inferno/prod/deploy)."
  value       = aws_ssm_parameter.deploy.name
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the service."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "jobs_state_machine_arn" {
  description = "Batch-scoring state machine; set JOBS_STATE_MACHINE_ARN to it for `inferno jobs submit`."
  value       = aws_sfn_state_machine.batch_scoring.arn
}

output "jobs_bucket_uris" {
  description = "Where job inputs go and where their outputs are written."
  value = {
    input  = "s3://${aws_s3_bucket.jobs.id}/${var.jobs_input_prefix}/"
    output = "s3://${aws_s3_bucket.jobs.id}/${var.jobs_output_prefix}/"
  }
}

output "quota_table_name" {
  description = "DynamoDB table of daily quotas and usage (QUOTA_TABLE_NAME, `inferno keys usage`)."
  value       = aws_dynamodb_table.quotas.name
}

output "smoke_key_secret" {
  description = "Secrets Manager secret holding CD's smoke-test client key (put its value once: iac/first-apply.sh)."
  value       = aws_secretsmanager_secret.smoke_key.name
}

output "batch_function_name" {
  description = "The batch Lambda; CD points it at each new image by digest."
  value       = aws_lambda_function.batch.function_name
}

output "events_bus_name" {
  description = "EventBridge bus of the escalation events (the task's EVENTS_BUS_NAME)."
  value       = aws_cloudwatch_event_bus.escalations.name
}

output "escalations_queue_url" {
  description = "Example queue the escalation rule fills; set EVENTS_QUEUE_URL to it for `inferno events tail`."
  value       = aws_sqs_queue.escalations.url
}

output "capture_bucket_uri" {
  description = "Where captured predictions and feedback land (shared/capture/README.md), partitioned by model, version, date and hour."
  value       = "s3://${aws_s3_bucket.capture.id}/${local.capture_prefix}/"
}

output "capture_stream_names" {
  description = "Firehose delivery streams of captured predictions and feedback."
  value       = { for stream, delivery in aws_kinesis_firehose_delivery_stream.capture : stream => delivery.name }
}

output "receipt_table_name" {
  description = "DynamoDB table of prediction receipts that POST /feedback joins labels to (RECEIPT_TABLE_NAME)."
  value       = aws_dynamodb_table.receipts.name
}
