"""Drift's shared half: the reference profile saved with each model version (written by
model_build at packaging time) and the columns and text descriptors it and the report compare.
The report itself (captured traffic read back for a time window, Evidently, live quality) is
`inferno drift`'s, in handlers/cli/drift/; README.md here says how the whole works."""
