"""`detente operator add|list|disable`: a one-time password shown once, only its argon2id hash kept."""

from __future__ import annotations

import json
import re

import pytest

from detente.cli import main
from detente.errors import StationError
from detente.operators import add_operator, check_password
from integration.stations import run_cli

from .conftest import T0, Line, LineFactory


def operator_cli(line: Line, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`detente operator …` in this process (the same parser and handlers as the command)."""
    try:
        code = main(["operator", *args, "--home", str(line.sy.path)])
    except SystemExit as exc:  # argparse refuses a usage error
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_operator_add_prints_a_one_time_password_that_logs_in_and_stores_only_its_hash(
    make_line: LineFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    line = make_line()
    result = run_cli("operator", "add", "--home", str(line.sy.path), "--name", "Lt. Haddad", "--role", "operator")
    out = result.stdout
    assert "created operator 'Lt. Haddad'" in out
    match = re.search(r"one-time password: (\S+)", out)
    assert match is not None
    password = match.group(1)
    account = check_password(line.store("SY"), "Lt. Haddad", password)
    assert account is not None and account.role == "operator" and account.must_change
    assert account.password_hash.startswith("$argon2id$")
    assert password not in account.password_hash
    for file in line.sy.path.glob(line.sy.database_path.name + "*"):  # the database and its write-ahead log
        assert password.encode() not in file.read_bytes(), f"the password itself is in {file.name}"
    assert check_password(line.store("SY"), "Lt. Haddad", password + "x") is None
    assert check_password(line.store("SY"), "Nobody", password) is None

    code, out, _ = operator_cli(line, capsys, "list", "--json")
    [listed] = [json.loads(row) for row in out.splitlines()]
    assert listed["name"] == "Lt. Haddad" and listed["role"] == "operator" and listed["disabled_at"] is None
    assert "password" not in json.dumps(listed)


def test_operator_add_refuses_an_unknown_role_and_a_name_taken(
    make_line: LineFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    line = make_line()
    code, out, err = operator_cli(line, capsys, "add", "--name", "Lt. Haddad", "--role", "janitor")
    assert code == 2 and "invalid choice: 'janitor'" in err and "one-time password" not in out
    with pytest.raises(StationError, match="role 'janitor' is not one of operator, supervisor, translator"):
        add_operator(line.store("SY"), name="Lt. Haddad", role="janitor", now=T0)
    assert line.store("SY").operators() == []

    line.operator("SY", "Lt. Haddad")
    code, out, err = operator_cli(line, capsys, "add", "--name", " Lt. Haddad ", "--role", "supervisor")
    assert code == 1 and out == ""
    assert "an operator named 'Lt. Haddad' already exists; choose another name" in err
    [account] = line.store("SY").operators()
    assert account.role == "operator", "the existing account is untouched"


def test_a_disabled_account_can_neither_log_in_nor_be_disabled_again(
    make_line: LineFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    line = make_line()
    _, password = add_operator(line.store("SY"), name="Capt. Said", role="operator", now=T0)
    code, out, _ = operator_cli(line, capsys, "disable", "--name", "Capt. Said")
    assert code == 0 and out.startswith("disabled operator 'Capt. Said' at ")
    assert check_password(line.store("SY"), "Capt. Said", password) is None
    code, _, err = operator_cli(line, capsys, "disable", "--name", "Capt. Said")
    assert code == 1 and "operator 'Capt. Said' was already disabled at" in err
    code, _, err = operator_cli(line, capsys, "disable", "--name", "Nobody")
    assert code == 1 and "no operator named 'Nobody' at this station" in err
