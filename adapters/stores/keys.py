"""The key directory, and the per-person keys that make erasure physical.

The key directory (``--key-dir``, ``REGISTRE_KEY_DIR``, by default
``~/.config/registre/keys``) is kept apart from the database: it holds the
deployment's signing key (``ledger.checkpoints``) and, in a folder of its own
per deployment, one random 256-bit key per person registered with personal
data. A person's name, contact and (for an organisation of one person) their
organisation's name are stored in the database only sealed with that key
(AES-256-GCM), and the receipt of their registration holds a fingerprint of
those fields keyed with it (HMAC-SHA256). Erasure destroys the key: the
sealed bytes left anywhere (a PostgreSQL heap file or WAL segment, a SQLite
free page, a backup) can no longer be opened, and the fingerprint can no
longer confirm a guessed name (crypto-shredding).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from registre.adapters.stores.config import StoreConfig

KEY_DIR_ENV = "REGISTRE_KEY_DIR"
KEY_BYTES = 32
NONCE_BYTES = 12


def key_dir(explicit: str | None = None) -> Path:
    """The key directory: the one given, ``REGISTRE_KEY_DIR``, or the user's default."""
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get(KEY_DIR_ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "registre" / "keys"


def legacy_deployment_id(config: StoreConfig) -> str:
    """The name earlier versions gave a store, from its file, or its server,
    database and schema: a store they wrote keeps it (its key files bear it).
    A new store draws a name of its own, recorded in it (``schema``), so that
    a store moved, copied or restored keeps its keys."""
    return "registre-" + hashlib.sha256(config.location.encode()).hexdigest()[:16]


class KeyMissing(Exception):
    """A person's key is not in the key directory (erased, or the directory lost)."""


class PersonalKeys:
    """One key per (programme, participant), one file each, in
    ``<key dir>/<deployment>.people/``; the file is named after a digest of
    the programme and participant key (both public in the record).

    Keys are written (and destroyed) as a command needs them, and made durable
    together by ``sync``, which the unit of work calls before the transaction
    that uses or erases them commits: one sync of the key folder per commit,
    not one per person."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # Key files made, used or destroyed since the last ``sync``.
        self._unsynced: set[Path] = set()

    @classmethod
    def for_deployment(cls, deployment: str, folder: Path | None = None) -> PersonalKeys:
        return cls((folder or key_dir()) / f"{deployment}.people")

    def path(self, programme: str, participant: str) -> Path:
        name = hashlib.sha256(f"{programme}\n{participant}".encode()).hexdigest()[:32]
        return self.folder / f"{name}.key"

    def get(self, programme: str, participant: str) -> bytes | None:
        try:
            key = self.path(programme, participant).read_bytes()
        except FileNotFoundError:
            return None
        return key if len(key) == KEY_BYTES else None

    def ensure(self, programme: str, participant: str) -> bytes:
        """The person's key, made if missing (two writers at once get the same
        one); on disk for good once ``sync`` returns.

        A new key is written to a file of its own and linked under the
        person's name: the link fails if the key exists (made before, by
        this process or another, perhaps not synced yet), and that one is
        kept. Nothing is read back but an existing key: an import
        registering thousands of people makes each key with one write."""
        path = self.path(programme, participant)
        made = secrets.token_bytes(KEY_BYTES)
        partial = path.with_suffix(f".{secrets.token_hex(6)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            fd = os.open(partial, flags, 0o600)
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(partial, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(made)
            # A hard link fails if another writer made the key first: theirs is kept.
            os.link(partial, path)
        except FileExistsError:
            made = b""
        finally:
            partial.unlink(missing_ok=True)
        self._unsynced.add(path)
        if made:
            return made
        found = self.get(programme, participant)
        if found is None:  # pragma: no cover - the file was removed at once
            raise KeyMissing(f"the key of participant {participant} could not be kept")
        return found

    def destroy(self, programme: str, participant: str) -> None:
        """Overwrites and removes the person's key (nothing to do if it is gone);
        its folder entry is gone for good once ``sync`` returns."""
        path = self.path(programme, participant)
        try:
            with path.open("r+b") as f:
                f.write(b"\0" * KEY_BYTES)
                f.flush()
                # The zeros reach the disk before the file is unlinked, which
                # would leave them unwritten.
                os.fsync(f.fileno())
        except FileNotFoundError:
            return
        path.unlink(missing_ok=True)
        self._unsynced.add(path)

    def sync(self) -> None:
        """Makes every key written, used or destroyed since the last call durable,
        with the folder's entries, in one pass: one ``syncfs`` of the key
        folder's file system where the system has it, else each file, then
        the folder."""
        if not self._unsynced:
            return
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            if not _syncfs(folder):
                for path in sorted(self._unsynced):
                    try:
                        fd = os.open(path, os.O_RDONLY)
                    except FileNotFoundError:
                        continue  # destroyed
                    try:
                        os.fdatasync(fd)
                    finally:
                        os.close(fd)
                os.fsync(folder)
        finally:
            os.close(folder)
        self._unsynced.clear()


def _syncfs(fd: int) -> bool:
    """Linux's syncfs(2) of the file system holding ``fd``: True if done, False
    where the system has no such call; OSError if it failed."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syncfs(fd) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return True


def _subkey(key: bytes, purpose: str) -> bytes:
    # The cryptography library is imported by the commands that seal or open
    # personal data, not by every command.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(key)


def seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    """AES-256-GCM: a random nonce, then the ciphertext and its tag; ``context``
    (the programme and participant) is authenticated, so a row moved to another
    person does not open."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(_subkey(key, "registre seal")).encrypt(nonce, plaintext, context.encode())


def unseal(key: bytes, sealed: bytes, context: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return AESGCM(_subkey(key, "registre seal")).decrypt(nonce, body, context.encode())


def keyed_digest(key: bytes, data: bytes) -> str:
    """HMAC-SHA256 of ``data`` with a subkey of the person's key."""
    return hmac.new(_subkey(key, "registre fingerprint"), data, hashlib.sha256).hexdigest()
