"""Courier files are read with a size limit (``[courier] max_file_bytes``): refused on their size
before they are read, and, where the size is not known beforehand (a pipe), as soon as the limit
is passed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from detente.courier.bundle import read_courier
from detente.errors import PeerError, StationError

LIMIT = 1 << 16


def test_a_file_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "in.courier"
    path.write_bytes(b"x" * LIMIT)
    assert read_courier(path, LIMIT) == b"x" * LIMIT


def test_a_larger_file_is_refused_naming_it_its_size_and_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.courier"
    path.write_bytes(b"x" * (LIMIT + 1))
    with pytest.raises(PeerError) as error:
        read_courier(path, LIMIT)
    message = str(error.value)
    assert str(path) in message and "65,537 bytes" in message and "65,536 bytes" in message
    assert "courier.max_file_bytes" in message and "nothing was read or imported" in message


def test_a_pipe_is_refused_once_it_passes_the_limit_without_holding_more(tmp_path: Path) -> None:
    fifo = tmp_path / "courier.pipe"
    os.mkfifo(fifo)
    written: list[int] = []

    def write() -> None:
        try:
            with open(fifo, "wb") as pipe:
                for _ in range(64):  # 4 MiB in all, far more than the limit
                    pipe.write(b"y" * LIMIT)
                    written.append(LIMIT)
        except BrokenPipeError:
            pass  # the reader stopped, as it should

    writer = threading.Thread(target=write)
    writer.start()
    with pytest.raises(PeerError, match="is more than that, over the limit of 65,536 bytes"):
        read_courier(fifo, LIMIT)
    writer.join(10)
    assert sum(written) < 64 * LIMIT, "the reader must stop at the limit, not drain the pipe"


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(StationError, match="cannot read courier file .*missing.courier: No such file"):
        read_courier(tmp_path / "missing.courier", LIMIT)
