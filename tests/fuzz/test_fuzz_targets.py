"""Every fuzz target (fuzz/targets.py) runs under atheris over its committed seed corpus and a few thousand
mutations of it, in its own process with an address-space limit and a deadline: a crash (an exception the
reader does not document), a hang or a memory blow-up fails the test. `make fuzz` runs them for long."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "fuzz"
sys.path.insert(0, str(FUZZ))

from targets import TARGETS  # noqa: E402

MUTATIONS = 2000
MEMORY = 3 * 1024**3
"""The address space a target may take (its Python, cryptography, lxml, GEOS and pydantic included)."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def test_every_target_has_a_seed_corpus() -> None:
    for name in TARGETS:
        seeds = list((FUZZ / "corpus" / name).iterdir())
        assert seeds, f"fuzz/corpus/{name} is empty: run fuzz/make_corpus.py"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_target_survives_its_corpus_and_mutations_of_it(tmp_path: Path, name: str) -> None:
    found = tmp_path / "found"
    found.mkdir()
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    command = [
        sys.executable,
        str(FUZZ / "run.py"),
        name,
        f"-runs={MUTATIONS}",
        "-seed=1",
        "-timeout=10",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={tmp_path}/",
        str(found),
        str(FUZZ / "corpus" / name),
    ]
    try:
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"fuzz target {name} did not finish {MUTATIONS} inputs within 60 s (a hang?)")
    report = "\n".join(line for line in run.stderr.splitlines() if not line.startswith("INFO: Instrumenting"))
    assert run.returncode == 0, f"fuzz target {name} failed (exit {run.returncode}):\n{report[-4000:]}"
    assert f"Done {MUTATIONS} runs" in run.stderr, report[-2000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("oom-*")), report[-2000:]
