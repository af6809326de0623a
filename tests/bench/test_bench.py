"""`detente bench --quick` runs end to end and produces every figure (their existence and sign,
never their values: the bench is not a test of speed)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detente.bench.report import PRESENT_FIGURES, REQUIRED_FIGURES, figure, render_markdown
from detente.bench.tools import missing_tools

pytestmark = pytest.mark.slow


def test_bench_quick_produces_every_figure(tmp_path: Path) -> None:
    missing = [tool.name for tool in missing_tools()]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"not installed here: {', '.join(missing)} (CI installs them; so does `make bench`)")
    out = tmp_path / "bench.json"
    markdown = tmp_path / "bench.md"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "detente", "bench", "--quick", "--json", str(out), "--markdown", str(markdown)]
        + ["--dir", str(scratch)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["missing"] == [], f"the bench says these are missing: {results['missing']}"
    absent = [path for path in REQUIRED_FIGURES if not isinstance(figure(results, path), int | float)]
    assert not absent, f"figures missing from the JSON: {absent}"
    not_positive = [path for path in REQUIRED_FIGURES if not (figure(results, path) > 0)]
    assert not not_positive, f"figures that are not positive: {not_positive}"
    for path in PRESENT_FIGURES:
        value = figure(results, path)
        assert isinstance(value, int | float) and math.isfinite(value), f"figure {path} is missing"
    for path in PRESENT_FIGURES:
        if "fsyncs" in path:
            assert figure(results, path) >= 0
    assert all(isinstance(t["met"], bool) for t in results["targets"]) and len(results["targets"]) == 7
    for heading in ("Machine", "The floor on this machine", "Targets détente sets itself"):
        assert heading in result.stdout
        assert heading in markdown.read_text(encoding="utf-8")
    assert list(scratch.iterdir()) == [], "the bench left its scratch folder behind"


def test_a_missing_tool_is_said_plainly() -> None:
    """The report names what is missing and how to install it, above the tables."""
    results = json.loads((Path(__file__).parent / "sample.json").read_text(encoding="utf-8"))
    results["missing"] = [{"name": "nats-server", "install": "apt-get install nats-server"}]
    results["jetstream"] = {"skipped": "not measured: nats-server not installed"}
    text = render_markdown(results)
    assert text.startswith("MISSING: nats-server is not installed (apt-get install nats-server)")
    assert "not measured: nats-server not installed" in text
