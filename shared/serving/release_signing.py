"""Signed releases: a version serves only if its manifest carries the release key's signature.

`inferno publish` signs the manifest's exact bytes (which hold the artifact's sha256) and writes
`manifest.sig` beside it. The service verifies with the public key alone: read once per process
(KMS GetPublicKey, or the local key pair's public half) and cached, so no KMS call sits on the
request path or on each load. The key that verifies comes from settings, never from the
signature file: an envelope can name any key it likes.
"""

import base64
import hashlib
import json
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared.errors import StoreKeyNotFound, UnsignedRelease, WrongSignature
from shared.manifest import MANIFEST_FILENAME, ModelManifest
from shared.settings import Settings
from shared.store.base import (
    MANIFEST_MAX_BYTES,
    SIGNATURE_MAX_BYTES,
    ModelStore,
    version_key,
)

SIGNATURE_FILENAME = "manifest.sig"
# KMS's name for ECDSA on P-256 with SHA-256; the local key pair uses the same curve.
ALGORITHM = "ECDSA_SHA_256"
PRIVATE_KEY_FILENAME = "release-key.pem"
PUBLIC_KEY_FILENAME = "release-key.pub.pem"
_DOMAIN = b"inferno-release-manifest-v1\n"


def signed_message(manifest_bytes: bytes) -> bytes:
    """What the key signs: a fixed prefix and the manifest's sha256. Small enough for KMS's
    RAW messages (4 KB) whatever the manifest's size, and useless for anything but this."""
    return _DOMAIN + hashlib.sha256(manifest_bytes).hexdigest().encode()


def signature_envelope(key_id: str, signature: bytes) -> bytes:
    envelope = {
        "algorithm": ALGORITHM,
        "key_id": key_id,
        "signature": base64.b64encode(signature).decode(),
    }
    return json.dumps(envelope, indent=2).encode()


class ReleaseVerifier:
    """Checks manifest signatures with one public key, fetched on first use and kept."""

    def __init__(self, describe: str, public_key_der: Callable[[], bytes]) -> None:
        self.describe = describe
        self._fetch = public_key_der
        self._key: Any = None
        self._lock = threading.Lock()

    def verify(self, where: str, manifest_bytes: bytes, envelope: bytes) -> None:
        """Raises WrongSignature unless `envelope` is the release key's signature of it."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            parsed = json.loads(envelope)
            signature = base64.b64decode(parsed["signature"], validate=True)
            algorithm = parsed["algorithm"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WrongSignature(f"{where}: {SIGNATURE_FILENAME} is not readable: {exc}") from exc
        if algorithm != ALGORITHM:
            raise WrongSignature(f"{where}: signature algorithm {algorithm!r} is not {ALGORITHM}")
        try:
            key = self._public_key()
            key.verify(signature, signed_message(manifest_bytes), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise WrongSignature(
                f"{where}: manifest is not signed by the release key ({self.describe})"
            ) from exc

    def _public_key(self) -> Any:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_der_public_key

        with self._lock:
            if self._key is None:
                key = load_der_public_key(self._fetch())
                if not isinstance(key, ec.EllipticCurvePublicKey):
                    raise WrongSignature(f"release key {self.describe} is not an ECC key")
                self._key = key
            return self._key


@lru_cache(maxsize=8)
def _verifier(kms_key_id: str | None, key_dir: Path) -> ReleaseVerifier:
    if kms_key_id:
        return ReleaseVerifier(f"KMS {kms_key_id}", lambda: kms_public_key(kms_key_id))
    return ReleaseVerifier(f"local {key_dir}", lambda: local_public_key(key_dir))


def release_verifier(settings: Settings) -> ReleaseVerifier:
    """One verifier per key per process: the public key is read once, not per load."""
    return _verifier(settings.model_signing_key_id, settings.model_signing_key_dir)


def read_signed_manifest(
    store: ModelStore, name: str, version: str, settings: Settings
) -> ModelManifest:
    """The version's manifest, refused (like a tampered one) unless the release key signed it."""
    where = f"{name}/{version}"
    manifest_bytes = store.read(version_key(name, version, MANIFEST_FILENAME), MANIFEST_MAX_BYTES)
    try:
        signature_key = version_key(name, version, SIGNATURE_FILENAME)
        envelope: bytes | None = store.read(signature_key, SIGNATURE_MAX_BYTES)
    except StoreKeyNotFound:
        envelope = None
    if envelope is not None:
        release_verifier(settings).verify(where, manifest_bytes, envelope)
    elif settings.require_signed_models:
        raise UnsignedRelease(
            f"{where}: no {SIGNATURE_FILENAME}; sign it with `inferno publish` "
            "(REQUIRE_SIGNED_MODELS is on)"
        )
    return ModelManifest.model_validate_json(manifest_bytes)


def kms_public_key(key_id: str) -> bytes:
    """The KMS key's public half (DER SubjectPublicKeyInfo): one GetPublicKey call."""
    import boto3

    client: Any = boto3.client("kms")
    answer = client.get_public_key(KeyId=key_id)
    if ALGORITHM not in answer.get("SigningAlgorithms", []):
        raise WrongSignature(f"KMS key {key_id} cannot sign with {ALGORITHM}")
    public_key: bytes = answer["PublicKey"]
    return public_key


def local_public_key(key_dir: Path) -> bytes:
    """The local key pair's public half; only `inferno publish` creates the pair."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_public_key,
    )

    path = key_dir / PUBLIC_KEY_FILENAME
    try:
        key = load_pem_public_key(path.read_bytes())
    except FileNotFoundError as exc:
        raise WrongSignature(
            f"no release public key at {path}: publish a model (`inferno publish`) to create "
            "the local key pair, or set MODEL_SIGNING_KEY_DIR"
        ) from exc
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
