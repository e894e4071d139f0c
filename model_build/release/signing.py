"""Release signing for `inferno publish`: the KMS key in AWS, a local key pair otherwise."""

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from shared.serving.release_signing import (
    ALGORITHM,
    PRIVATE_KEY_FILENAME,
    PUBLIC_KEY_FILENAME,
    signature_envelope,
    signed_message,
)
from shared.settings import Settings


class Signer(Protocol):
    key_id: str

    def sign(self, message: bytes) -> bytes:
        """A DER-encoded ECDSA P-256 / SHA-256 signature of `message`."""


class KmsSigner:
    """Signs with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the key never leaves KMS."""

    def __init__(self, key_id: str, client: Any = None) -> None:
        import boto3

        self.key_id = key_id
        self._client: Any = client or boto3.client("kms")

    def sign(self, message: bytes) -> bytes:
        answer = self._client.sign(
            KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM
        )
        signature: bytes = answer["Signature"]
        return signature


class LocalSigner:
    """The embedded default's key pair, made on first use in `key_dir` (private key 0600)."""

    def __init__(self, key_dir: Path) -> None:
        self.key_id = f"local:{key_dir / PUBLIC_KEY_FILENAME}"
        self._key = _local_private_key(key_dir)

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        signature: bytes = self._key.sign(message, ec.ECDSA(hashes.SHA256()))
        return signature


def signer_from_settings(settings: Settings) -> Signer:
    if settings.model_signing_key_id:
        return KmsSigner(settings.model_signing_key_id)
    return LocalSigner(settings.model_signing_key_dir)


def sign_manifest(manifest_bytes: bytes, signer: Signer) -> bytes:
    """The `manifest.sig` for these exact manifest bytes."""
    return signature_envelope(signer.key_id, signer.sign(signed_message(manifest_bytes)))


def _local_private_key(key_dir: Path) -> Any:
    """Load the pair, or create it: concurrent first uses agree on one key (link is atomic)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private_path = key_dir / PRIVATE_KEY_FILENAME
    if not private_path.exists():
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor, scratch = tempfile.mkstemp(dir=key_dir, prefix=".release-key-")
        try:
            os.write(descriptor, pem)  # mkstemp made it 0600
            os.close(descriptor)
            with contextlib.suppress(FileExistsError):  # another process won: use its key
                os.link(scratch, private_path)
        finally:
            Path(scratch).unlink()
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_path = key_dir / PUBLIC_KEY_FILENAME
    if not public_path.exists() or public_path.read_bytes() != public_pem:
        scratch_public = key_dir / f".{PUBLIC_KEY_FILENAME}.{os.getpid()}"
        scratch_public.write_bytes(public_pem)
        scratch_public.replace(public_path)
    return key
