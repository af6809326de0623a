"""`detente demo --check`: the first thing a newcomer runs."""

from __future__ import annotations

from pathlib import Path

from detente.home import Home
from detente.operators import check_password

from .stations import run_cli


def test_demo_check_delivers_every_sample_once_and_exits_0(tmp_path: Path) -> None:
    result = run_cli("demo", "--check", "--dir", str(tmp_path / "demo"), "--timeout", "60", timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "demo check passed: 7 messages (4 TR→SY, 3 SY→TR)" in out
    assert "link to SY is UP" in out and "link to TR is UP" in out
    assert out.count(": DELIVERED") == 7
    assert "إشعار طيران" in out, "the flight notice is shown to Damascus in Arabic"
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "demo" / "ankara" / "station.toml").exists()
    assert (tmp_path / "demo" / "damascus" / "station.toml").exists()
    # Each station has an administrator (the accounts page needs one), and the demo prints its login.
    for folder, admin in (("ankara", "admin-ankara"), ("damascus", "admin-damascus")):
        assert f"'{admin}' (admin), password demo-password" in out
        store = Home(tmp_path / "demo" / folder).open_store()
        try:
            account = check_password(store, admin, "demo-password")
        finally:
            store.close()
        assert account is not None and account.role == "admin"


def test_demo_check_fails_with_the_reason_when_delivery_cannot_happen(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    # A folder that already holds a station: the demo refuses to overwrite it and says why.
    run_cli("init", "--home", str(folder / "ankara"), "--name", "X", "--party", "TR", "--listen", "127.0.0.1:7001")
    result = run_cli("demo", "--check", "--dir", str(folder), check=False)
    assert result.returncode == 1
    assert "already holds a station" in result.stderr
