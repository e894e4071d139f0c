#!/usr/bin/env bash
# The first apply, from an empty account to a serving task (iac/README.md, "From zero").
# Run from anywhere with AWS credentials that may create the stack, Docker with buildx, the gh
# CLI logged in to the repository, and `make install` done (for `inferno`).
#
#   STATE_BUCKET=my-org-inferno-tfstate AWS_REGION=us-east-1 GITHUB_REPOSITORY=owner/name \
#     iac/first-apply.sh prod
#
# Safe to re-run: each step skips what exists. Terraform refuses an image tag nobody pushed, so
# the order is fixed: state bucket, ECR alone, push the image, then the whole stack.
set -euo pipefail

env=${1:?usage: first-apply.sh dev|prod}
: "${STATE_BUCKET:?set STATE_BUCKET}" "${AWS_REGION:?set AWS_REGION}" "${GITHUB_REPOSITORY:?set GITHUB_REPOSITORY (owner/name)}"
root=$(cd "$(dirname "$0")/.." && pwd)
inferno=${INFERNO:-$root/.venv/bin/inferno}
tf() { terraform -chdir="$root/iac" "$@"; }
tag=$(git -C "$root" rev-parse HEAD)
vars=(-var-file="environments/$env.tfvars" -var "image_tag=$tag")

echo "1/8 state bucket s3://$STATE_BUCKET (versioned, encrypted, private)"
if ! aws s3api head-bucket --bucket "$STATE_BUCKET" 2> /dev/null; then
    location=()
    [[ $AWS_REGION == us-east-1 ]] || location=(--create-bucket-configuration "LocationConstraint=$AWS_REGION")
    aws s3api create-bucket --bucket "$STATE_BUCKET" --region "$AWS_REGION" "${location[@]}"
fi
aws s3api put-bucket-versioning --bucket "$STATE_BUCKET" --versioning-configuration Status=Enabled
aws s3api put-public-access-block --bucket "$STATE_BUCKET" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
aws s3api put-bucket-encryption --bucket "$STATE_BUCKET" --server-side-encryption-configuration \
    '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'

echo "2/8 terraform init (state in s3://$STATE_BUCKET)"
tf init -input=false -backend-config="environments/$env.s3.tfbackend" -backend-config="bucket=$STATE_BUCKET" \
    -backend-config="region=$AWS_REGION"

echo "3/8 the ECR repository alone (and the key it is encrypted with)"
tf apply -input=false -auto-approve "${vars[@]}" -target=aws_ecr_repository.this -target=aws_ecr_lifecycle_policy.this
repository=$(tf output -raw ecr_repository_url)

echo "4/8 push $repository:$tag (one image manifest: Lambda refuses OCI indexes)"
if ! aws ecr describe-images --repository-name "${repository#*/}" --image-ids imageTag="$tag" > /dev/null 2>&1; then
    aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "${repository%%/*}"
    docker buildx build --platform linux/amd64 --provenance=false --push --tag "$repository:$tag" "$root"
    # The daily retraining task's image (iac/retrain.tf names it by this tag).
    docker buildx build --platform linux/amd64 --provenance=false --push --target training \
        --tag "$repository:$tag-training" "$root"
fi

echo "5/8 the whole stack, running $tag"
tf apply -input=false -auto-approve "${vars[@]}"

echo "6/8 GitHub: the role variables CD and model release assume, and the OIDC subject"
gh variable set AWS_DEPLOY_ROLE_ARN --repo "$GITHUB_REPOSITORY" --body "$(tf output -raw deploy_role_arn)"
gh variable set AWS_MODEL_RELEASE_ROLE_ARN --repo "$GITHUB_REPOSITORY" --body "$(tf output -raw model_release_role_arn)"
gh variable set AWS_REGION --repo "$GITHUB_REPOSITORY" --body "$AWS_REGION"
gh variable set DEPLOY_PARAMETER --repo "$GITHUB_REPOSITORY" --body "$(tf output -raw deploy_parameter)"
# AWS reads only `sub` from GitHub's token: make it carry the environment and the workflow file.
gh api -X PUT "repos/$GITHUB_REPOSITORY/actions/oidc/customization/sub" --input - <<'JSON'
{"use_default": false, "include_claim_keys": ["repo", "context", "job_workflow_ref"]}
JSON

echo "7/8 the first model: only the model-release role may sign one, so its workflow publishes it"
store=$(tf output -raw model_store_uri)
if ! "$inferno" models --store "$store" | grep -q '"production"'; then
    gh workflow run model-release.yml --repo "$GITHUB_REPOSITORY" --ref main
    echo "   started Model release; tasks turn ready once it has published (gh run watch)"
fi

echo "8/8 CD's smoke key: a client key, kept only in Secrets Manager (CD reads it)"
secret=$(tf output -raw smoke_key_secret)
if ! aws secretsmanager get-secret-value --secret-id "$secret" > /dev/null 2>&1; then
    # `keys create` prints the key once; it goes straight into the secret, never a file or a log.
    aws secretsmanager put-secret-value --secret-id "$secret" \
        --secret-string "$("$inferno" keys create --client cd-smoke --store "$store")" > /dev/null
fi
echo "done: $(tf output -raw service_url) serves $tag once a model is published; push to main deploys the next"
