variable "region" {
  description = "AWS region of the whole footprint."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "name" {
  description = "Prefix of every resource name; also the Powertools service name."
  type        = string
  default     = "inferno"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be 2-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod); part of every resource name."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose main branch may deploy through OIDC."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_deploy_environment" {
  description = "GitHub environment CD's deploy job runs in (protect it: main only, reviewers for prod)."
  type        = string
  default     = "production"
}

variable "github_model_release_environment" {
  description = "GitHub environment the model-release job runs in; only that job may publish and sign models."
  type        = string
  default     = "model-release"
}

variable "create_github_oidc_provider" {
  description = "Create the account-wide GitHub OIDC provider; false when another stack in the account already did."
  type        = bool
  default     = true
}

# --- Network -------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "CIDR of the VPC created when vpc_id is null."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR block."
  }
}

variable "az_count" {
  description = "Availability zones used by a created VPC (tasks spread across them)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "availability_zones" {
  description = "Zone names to spread a created VPC over; empty means the region's a, b, c, d zones in order."
  type        = list(string)
  default     = []
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "Existing VPC to deploy into; null creates a new VPC."
  type        = string
  default     = null
}

variable "public_subnet_ids" {
  description = "Existing public subnets for the ALB (with vpc_id)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.public_subnet_ids) == 0 || length(var.public_subnet_ids) >= 2
    error_message = "Give at least two public subnets (the ALB needs two AZs)."
  }
}

variable "private_subnet_ids" {
  description = "Existing private subnets with egress to ECR and CloudWatch, for the tasks (with vpc_id)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.private_subnet_ids) == 0 || length(var.private_subnet_ids) >= 2
    error_message = "Give at least two private subnets (tasks spread across AZs)."
  }
}

variable "private_route_table_ids" {
  description = "Route tables of the existing private subnets, for the S3 gateway endpoint (with vpc_id)."
  type        = list(string)
  default     = []
}

# --- Service -------------------------------------------------------------------------------

variable "image_tag" {
  description = "Tag of an image already pushed to this stack's ECR repository (the first apply: the one pushed by iac/first-apply.sh; CD ships later ones by digest). Terraform reads it from ECR and refuses a tag nobody pushed."
  type        = string

  validation {
    # A mutable name would not say what runs; ECR tags are immutable here, CI tags by SHA.
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && !contains(["latest", "bootstrap"], var.image_tag)
    error_message = "image_tag must be the tag of a pushed image (a git SHA), not latest or bootstrap."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be a Fargate size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  description = "Fargate task memory (MiB); Fargate accepts only some sizes for each task_cpu."
  type        = number
  default     = 1024

  # Fargate's pairs: 256 CPU with 512, 1024 or 2048 MiB; above, whole GiB from 2 to 8 times the
  # CPU units (4096 CPU: up to 30 GiB). ECS refuses any other pair at RegisterTaskDefinition.
  validation {
    condition = (
      var.task_cpu == 256 ? contains([512, 1024, 2048], var.task_memory) :
      var.task_memory % 1024 == 0 && var.task_memory >= var.task_cpu * 2 &&
      var.task_memory <= min(var.task_cpu * 8, 30720)
    )
    error_message = "task_memory does not pair with task_cpu on Fargate: 256 takes 512, 1024 or 2048; 512 takes 1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes 8192-30720 (whole GiB above 256)."
  }
}

variable "desired_count" {
  description = "Tasks running before autoscaling acts; at least 2 across AZs."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 2
    error_message = "desired_count must be at least 2 so an AZ or task loss never takes the API down."
  }
}

variable "min_capacity" {
  description = "Autoscaling floor (tasks)."
  type        = number
  default     = 2

  validation {
    condition     = var.min_capacity >= 2
    error_message = "min_capacity must be at least 2."
  }
}

variable "max_capacity" {
  description = "Autoscaling ceiling (tasks)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_capacity >= 2 && var.max_capacity <= 100
    error_message = "max_capacity must be between 2 and 100."
  }
}

variable "cpu_target_percent" {
  description = "Target average CPU utilisation of the service."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent > 10 && var.cpu_target_percent < 95
    error_message = "cpu_target_percent must be between 10 and 95."
  }
}

# From the capacity `make bench` measured (tests/performance/capacity.json, requests/s per vCPU at
# p99 <= 100 ms): capacity x task vCPUs (task_cpu / 1024) x 60 x headroom 0.6, rounded down to a
# hundred, so a task scales out well before its p99 bound. `make bench SCENARIOS=capacity
# BENCH_ARGS=--record-capacity` rewrites this default; tests/iac/test_autoscaling_capacity.py
# fails when it no longer matches the record (or task_cpu changes without it).
variable "requests_per_target" {
  description = "Target ALB requests per task per minute (ALBRequestCountPerTarget), from the measured capacity."
  type        = number
  default     = 50600

  validation {
    condition     = var.requests_per_target > 0
    error_message = "requests_per_target must be positive."
  }
}

