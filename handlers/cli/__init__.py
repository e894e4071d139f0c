"""`inferno`: the command line for people, and the developer tools behind it (event replay
through the Lambda emulator, the smoke test)."""
