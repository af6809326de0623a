"""Operator accounts through the API, for the admin role only."""

from __future__ import annotations

import pytest

from detente.operators import check_password

from .conftest import Desk

pytestmark = pytest.mark.anyio


async def test_an_admin_adds_lists_and_disables_accounts(desk: Desk) -> None:
    admin = desk.session("Admin", "admin")
    added = await desk.call("POST", "/api/v1/operators", admin, json={"name": "Lt. Haddad", "role": "supervisor"})
    assert added.status_code == 201
    reply = added.json()
    assert reply["operator"]["role"] == "supervisor" and reply["operator"]["must_change"] is True
    assert check_password(desk.store, "Lt. Haddad", reply["password"]) is not None, "the one-time password works"
    listed = (await desk.call("GET", "/api/v1/operators", admin)).json()["operators"]
    assert [(a["name"], a["role"]) for a in listed] == [("Admin", "admin"), ("Lt. Haddad", "supervisor")]
    assert all("password" not in str(a) for a in listed)
    twice = await desk.call("POST", "/api/v1/operators", admin, json={"name": "Lt. Haddad", "role": "operator"})
    assert twice.status_code == 409
    bad = await desk.call("POST", "/api/v1/operators", admin, json={"name": "", "role": "general"})
    assert bad.status_code == 422 and {p["path"] for p in bad.json()["problems"]} == {"name", "role"}

    haddad = desk.session("Sgt. Ali")
    disabled = await desk.call("POST", "/api/v1/operators/Sgt. Ali/disable", admin)
    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    assert (await desk.call("GET", "/api/v1/messages", haddad)).status_code == 401, "its session ended"
    again = await desk.call("POST", "/api/v1/operators/Sgt. Ali/disable", admin)
    assert again.status_code == 409
    assert (await desk.call("POST", "/api/v1/operators/Nobody/disable", admin)).status_code == 404
    itself = await desk.call("POST", "/api/v1/operators/Admin/disable", admin)
    assert itself.status_code == 409 and desk.store.operator("Admin").disabled_at is None  # type: ignore[union-attr]
    assert [e.detail for e in desk.journal("console.operator_added")] == ["Admin: supervisor 'Lt. Haddad'"]
    assert [e.detail for e in desk.journal("console.operator_disabled")] == ["Admin: operator 'Sgt. Ali'"]


@pytest.mark.parametrize("role", ["operator", "supervisor", "translator", "auditor"])
async def test_only_an_admin_manages_accounts(desk: Desk, role: str) -> None:
    caller = desk.session("Someone", role)
    desk.account("Other")
    assert (await desk.call("GET", "/api/v1/operators", caller)).status_code == 403
    added = await desk.call("POST", "/api/v1/operators", caller, json={"name": "Mallory", "role": "admin"})
    assert added.status_code == 403 and desk.store.operator("Mallory") is None
    disabled = await desk.call("POST", "/api/v1/operators/Other/disable", caller)
    assert disabled.status_code == 403 and desk.store.operator("Other").disabled_at is None  # type: ignore[union-attr]
