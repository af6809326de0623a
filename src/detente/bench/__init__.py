"""``detente bench``: détente measured against the physical floor of this machine and against the
brokers people would pick instead (Mosquitto, NATS JetStream), side by side in one run.

Modules, one concept each: ``sizes`` (how much to measure), ``stats`` (percentiles), ``machine``
(facts about this machine), ``floor`` and ``echo`` (fsync, a TLS round trip, signatures),
``stations`` (two real ``detente serve`` processes), ``line`` (what is measured on them),
``queuer`` (a sending process of its own), ``tools`` (the Debian programs the bench needs),
``mosquitto`` and ``jetstream`` (the alternatives), ``fsyncs`` (counting fsync calls with strace),
``runner`` (one whole run) and ``report`` (the table, Markdown and JSON).
"""

from __future__ import annotations

from .runner import run_bench
from .sizes import BenchSizes

__all__ = ["BenchSizes", "run_bench"]
