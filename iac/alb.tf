locals {
  https = var.certificate_arn != null
  # With a certificate, clients (and CD's smoke test) use the name it covers, not the ALB's.
  service_url = local.https ? "https://${var.service_hostname}" : "http://${aws_lb.this.dns_name}"
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_20:HTTP redirects to HTTPS whenever certificate_arn is set; without one (dev) HTTP is the only listener.
  name                       = local.prefix
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = local.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  idle_timeout               = local.alb_idle_timeout_seconds
  drop_invalid_header_fields = true
  enable_deletion_protection = var.enable_deletion_protection

  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb"
    enabled = true
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; ALB-to-task traffic stays in private subnets, admitted only by the task security group.
  name                 = local.prefix
  port                 = local.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = local.vpc_id
  deregistration_delay = local.deregistration_delay_seconds

  health_check {
    port                = local.health_port
    path                = local.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:Plain HTTP forwards only when no certificate is given (dev); with certificate_arn it redirects to HTTPS.
  #checkov:skip=CKV_AWS_103:TLS policy is set on the HTTPS listener; this one is plain HTTP.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.this.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

# --- WAF: AWS managed baseline rules in front of the API ----------------------------------

locals {
  # Prediction bodies are free text: feedback quoting <script>, ../ or a URL is ordinary there.
  waf_prediction_path = "^/(predict|models/[^/]+/predict)(/.*)?$"
  # Counted (logged, not blocked) on prediction routes; blocked everywhere else.
  waf_free_text_rules = [
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
    "NoUserAgent_HEADER",
  ]
  # Every rule of each managed group, named so its block answers with the API's JSON error
  # shape (a managed group's own block has WAF's HTML body). A rule AWS adds later keeps the
  # default body until it is listed here.
  waf_common_rules = [
    "NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_QUERYSTRING",
    "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_BODY", "SizeRestrictions_URIPATH",
    "EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_URIPATH",
    "EC2MetaDataSSRF_QUERYARGUMENTS", "GenericLFI_QUERYARGUMENTS", "GenericLFI_URIPATH",
    "GenericLFI_BODY", "RestrictedExtensions_URIPATH", "RestrictedExtensions_QUERYARGUMENTS",
    "GenericRFI_QUERYARGUMENTS", "GenericRFI_BODY", "GenericRFI_URIPATH",
    "CrossSiteScripting_COOKIE", "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_BODY",
    "CrossSiteScripting_URIPATH",
  ]
  waf_known_bad_inputs_rules = [
    "JavaDeserializationRCE_HEADER", "JavaDeserializationRCE_BODY", "JavaDeserializationRCE_URIPATH",
    "JavaDeserializationRCE_QUERYSTRING", "Host_localhost_HEADER", "PROPFIND_METHOD",
    "ExploitablePaths_URIPATH", "Log4JRCE_HEADER", "Log4JRCE_QUERYSTRING", "Log4JRCE_BODY",
    "Log4JRCE_URIPATH",
  ]
  # The API accepts bodies up to 1 MB by design (MAX_BODY_BYTES); the app enforces it. API
  # clients often run in clouds: hosting-provider addresses are counted, anonymizers blocked.
  waf_counted_everywhere = ["SizeRestrictions_BODY", "HostingProviderIPList"]
  # Both rules of the common set, by where they apply: prediction routes, and the rest.
  waf_common_scopes = {
    prediction = { priority = 1, counted = concat(local.waf_free_text_rules, local.waf_counted_everywhere) }
    other      = { priority = 2, counted = local.waf_counted_everywhere }
  }
  waf_anonymous_ip_rules = ["AnonymousIPList", "HostingProviderIPList"]
  # The API's error shape: {"detail": "..."}.
  waf_bodies = {
    blocked      = { detail = "Request blocked by the web application firewall." }
    rate_limited = { detail = "Too many requests from this address; retry in a few minutes." }
  }
}

resource "aws_wafv2_web_acl" "this" {
  name  = local.prefix
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  dynamic "custom_response_body" {
    for_each = local.waf_bodies
    content {
      key          = custom_response_body.key
      content      = jsonencode(custom_response_body.value)
      content_type = "APPLICATION_JSON"
    }
  }

  # One client address cannot take the API for itself: 429 past the limit in 5 minutes.
  rule {
    name     = "rate-per-address"
    priority = 0

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = "rate_limited"
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.prefix}-rate-per-address"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = local.waf_common_scopes
    content {
      name     = "common-${rule.key}"
      priority = rule.value.priority

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = "AWSManagedRulesCommonRuleSet"

          dynamic "rule_action_override" {
            for_each = local.waf_common_rules
            content {
              name = rule_action_override.value
              action_to_use {
                dynamic "count" {
                  for_each = contains(rule.value.counted, rule_action_override.value) ? [1] : []
                  content {}
                }
                dynamic "block" {
                  for_each = contains(rule.value.counted, rule_action_override.value) ? [] : [1]
                  content {
                    custom_response {
                      response_code            = 403
                      custom_response_body_key = "blocked"
                    }
                  }
                }
              }
            }
          }

          scope_down_statement {
            dynamic "regex_match_statement" {
              for_each = rule.key == "prediction" ? [1] : []
              content {
                regex_string = local.waf_prediction_path
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }

            dynamic "not_statement" {
              for_each = rule.key == "prediction" ? [] : [1]
              content {
                statement {
                  regex_match_statement {
                    regex_string = local.waf_prediction_path
                    field_to_match {
                      uri_path {}
                    }
                    text_transformation {
                      priority = 0
                      type     = "NONE"
                    }
                  }
                }
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${local.prefix}-common-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  # This rule and the next have one shape, but stay written out: checkov's Log4j checks
  # (CKV_AWS_192, CKV2_AWS_76) find the KnownBadInputs group only in a static rule block.
  rule {
    name     = "known-bad-inputs"
    priority = 3

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"

        dynamic "rule_action_override" {
          for_each = local.waf_known_bad_inputs_rules
          content {
            name = rule_action_override.value
            action_to_use {
              dynamic "count" {
                for_each = contains(local.waf_counted_everywhere, rule_action_override.value) ? [1] : []
                content {}
              }
              dynamic "block" {
                for_each = contains(local.waf_counted_everywhere, rule_action_override.value) ? [] : [1]
                content {
                  custom_response {
                    response_code            = 403
                    custom_response_body_key = "blocked"
                  }
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.prefix}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "anonymous-ip"
    priority = 4

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        dynamic "rule_action_override" {
          for_each = local.waf_anonymous_ip_rules
          content {
            name = rule_action_override.value
            action_to_use {
              dynamic "count" {
                for_each = contains(local.waf_counted_everywhere, rule_action_override.value) ? [1] : []
                content {}
              }
              dynamic "block" {
                for_each = contains(local.waf_counted_everywhere, rule_action_override.value) ? [] : [1]
                content {
                  custom_response {
                    response_code            = 403
                    custom_response_body_key = "blocked"
                  }
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.prefix}-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.prefix
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

resource "aws_cloudwatch_log_group" "waf" {
  # WAF requires this name prefix.
  name              = "aws-waf-logs-${local.prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]
}
