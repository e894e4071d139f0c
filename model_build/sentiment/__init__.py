"""The sentiment model's experiment: its data, candidate pipelines, evaluation by domain, the
VADER baseline, the choice of the default pipeline, its reports and its trainer."""
