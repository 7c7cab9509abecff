"""Personal keys are made durable together, once per commit, and always before
the transaction that seals with them (or erases them) commits."""

from __future__ import annotations

import os
from typing import Any

import pytest
from service_support import ctx, open_programme, register

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores import keys as keys_module
from registre.adapters.stores.keys import PersonalKeys
from registre.domain import OrganisationType

LAYER = "integration"


def watch(service: Registre, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Records, in order, each sync of the key folder (with the key files present
    then) and each transaction that inserts events."""
    calls: list[Any] = []
    keys = service.store.keys
    sync = keys.sync

    def watched_sync() -> None:
        sync()
        calls.append(("sync", {p.name for p in keys.folder.glob("*.key")}))

    monkeypatch.setattr(keys, "sync", watched_sync)
    recorder: Any = service.store.app.recorder
    insert = recorder.insert_events

    def watched_insert(stored: Any, **kwargs: Any) -> Any:
        calls.append(("insert", {p.name for p in keys.folder.glob("*.key")}))
        return insert(stored, **kwargs)

    monkeypatch.setattr(recorder, "insert_events", watched_insert)
    return calls


def test_a_key_is_synced_before_the_registration_commits(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, "p")
    calls = watch(service, monkeypatch)
    register(service, "p", "P1")
    key_file = service.store.keys.path("p", "P1").name
    kinds = [kind for kind, _ in calls]
    assert kinds == ["sync", "insert"]
    assert key_file in calls[0][1]


def test_an_erased_key_is_gone_and_synced_before_the_erasure_commits(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, "p")
    register(service, "p", "P1")
    key_file = service.store.keys.path("p", "P1").name
    calls = watch(service, monkeypatch)
    service.handle(c.EraseParticipant(programme="p", key="P1", reason="request"), ctx())
    assert [kind for kind, _ in calls] == ["sync", "insert"]
    assert key_file not in calls[0][1]
    assert service.store.keys.get("p", "P1") is None


def test_a_batch_syncs_its_keys_once_per_transaction(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, "p")
    syncs: list[int] = []
    real = keys_module._syncfs

    def counted(fd: int) -> bool:
        syncs.append(fd)
        return real(fd)

    monkeypatch.setattr(keys_module, "_syncfs", counted)
    with service.batch(per_transaction=10) as batch:
        for n in range(20):
            batch.handle(
                c.RegisterParticipant(
                    programme="p",
                    key=f"P{n}",
                    name=f"Personne {n}",
                    organisation="Atelier",
                    organisation_type=OrganisationType.SME,
                ),
                ctx(),
            )
    assert 1 <= len(syncs) <= 2  # two transactions of ten, not twenty syncs
    for n in range(20):
        assert service.store.keys.get("p", f"P{n}") is not None


def test_without_syncfs_each_key_file_and_the_folder_are_synced(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keys_module, "_syncfs", lambda fd: False)
    synced: list[int] = []
    real_fdatasync, real_fsync = os.fdatasync, os.fsync

    def record(fd: int) -> None:
        synced.append(fd)

    monkeypatch.setattr(os, "fdatasync", record)
    monkeypatch.setattr(os, "fsync", record)
    keys = PersonalKeys(tmp_path / "people")
    first = keys.ensure("p", "a")
    keys.ensure("p", "b")
    assert synced == []  # nothing synced one person at a time
    keys.sync()
    assert len(synced) == 3  # two key files, then the folder
    keys.sync()
    assert len(synced) == 3  # nothing left to sync
    monkeypatch.setattr(os, "fdatasync", real_fdatasync)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert keys.ensure("p", "a") == first
