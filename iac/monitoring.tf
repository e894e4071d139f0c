resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alb_dimensions = { LoadBalancer = aws_lb.this.arn_suffix }
  tg_dimensions  = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.this.arn_suffix }
  ecs_dimensions = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.this.name }

  # One widget per EMF metric, found by SEARCH so every route/model/label value shows up; then
  # one per per-client count, a line per client.
  metric_widget_specs = concat(
    [for metric, spec in local.app_metrics : merge(spec, { metric = metric, title = metric })],
    [for metric, spec in local.client_metrics : merge(spec, { metric = metric, title = "${metric} by client" })],
  )
  app_metric_widgets = [
    for spec in local.metric_widget_specs : {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "${spec.title} (${spec.unit})"
        region = var.region
        view   = "timeSeries"
        period = 60
        metrics = [[{
          expression = "SEARCH('{${local.metrics_namespace},${join(",", spec.dimensions)}} MetricName=\"${spec.metric}\" service=\"${local.service_name}\"', '${spec.stat}', 60)"
          id         = lower(replace(spec.title, " ", "_"))
        }]]
      }
    }
  ]

  infra_widgets = [
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "ALB requests and errors"
        region = var.region
        stat   = "Sum"
        period = 60
        metrics = [
          ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", aws_lb.this.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", aws_lb.this.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", aws_lb.this.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "LoadBalancer", aws_lb.this.arn_suffix],
        ]
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "ALB target response time"
        region = var.region
        period = 60
        metrics = [
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", aws_lb.this.arn_suffix, { stat = "p50" }],
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", aws_lb.this.arn_suffix, { stat = "p99" }],
        ]
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "Targets and ECS utilisation"
        region = var.region
        period = 60
        metrics = [
          ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", aws_lb_target_group.this.arn_suffix, "LoadBalancer", aws_lb.this.arn_suffix, { stat = "Minimum" }],
          ["AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", aws_lb_target_group.this.arn_suffix, "LoadBalancer", aws_lb.this.arn_suffix, { stat = "Maximum" }],
          ["AWS/ECS", "CPUUtilization", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", aws_ecs_service.this.name, { stat = "Average", yAxis = "right" }],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", aws_ecs_service.this.name, { stat = "Average", yAxis = "right" }],
        ]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.prefix
  dashboard_body = jsonencode({ widgets = concat(local.infra_widgets, local.watch_widgets, local.rollout_widgets, local.app_metric_widgets) })
}

# --- Alarms -> SNS. Every alarm states what missing data means. ------------------------------

resource "aws_cloudwatch_metric_alarm" "target_5xx_rate" {
  alarm_name          = "${local.prefix}-5xx-rate"
  alarm_description   = "More than ${var.error_rate_threshold_percent}% of requests answered 5xx (targets and ALB)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  # No traffic means no errors.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(t5xx, 0) + FILL(e5xx, 0)) / requests"
    label       = "5xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "t5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "e5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.alb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "p99_latency" {
  alarm_name          = "${local.prefix}-p99-latency"
  alarm_description   = "p99 target response time above ${var.p99_latency_threshold_seconds}s."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.alb_dimensions
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.p99_latency_threshold_seconds
  # No requests, no latency to judge.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${local.prefix}-unhealthy-hosts"
  alarm_description   = "At least one task fails the /ready health check."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = local.tg_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # The ALB reports this every minute while it has targets; a gap is not evidence of health.
  treat_missing_data = "missing"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "model_load_failure" {
  alarm_name          = "${local.prefix}-model-load-failure"
  alarm_description   = "The service failed to load model ${var.model_name} (bad artifact, checksum, or S3 access)."
  namespace           = local.metrics_namespace
  metric_name         = "ModelLoadFailure"
  dimensions          = { service = local.service_name, model = var.model_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  # Emitted only on failure: silence is success.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}
