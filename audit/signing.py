"""The deployment's Ed25519 checkpoint key: read from a setting or a file (generated for the demo), never stored."""
import base64
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SigningKeyPair:
    key_id: str
    public_key: str  # base64 of the 32 raw bytes
    private: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")


def key_id_of(public_raw: bytes) -> str:
    """The first 16 bytes of SHA-256 over the raw public key, in hex: names the key in every checkpoint."""
    return hashlib.sha256(public_raw).hexdigest()[:32]


def load_signing_key() -> SigningKeyPair:
    """The current key, read anew each time so that replacing the file or setting rotates it."""
    private = _from_setting() or _from_file()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKeyPair(key_id_of(raw), base64.b64encode(raw).decode("ascii"), private)


def _from_setting() -> Ed25519PrivateKey | None:
    if not settings.SIGNING_KEY:
        return None
    try:
        seed = base64.b64decode(settings.SIGNING_KEY, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError:
        raise ImproperlyConfigured("SIGNING_KEY must be the base64 of a 32-byte Ed25519 private key.") from None


def _from_file() -> Ed25519PrivateKey:
    path = Path(settings.SIGNING_KEY_FILE)
    if not path.exists():
        if not settings.SIGNING_KEY_GENERATE:
            raise ImproperlyConfigured(f"No checkpoint signing key: set SIGNING_KEY or create {path} "
                                       "(see the README, 'Signed checkpoints').")
        _generate(path)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        raise ImproperlyConfigured(f"{path} is not a PEM private key.") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} holds a key that is not Ed25519.")
    return private


def _generate(path: Path) -> None:
    """Write a new key readable by its owner only; if another process got there first, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, pem)
        os.close(descriptor)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def write_new_key_file(path: Path) -> None:
    """A fresh key file for rotation (`checkpoint --new-key PATH`); refuses to overwrite one."""
    if path.exists():
        raise ImproperlyConfigured(f"{path} exists; choose a new file for the new key.")
    _generate(path)
