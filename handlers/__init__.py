"""The HTTP service, its handler functions, the Lambda entry point and the `inferno` CLI."""
