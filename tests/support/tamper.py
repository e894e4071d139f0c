"""An artifact altered after publishing, at its published length: the sha256 check, not the
length bound (the manifest's `artifact_bytes`), is what must refuse it."""


def tampered(artifact: bytes) -> bytes:
    return artifact[:-1] + bytes([artifact[-1] ^ 0xFF])
