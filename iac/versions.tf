terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: bucket, key and region come from environments/<env>.s3.tfbackend
  # (`terraform init -backend-config=environments/prod.s3.tfbackend`). S3-native locking
  # (use_lockfile) replaces the deprecated DynamoDB lock table.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "inferno-mlaas"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
