"""The station folder: station.toml, the keys and the database, created once by ``init``.

HOME/
  station.toml
  keys/            mode 0700
    signing.key    Ed25519 private key (PKCS#8 PEM), mode 0600
    tls.key        ECDSA P-256 private key (PKCS#8 PEM), mode 0600
    sealing-mlkem768x25519.key
                   ML-KEM-768 seed and X25519 key (96 bytes), mode 0600: what courier files are sealed to
    tls.crt        self-signed TLS certificate, pinned by peers
  detente.db       SQLite database (WAL)
  serve.lock       held by the running ``detente serve``
"""

from __future__ import annotations

import datetime
import fcntl
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey

from .config import StationConfig, load_config, render_config, validate_config
from .errors import StationError
from .identity import build_card, certificate_sha256, generate_signing_key, generate_tls_identity, load_signer
from .ledger.note import NoteSigner, key_name
from .protocol.signing import Signer
from .relays import card_entries, load_relays
from .sealing import Sealer, generate_sealing_key
from .store import Store, open_store

__all__ = ["Home", "ServeLock", "create_station"]


@dataclass(frozen=True)
class Home:
    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / "station.toml"

    @property
    def keys_dir(self) -> Path:
        return self.path / "keys"

    @property
    def signing_key_path(self) -> Path:
        return self.keys_dir / "signing.key"

    @property
    def checkpoint_key_path(self) -> Path:
        return self.keys_dir / "checkpoint-mldsa65.key"

    @property
    def sealing_key_path(self) -> Path:
        return self.keys_dir / "sealing-mlkem768x25519.key"

    @cached_property
    def sealer(self) -> Sealer:
        """The station's private sealing key; a station made before sealing existed gets one now
        (its card then carries it: give the peer the new card, `peer update` takes it)."""
        path = self.sealing_key_path
        try:
            if not path.exists():
                generate_sealing_key(path)
            return Sealer(path.read_bytes())
        except FileExistsError:
            return Sealer(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise StationError(f"cannot load the sealing key {path}: {exc}") from None

    @property
    def tls_key_path(self) -> Path:
        return self.keys_dir / "tls.key"

    @property
    def tls_cert_path(self) -> Path:
        return self.keys_dir / "tls.crt"

    @property
    def lock_path(self) -> Path:
        return self.path / "serve.lock"

    @cached_property
    def config(self) -> StationConfig:
        if not self.config_path.exists():
            raise StationError(f"{self.path} is not a station folder (no station.toml); create one with `detente init`")
        return load_config(self.config_path)

    @property
    def database_path(self) -> Path:
        return self.path / self.config.database

    @cached_property
    def signer(self) -> Signer:
        try:
            return load_signer(self.signing_key_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise StationError(f"cannot load the signing key {self.signing_key_path}: {exc}") from None

    @cached_property
    def note_signer(self) -> NoteSigner:
        """The station's checkpoint and cosignature keys: its Ed25519 key and its ML-DSA-65 key."""
        try:
            mldsa = serialization.load_pem_private_key(self.checkpoint_key_path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise StationError(f"cannot load the checkpoint key {self.checkpoint_key_path}: {exc}") from None
        if not isinstance(mldsa, MLDSA65PrivateKey):
            raise StationError(f"{self.checkpoint_key_path} is not an ML-DSA-65 key")
        return NoteSigner(key_name(self.config.station_id), self.signer.seed, mldsa.private_bytes_raw())

    @cached_property
    def tls_certificate(self) -> str:
        try:
            return self.tls_cert_path.read_text(encoding="ascii")
        except OSError as exc:
            raise StationError(f"cannot read the TLS certificate {self.tls_cert_path}: {exc}") from None

    @property
    def database_name(self) -> str:
        """The station database, as messages name it (a PostgreSQL URL without its password)."""
        if self.config.store:
            from .store.postgres import redact

            return redact(self.config.store)
        return str(self.database_path)

    def open_store(self) -> Store:
        """The station's database: PostgreSQL when station.toml's ``store`` says so, else SQLite."""
        if self.config.store:
            from .store.postgres import PostgresStore  # psycopg is loaded only by stations that use it

            store: Store = PostgresStore(self.config.store, application=f"detente {self.config.party}")
        else:
            store = open_store(self.database_path)
        owner = store.get_meta("station_id")
        if owner != self.config.station_id:
            store.close()
            if owner is None and self.config.store:
                raise StationError(
                    f"database {self.database_name} holds no station yet; move this station into it with "
                    f"`detente store migrate --home {self.path} --from sqlite --to URL`"
                )
            setting = "store" if self.config.store else "database"
            raise StationError(
                f"database {self.database_name} belongs to station {owner}, not {self.config.station_id}; "
                f"check station.toml's {setting} setting"
            )
        return store

    def _own_relay(self) -> list[dict[str, Any]]:
        """The relay this station runs for its peers (``relay_listen``), as its card lists it."""
        config = self.config
        address = config.relay_advertise or config.relay_listen
        if not address:
            return []
        return [
            {
                "name": config.party.lower(),
                "endpoints": [f"tls://{address}"],
                "tls_sha256": certificate_sha256(self.tls_certificate),
                "station": config.station_id,
            }
        ]

    def card(self) -> dict[str, Any]:
        config = self.config
        return build_card(
            signer=self.signer,
            note_signer=self.note_signer,
            name=config.name,
            party=config.party,
            station_id=config.station_id,
            language=config.language,
            cert_pem=self.tls_certificate,
            endpoints=tuple(f"tls://{address}" for address in config.endpoints),
            sealing_key=self.sealer.public,
            relays=card_entries(load_relays(self.path)) + self._own_relay(),
        )


def create_station(
    path: Path,
    *,
    name: str,
    party: str,
    listen: str,
    language: str,
    console: str = StationConfig.console,
    store: str = "",
) -> Home:
    """``detente init``: refuse an existing station; write keys (0600), config and database
    (a SQLite file, or the empty PostgreSQL database ``store`` names)."""
    home = Home(path)
    if home.config_path.exists() or home.keys_dir.exists():
        raise StationError(f"{path} already holds a station; refusing to overwrite it (choose another --home)")
    station_id = f"{party}-{secrets.token_hex(6)}"
    config = StationConfig(
        name=name,
        party=party,
        station_id=station_id,
        language=language,
        listen=(listen,),
        advertise=(listen,),
        console=console,
        store=store,
    )
    validate_config(config, "init")
    database: Store | None = None
    if store:  # an unusable database is refused before any key is made
        from .store.postgres import PostgresStore, redact

        database = PostgresStore(store, application=f"detente {party} init")
        held = database.get_meta("station_id")
        if held is not None:
            database.close()
            raise StationError(f"database {redact(store)} already holds station {held}; give init an empty one")
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    home.keys_dir.mkdir(mode=0o700)
    os.chmod(home.keys_dir, 0o700)
    _write_private(home.signing_key_path, generate_signing_key())
    _write_private(
        home.checkpoint_key_path,
        MLDSA65PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    generate_sealing_key(home.sealing_key_path)
    tls_key, tls_cert = generate_tls_identity(station_id, name, datetime.datetime.now(datetime.UTC))
    _write_private(home.tls_key_path, tls_key)
    home.tls_cert_path.write_bytes(tls_cert)
    if database is None:
        (home.path / config.database).touch(mode=0o600)
        database = open_store(home.path / config.database, create=True)
    try:
        database.set_meta("station_id", station_id)
    finally:
        database.close()
    tmp = home.config_path.with_suffix(".toml.tmp")
    tmp.write_text(render_config(config), encoding="utf-8")
    os.replace(tmp, home.config_path)
    return home


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


class ServeLock:
    """An exclusive lock on HOME/serve.lock so that only one ``serve`` runs per station."""

    def __init__(self, home: Home) -> None:
        self._path = home.lock_path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StationError(
                f"another `detente serve` is already running for {self._path.parent} (it holds {self._path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def holder(home: Home) -> int | None:
        """The pid of the running serve, or None when no serve holds the lock."""
        try:
            fd = os.open(home.lock_path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = home.lock_path.read_text().strip()
            return int(text) if text.isdigit() else -1
        finally:
            os.close(fd)
        return None
