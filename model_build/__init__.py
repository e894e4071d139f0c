"""Training, evaluation and publishing of model artifacts."""
