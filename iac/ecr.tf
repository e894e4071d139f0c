resource "aws_ecr_repository" "this" {
  name                 = local.prefix
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.environment != "prod"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.this.arn
  }
}

# The image the first task definition and the batch function run. Read from ECR, so a tag
# nobody pushed fails the plan (the first apply pushes one first: iac/first-apply.sh).
data "aws_ecr_image" "this" {
  repository_name = aws_ecr_repository.this.name
  image_tag       = var.image_tag
}

# What runs must never expire. CD tags every image it deploys `deployed-<sha>` (once the service
# and the batch function run it); the first rule keeps the 10 newest of those, and an image a
# rule selects by tag is never expired by a lower-priority rule. So the running image and the
# last rollback targets stay however many images are pushed after them; other SHA images keep
# the newest 30; untagged layers go after a week.
resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Keep the 10 most recently deployed images (what the service and the batch function run, and rollbacks)"
        selection    = { tagStatus = "tagged", tagPrefixList = [local.deployed_tag_prefix], countType = "imageCountMoreThan", countNumber = 10 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Expire untagged images after 7 days"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Keep the 30 most recent images never deployed"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
        action       = { type = "expire" }
      },
    ]
  })
}

locals {
  # CD adds `<prefix><sha>` to an image once it runs (cd.yml); the lifecycle policy keeps those.
  deployed_tag_prefix = "deployed-"
}
