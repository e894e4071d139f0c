"""Models a data scientist brings, trained the way they would be, each ending in the files
`inferno package` takes (see model_build/SERVE_YOUR_MODEL.md). Run one with
`.venv/bin/python -m model_build.examples.<name> OUTPUT_DIR`."""