variable "model_name" {
  description = "Model answering POST /predict (MODEL_NAME)."
  type        = string
  default     = "sentiment"
}

variable "model_alias" {
  description = "Alias the service follows (MODEL_ALIAS); moving it ships a model without a new image."
  type        = string
  default     = "production"
}

variable "model_prefix" {
  description = "Key prefix of the model store in the bucket (MODEL_PREFIX); the task role reads only this."
  type        = string
  default     = "models"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.model_prefix))
    error_message = "model_prefix must be one path segment without slashes."
  }
}

variable "drift_schedule" {
  description = "When the drift job runs (EventBridge Scheduler expression, UTC): one report per served model."
  type        = string
  default     = "cron(30 5 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.drift_schedule))
    error_message = "drift_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "drift_window" {
  description = "Captured traffic each drift report covers, back from the run (`inferno drift --since`)."
  type        = string
  default     = "1d"

  validation {
    condition     = can(regex("^[1-9][0-9]*[mhdw]$", var.drift_window))
    error_message = "drift_window must be a duration such as 12h, 1d or 1w."
  }
}

variable "drift_alarm_models" {
  description = "Models whose DriftDetected raises an alarm; empty: model_name."
  type        = list(string)
  default     = []
}

variable "drift_task_cpu" {
  description = "Fargate CPU units of the drift job (Evidently, pandas and a week of capture at most)."
  type        = number
  default     = 1024

  validation {
    condition     = contains([512, 1024, 2048, 4096], var.drift_task_cpu)
    error_message = "drift_task_cpu must be 512, 1024, 2048 or 4096."
  }
}

variable "drift_task_memory" {
  description = "Fargate memory (MiB) of the drift job: whole GiB, 2 to 8 times drift_task_cpu."
  type        = number
  default     = 4096

  validation {
    condition = (
      var.drift_task_memory % 1024 == 0 && var.drift_task_memory >= var.drift_task_cpu * 2 &&
      var.drift_task_memory <= min(var.drift_task_cpu * 8, 30720)
    )
    error_message = "drift_task_memory must be whole GiB between 2 and 8 times drift_task_cpu (at most 30720)."
  }
}

variable "log_level" {
  description = "Log level of the service (LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "access_log_sample_rate" {
  description = "Share of successful requests written to the access log (ACCESS_LOG_SAMPLE_RATE); failures are always logged."
  type        = number
  default     = 0.01

  validation {
    condition     = var.access_log_sample_rate >= 0 && var.access_log_sample_rate <= 1
    error_message = "access_log_sample_rate must be between 0 and 1."
  }
}

# --- Edge ----------------------------------------------------------------------------------

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on the ALB (HTTP then only redirects); null serves plain HTTP, which prod refuses."
  type        = string
  default     = null

  validation {
    condition     = var.environment != "prod" || var.certificate_arn != null
    error_message = "prod serves only HTTPS: set certificate_arn (and service_hostname, the name it covers)."
  }
}

variable "service_hostname" {
  description = "DNS name clients (and CD's smoke test) use; the certificate must cover it. Required with certificate_arn: the ALB's own *.elb.amazonaws.com name is not on any certificate of yours."
  type        = string
  default     = null

  validation {
    condition     = (var.certificate_arn == null) == (var.service_hostname == null)
    error_message = "Set service_hostname exactly when certificate_arn is set (the name the certificate covers)."
  }
}

variable "waf_rate_limit" {
  description = "Requests one client address may make in 5 minutes before WAF answers 429 (JSON)."
  type        = number
  default     = 3000

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 10 and 2,000,000,000 (WAF's bounds)."
  }
}

variable "alb_ingress_cidrs" {
  description = "Client CIDRs allowed to reach the ALB."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "enable_deletion_protection" {
  description = "Protect the ALB from deletion (turn off to destroy a dev stack)."
  type        = bool
  default     = true
}

# --- Observability -------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the service and WAF log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts."
  }
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic; null leaves the topic without subscribers."
  type        = string
  default     = null
}

variable "p99_latency_threshold_seconds" {
  description = "Alarm when the ALB's p99 target response time exceeds this."
  type        = number
  default     = 0.5
}

variable "error_rate_threshold_percent" {
  description = "Alarm when target 5xx responses exceed this share of requests."
  type        = number
  default     = 1
}

# --- Bulk jobs (jobs.tf) -------------------------------------------------------------------

variable "jobs_max_concurrency" {
  description = "Most batch Lambdas a batch-scoring job runs at once (Distributed Map MaxConcurrency); below jobs_reserved_concurrency."
  type        = number
  default     = 100

  validation {
    condition     = var.jobs_max_concurrency >= 1 && var.jobs_max_concurrency <= 10000
    error_message = "jobs_max_concurrency must be between 1 and 10000 (Distributed Map's limit)."
  }
}

