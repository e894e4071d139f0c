"""Escalation events: per-model rules in the store turn answers into named events, sent off the
request path to an EventBridge bus (AWS) or a JSONL file (laptop). See README.md."""
