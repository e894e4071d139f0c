"""The original Inferno service design, kept as the benchmark's yardstick."""
