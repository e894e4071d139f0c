"""Drift: a reference profile saved with each model version, captured traffic read back for a
time window, and an Evidently report comparing the two (with live quality where feedback
exists). `inferno drift` (handlers/cli/drift.py) runs it; README.md here says how."""
