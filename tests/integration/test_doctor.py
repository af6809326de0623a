"""`detente doctor` on a healthy station (exit 0) and on a broken one (exit 1, one line per problem
with what to do, in the operators' language)."""

from __future__ import annotations

import json
import socket

from watch.conftest import configure

from .conftest import StationFactory


def test_doctor_passes_a_healthy_station_and_names_each_problem_of_a_broken_one(
    make_station: StationFactory,
) -> None:
    tr = make_station("Ankara Operations Centre", "TR", "tr")
    sy = make_station("Damascus Operations Centre", "SY", "ar")
    tr.pin(sy)
    configure(tr.home, {"watch": {"notify": ["mailtos://mail.example?to=duty@example"]}})
    for path in [tr.home / "station.toml", *(tr.home / "keys").glob("*")]:
        path.chmod(0o600)
    healthy = tr.cli("doctor", "--json", check=False)
    report = json.loads(healthy.stdout)
    assert report["clock_sync"] in ("yes", "unknown")
    assert (healthy.returncode, report["healthy"], report["problems"]) == (0, True, [])

    key = next(p for p in (tr.home / "keys").glob("*") if p.is_file())
    key.chmod(0o644)
    configure(tr.home, {"watch": {"notify": []}})
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", tr.port))
        squatter.listen()
        broken = tr.cli("doctor", check=False)  # in Turkish, the station's language
        english = json.loads(tr.cli("doctor", "--json", check=False).stdout)
    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert len(lines) == 3, lines
    assert f"permissions: {key} başkaları tarafından okunabiliyor (kip 0644): chmod 600 {key}" in lines[0]
    assert (
        lines[1] == f"ports: 127.0.0.1:{tr.port} başka bir program tarafından kullanılıyor: "
        "onu durdurun ya da station.toml dosyasını değiştirin"
    )
    assert lines[2].startswith("notify: kimse yanıt vermediğinde")
    assert [p["check"] for p in english["problems"]] == ["permissions", "ports", "notify"]
    assert english["problems"][2]["message"] == "no supervisor is told when nobody answers: set [watch] notify"

    tr.start()  # its own serve holds its ports: not a problem
    assert [p["check"] for p in json.loads(tr.cli("doctor", "--json", check=False).stdout)["problems"]] == [
        "permissions",
        "notify",
    ]
    tr.stop()
