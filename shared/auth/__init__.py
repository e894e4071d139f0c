"""Client keys, per-process rates and fleet-wide daily quotas (see handlers/http/AUTH.md)."""
