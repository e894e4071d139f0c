"""Signing a release with the local key: the key pair is made once and kept private, and a
signature holds for exactly the manifest bytes it was made for."""

import stat
from pathlib import Path

import pytest

from model_build.release.signing import LocalSigner, sign_manifest
from shared.errors import WrongSignature
from shared.serving.release_signing import (
    PRIVATE_KEY_FILENAME,
    ReleaseVerifier,
    local_public_key,
)

MANIFEST = b'{"name": "fraud", "version": "v1"}'


def verifier(key_dir: Path) -> ReleaseVerifier:
    return ReleaseVerifier(f"local {key_dir}", lambda: local_public_key(key_dir))


def test_the_local_key_is_made_on_first_use_private_and_then_reused(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = LocalSigner(keys)
    assert stat.S_IMODE((keys / PRIVATE_KEY_FILENAME).stat().st_mode) == 0o600
    envelope = sign_manifest(MANIFEST, first)
    # A second signer (another process, another day) signs with the same key.
    verifier(keys).verify("fraud/v1", MANIFEST, sign_manifest(MANIFEST, LocalSigner(keys)))
    verifier(keys).verify("fraud/v1", MANIFEST, envelope)


def test_a_signature_does_not_hold_for_other_bytes_or_another_key(tmp_path: Path) -> None:
    envelope = sign_manifest(MANIFEST, LocalSigner(tmp_path / "keys"))
    with pytest.raises(WrongSignature, match="not signed by the release key"):
        verifier(tmp_path / "keys").verify("fraud/v1", MANIFEST.replace(b"v1", b"v2"), envelope)
    LocalSigner(tmp_path / "other")
    with pytest.raises(WrongSignature, match="not signed by the release key"):
        verifier(tmp_path / "other").verify("fraud/v1", MANIFEST, envelope)
