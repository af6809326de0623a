"""What the alternatives have in common: a broker process the bench starts on loopback and stops,
and a plain statement of what each system guarantees when it says a message is sent."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GUARANTEES", "BrokerProcess"]

GUARANTEES = {
    "detente": (
        "signed (Ed25519), numbered and hash-chained envelope; fsync'd at the sender before `send` returns and "
        "at the receiver before its signed receipt is sent; delivered = the receipt is fsync'd at the sender; "
        "exactly once, in order, through kill -9 of either side; both ends keep a co-signed Merkle log"
    ),
    "mosquitto": (
        "MQTT 3.1.1 QoS 2 (exactly once between client and broker, and broker and client), persistent session; "
        "the broker keeps messages in memory and writes its persistence file only every autosave_interval "
        "(30 min) and at shutdown: a crash of the broker loses what it held; no signatures, no end-to-end receipt"
    ),
    "jetstream": (
        "file-backed stream; the publish ack means the server has written the message to its file (the page "
        "cache), not fsync'd it; durable consumer with explicit acks, at least once (duplicates possible); "
        "no signatures, no end-to-end receipt to the publisher"
    ),
}


@dataclass
class BrokerProcess:
    """A broker started by the bench; its log goes to a file in the scratch folder."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    def start(self, timeout: float = 20.0) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                text = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"{self.name} exited {self.process.returncode}: {text}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    listen = f"127.0.0.1:{self.port}"
                    raise RuntimeError(f"{self.name} did not listen on {listen} within {timeout} s") from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
