# terraform apply -var-file=environments/prod.tfvars
region             = "us-east-1"
environment        = "prod"
github_repository  = "your-org/inferno-mlaas"
single_nat_gateway = false
desired_count      = 2
min_capacity       = 2
max_capacity       = 10
task_cpu           = 512
task_memory        = 1024
log_retention_days = 365
# prod serves HTTPS only (Terraform refuses prod without a certificate). Replace both with your
# ACM certificate and the DNS name it covers (a CNAME/alias of the output alb_dns_name).
certificate_arn  = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
service_hostname = "api.example.com"
# alarm_email    = "oncall@example.com"
# The GitHub OIDC provider is one per account: false if dev already created it in this account.
create_github_oidc_provider = true
