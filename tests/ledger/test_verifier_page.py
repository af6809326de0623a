"""The verifier page (``detente ledger verifier-page``) in Debian's chromium: loaded from a
``file://`` URL with every network request recorded, it is given bundles by its file input and
by a drop, and must agree with ``verify_bundle`` (the Python verifier) on the reference bundle of
PROTOCOL.md §17.6, on a bundle that proves absence, on an exporter's omission, and on a sample
of single-byte alterations; its statements must be those of ``verify-bundle``, word for word, in
all four languages. The page's crypto must be the npm packages' code, bundled afresh."""

from __future__ import annotations

import importlib.util
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from detente.ledger.bundle import BundleError, describe, verify_bundle
from integration.stations import run_cli
from ledger.bundle_factory import example, sign_bundle
from web.browser_stations import chromium_or_skip, launch_browser

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "vectors" / "example-bundle.json"
LANGUAGES = ("en", "tr", "ar", "ru")
VERDICT = '#verdict[data-verdict="verified"], #verdict[data-verdict="refused"]'


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "verifier.html"
    result = run_cli("ledger", "verifier-page", "--out", str(out))
    assert "wrote" in result.stdout
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    yield from launch_browser()


@pytest.fixture
def page(browser: Any, page_file: Path) -> Iterator[Any]:
    """The page, opened from its file; fails the test if it asked for anything but itself."""
    context = browser.new_context()
    requests: list[str] = []
    errors: list[str] = []
    opened = context.new_page()
    opened.on("request", lambda request: requests.append(request.url))
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(page_file.as_uri())
    yield opened
    context.close()
    outside = [url for url in requests if url != page_file.as_uri() and not url.startswith("data:")]
    assert outside == [], f"the page made network requests: {outside}"
    assert errors == []


def _choose(page: Any, data: bytes) -> str:
    """Give the page a bundle with its file input; its verdict."""
    page.evaluate("document.querySelector('#verdict').dataset.verdict = ''")
    page.set_input_files("#file", files=[{"name": "bundle.json", "mimeType": "application/json", "buffer": data}])
    page.wait_for_selector(VERDICT)
    return str(page.get_attribute("#verdict", "data-verdict"))


def _statement(page: Any, lang: str) -> str:
    page.click(f'#languages button[data-lang="{lang}"]')
    return str(page.eval_on_selector("#statement", "e => e.textContent"))


def _absence_bundle() -> tuple[bytes, bytes]:
    """The worked example revealing its whole log (§17.7), and the same with the acknowledgement left out."""
    made = example()
    bundle = dict(made.bundle)
    bundle["log"] = [[kind, obj] for kind, obj in made.line.entries]
    cut = dict(bundle)
    cut["entries"] = bundle["entries"][:2]
    signer = made.line.exporter.signer
    return sign_bundle(bundle, signer), sign_bundle(cut, signer)


def test_the_reference_bundle_verifies_and_the_statement_is_verify_bundle_s_in_four_languages(page: Any) -> None:
    data = REFERENCE.read_bytes()
    assert _choose(page, data) == "verified"
    report = verify_bundle(data)
    for lang in LANGUAGES:
        assert _statement(page, lang) == describe(report, lang), lang
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.get_attribute("#statement", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.inner_text("#verdict").strip(), lang


def test_a_bundle_dropped_onto_the_page_is_verified(page: Any) -> None:
    data = REFERENCE.read_bytes()
    page.evaluate(
        """bytes => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], "bundle.json", {type: "application/json"}));
            const drop = new DragEvent("drop", {dataTransfer: transfer, bubbles: true});
            document.querySelector("#drop").dispatchEvent(drop);
        }""",
        list(data),
    )
    page.wait_for_selector(VERDICT)
    assert page.get_attribute("#verdict", "data-verdict") == "verified"


def test_absence_is_stated_as_verify_bundle_states_it_and_an_omission_is_refused(page: Any) -> None:
    complete, omitted = _absence_bundle()
    assert _choose(page, complete) == "verified"
    report = verify_bundle(complete)
    for lang in LANGUAGES:
        assert _statement(page, lang) == describe(report, lang), lang
    assert _choose(page, omitted) == "refused"
    assert "the exporter omitted it" in page.inner_text("#reason")
    with pytest.raises(BundleError, match="the exporter omitted it"):
        verify_bundle(omitted)


def _python_verdict(data: bytes) -> str:
    try:
        verify_bundle(data)
    except BundleError:
        return "refused"
    return "verified"


def test_the_page_and_verify_bundle_agree_on_single_byte_alterations(page: Any) -> None:
    data = REFERENCE.read_bytes()
    rng = random.Random(23)
    altered = []
    for _ in range(40):
        position = rng.randrange(len(data))
        changed = bytearray(data)
        changed[position] ^= 1 << rng.randrange(7)
        altered.append((position, bytes(changed)))
    verdicts = page.evaluate(
        """cases => cases.map(bytes => {
            try { DetenteVerifier.verify(new Uint8Array(bytes)); return "verified"; }
            catch (error) { if (!(error instanceof DetenteVerifier.Refused)) throw error; return "refused"; }
        })""",
        [list(changed) for _, changed in altered],
    )
    expected = [_python_verdict(changed) for _, changed in altered]
    assert verdicts == expected
    assert set(expected) == {"refused"}
    position, changed = altered[0]
    assert _choose(page, changed) == "refused", position  # and through the page itself
    assert page.inner_text("#reason").strip()


def _assets_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verifier_assets", ROOT / "assets" / "verifier_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_inlined_crypto_is_the_npm_packages_bundled_afresh() -> None:
    script = _assets_script()
    if not all((script.NODE_MODULES / p).exists() for p in script.PACKAGES) or not shutil.which(
        "esbuild", path=str(script.NODE_MODULES / ".bin")
    ):
        pytest.skip("assets/node_modules lacks @noble or esbuild: run `npm ci --prefix assets`")
    assert script.differences() == []


def test_the_page_concludes_every_bundle_case_of_the_conformance_vectors_as_listed(page: Any) -> None:
    from unit.test_vector_files import BUNDLES, case_bytes
    from unit.vector_files import _refused_at

    cases = BUNDLES["cases"]
    outcomes = page.evaluate(
        """cases => cases.map(bytes => {
            try { DetenteVerifier.verify(new Uint8Array(bytes)); return ["verified", ""]; }
            catch (error) {
                if (!(error instanceof DetenteVerifier.Refused)) throw error;
                return ["refused", error.message];
            }
        })""",
        [list(case_bytes(case)) for case in cases],
    )
    for case, (verdict, reason) in zip(cases, outcomes, strict=True):
        assert verdict == case["verdict"], case["name"]
        if verdict == "refused":
            assert _refused_at(reason) == case["refused_at"], (case["name"], reason)
