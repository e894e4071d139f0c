"""Rollouts: a candidate version judged on live traffic (shadow or canary) before it is promoted."""