variable "jobs_reserved_concurrency" {
  description = "Reserved concurrency of the batch Lambda: jobs never starve other functions, and MaxConcurrency stays below it. Lambda keeps 100 of the account's concurrency unreserved, so the account's quota (Service Quotas L-B99A9384, read at plan time) must be at least this + 100: 110 needs 210, and new accounts may have less (jobs.tf refuses the plan then)."
  type        = number
  default     = 110

  validation {
    condition     = var.jobs_reserved_concurrency >= 2
    error_message = "jobs_reserved_concurrency must be at least 2."
  }
}

variable "jobs_function_memory_mb" {
  description = "Memory of the batch Lambda (MiB); CPU grows with it (1,769 MiB is one vCPU)."
  type        = number
  default     = 2048

  validation {
    condition     = var.jobs_function_memory_mb >= 1024 && var.jobs_function_memory_mb <= 10240
    error_message = "jobs_function_memory_mb must be between 1024 and 10240."
  }
}

variable "jobs_function_timeout_seconds" {
  description = "Timeout of one batch (the first one of an environment also loads the model)."
  type        = number
  default     = 300

  validation {
    condition     = var.jobs_function_timeout_seconds >= 60 && var.jobs_function_timeout_seconds <= 900
    error_message = "jobs_function_timeout_seconds must be between 60 and 900."
  }
}

variable "jobs_input_prefix" {
  description = "Key prefix of job inputs in the jobs bucket; the state machine reads only this."
  type        = string
  default     = "input"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.jobs_input_prefix))
    error_message = "jobs_input_prefix must be one path segment without slashes."
  }
}

variable "jobs_output_prefix" {
  description = "Key prefix of job outputs in the jobs bucket; the only place jobs write."
  type        = string
  default     = "output"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.jobs_output_prefix))
    error_message = "jobs_output_prefix must be one path segment without slashes."
  }
}

variable "jobs_retention_days" {
  description = "Days job inputs and outputs are kept in the jobs bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.jobs_retention_days >= 1
    error_message = "jobs_retention_days must be at least 1."
  }
}

variable "capture_sample_rate" {
  description = "Share of predictions captured (inputs and answers) to the capture bucket; 0 turns capture off."
  type        = number
  default     = 0.1

  validation {
    condition     = var.capture_sample_rate >= 0 && var.capture_sample_rate <= 1
    error_message = "capture_sample_rate must be between 0 and 1."
  }
}

variable "capture_text" {
  description = "What a captured record keeps of a text: keep (drift on texts), hash (sha256 only) or drop."
  type        = string
  default     = "keep"

  validation {
    condition     = contains(["keep", "hash", "drop"], var.capture_text)
    error_message = "capture_text must be keep, hash or drop."
  }
}

variable "capture_retention_days" {
  description = "Days captured predictions and feedback are kept in the capture bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.capture_retention_days >= 1
    error_message = "capture_retention_days must be at least 1."
  }
}

variable "capture_buffer_seconds" {
  description = "How long Firehose gathers records before writing an object (60 to 900 with dynamic partitioning)."
  type        = number
  default     = 300

  validation {
    condition     = var.capture_buffer_seconds >= 60 && var.capture_buffer_seconds <= 900
    error_message = "capture_buffer_seconds must be between 60 and 900."
  }
}

variable "receipt_ttl_hours" {
  description = "How long a prediction can be given feedback (its receipt's TTL in DynamoDB)."
  type        = number
  default     = 168

  validation {
    condition     = var.receipt_ttl_hours > 0
    error_message = "receipt_ttl_hours must be positive."
  }
}

variable "rollout_judge_schedule" {
  description = "How often running rollouts are judged (EventBridge Scheduler expression)."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.rollout_judge_schedule))
    error_message = "rollout_judge_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "rollout_error_alarm_threshold" {
  description = "Candidate errors in 5 minutes, over all rollouts, past which the judge is called to abort."
  type        = number
  default     = 5
}

variable "rollout_latency_alarm_ratio" {
  description = "A candidate's model time over production's (5-minute average) past which the judge is called."
  type        = number
  default     = 2
}

variable "retrain_model" {
  description = "The model the daily task retrains (a key of model_build/trainers.py)."
  type        = string
  default     = "card-fraud"
}

variable "training_data_prefix" {
  description = "Prefix of the models bucket holding each model's feed: <prefix>/<model>/day=NNN/transactions.csv."
  type        = string
  default     = "training-data"
}

variable "retrain_schedule" {
  description = "When the retraining task runs (EventBridge Scheduler expression, UTC)."
  type        = string
  default     = "cron(0 4 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.retrain_schedule))
    error_message = "retrain_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "retrain_window_days" {
  description = "Days of the feed each retraining trains on (the newest one also gives the gate's held-out rows)."
  type        = number
  default     = 2
}

variable "retrain_task_cpu" {
  description = "Fargate CPU units of the retraining task."
  type        = number
  default     = 1024

  validation {
    condition     = contains([512, 1024, 2048, 4096], var.retrain_task_cpu)
    error_message = "retrain_task_cpu must be 512, 1024, 2048 or 4096."
  }
}

variable "retrain_task_memory" {
  description = "Fargate memory (MiB) of the retraining task."
  type        = number
  default     = 4096
}
