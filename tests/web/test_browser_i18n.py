"""The console's own words (static/locales/*.json) exist in Turkish, Arabic, English and Russian.

Every key the scripts use must be in every catalogue, with the same {placeholders} as the
English text; every family of keys the scripts build from data (a precedence, a role, a link
state…) must cover every value the station can send; and no catalogue holds keys nothing uses.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest
from babel import Locale

from detente.config import LANGUAGES
from detente.operators import ROLES
from detente.protocol.envelope import Precedence
from detente.protocol.states import LinkState
from detente.watch.escalation import Step
from detente.web import models

STATIC = Path(__file__).resolve().parents[2] / "src" / "detente" / "web" / "static"
LOCALES = STATIC / "locales"
SCRIPTS = sorted((STATIC / "js").glob("*.js"))

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_STATIC_CALL = re.compile(r"""\bt(?:Parts)?\(\s*["']([a-z][\w.]*)["']""")
_TEMPLATE_CALL = re.compile(r"""\bt(?:Parts)?\(\s*`([a-z][\w.]*)\.\$\{""")
_LITERAL = re.compile(r"""["']([a-z]+(?:\.[A-Za-z0-9_]+)+)["']""")


def _literal_values(annotation: object) -> list[str]:
    """The strings of a Literal[...] (possibly inside Optional)."""
    found: list[str] = []
    for arg in typing.get_args(annotation):
        if isinstance(arg, str):
            found.append(arg)
        else:
            found.extend(_literal_values(arg))
    return found


FAMILIES: dict[str, set[str]] = {
    "precedence": {p.value for p in Precedence} | {"all"},  # "all": the figures' total row
    "state": set(_literal_values(models.MessageLine.model_fields["state"].annotation)),
    "role": set(ROLES),
    "linerole": {"party", "mediator", "observer", "member"},
    "language": set(LANGUAGES),
    "language.native": set(LANGUAGES),
    "link": {s.value for s in LinkState} | {"UNKNOWN", "STOPPED", "STANDBY", "DIALING"},  # DIALING, STANDBY: paths
    "relation": {"reply", "update", "cancel"},
    "shape": {"Polygon", "MultiPolygon", "Circle", "Point", "Route"},
    "nav": {"watch", "compose", "map", "status", "print", "account", "accounts"},
    "watch.filter": {"all", "in", "out", "awaiting"},
    "watch.order": {"newest", "urgent"},
    "watch.column": {"precedence", "direction", "kind", "summary", "time", "state", "deadline"},
    "figures": {"side", "precedence", "messages", "acknowledged", "median", "p95", "missed"},
    "figures.side": {"ours", "theirs"},
    "map.preset": {"now", "next24", "last24", "week"},
    "map.hemisphere": {"N", "S", "E", "W"},
    "map.bearing": {"N", "NE", "E", "SE", "S", "SW", "W", "NW"},
    "map.symbol": {"party", "country", "sea", "place", "area", "corridor", "point", "drawn", "other_field", "grid"},
    "accounts": {"name", "role", "created", "second_factor", "state"},
    "escalation": {s.value for s in Step},
}
"""Keys the scripts build as `prefix.${value}`: every value the station (or the page) may use."""


PLURAL_CATEGORIES = {lang: set(Locale.parse(lang).plural_form.tags) | {"other"} for lang in LANGUAGES}
"""The CLDR plural categories of each language (Arabic has six): a counted text has one key per
category, ``name.one``, ``name.few``… (the console picks one with Intl.PluralRules)."""

_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}


def load_catalogues(folder: Path = LOCALES) -> dict[str, dict[str, str]]:
    return {lang: json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGUAGES}


def plural_base(key: str) -> str | None:
    """``name`` for a plural form ``name.few``, else None."""
    base, _, category = key.rpartition(".")
    return base if base and category in _CATEGORIES else None


def base_keys(catalogue: dict[str, str]) -> set[str]:
    """The keys of a catalogue, each counted text once by its name."""
    return {plural_base(key) or key for key in catalogue}


def used_keys(sources: list[str]) -> tuple[set[str], set[str]]:
    """(keys written out in the scripts, prefixes of keys the scripts build from data)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for text in sources:
        keys.update(_STATIC_CALL.findall(text))
        prefixes.update(_TEMPLATE_CALL.findall(text))
        keys.update(_LITERAL.findall(text))
    return keys, prefixes


def missing_keys(catalogues: dict[str, dict[str, str]], needed: set[str]) -> list[str]:
    """Every (language, key) that a catalogue lacks or leaves empty, as readable lines."""
    return [
        f"{lang}: {key}"
        for lang, catalogue in sorted(catalogues.items())
        for key in sorted(needed)
        if not str(catalogue.get(key, "")).strip()
        and not all(str(catalogue.get(f"{key}.{c}", "")).strip() for c in PLURAL_CATEGORIES[lang])
    ]


def needed_keys(sources: list[str], known: set[str]) -> set[str]:
    keys, prefixes = used_keys(sources)
    unknown = prefixes - set(FAMILIES)
    assert not unknown, f"scripts build keys from data under {sorted(unknown)}: add them to FAMILIES"
    namespaces = {key.split(".", 1)[0] for key in known}
    written = {key for key in keys if key.split(".", 1)[0] in namespaces and not key.endswith((".js", ".json"))}
    built = {f"{prefix}.{value}" for prefix in prefixes for value in FAMILIES[prefix]}
    return written | built


@pytest.fixture(scope="module")
def catalogues() -> dict[str, dict[str, str]]:
    return load_catalogues()


@pytest.fixture(scope="module")
def sources() -> list[str]:
    assert SCRIPTS, f"no scripts in {STATIC / 'js'}"
    return [path.read_text(encoding="utf-8") for path in SCRIPTS]


def test_every_key_the_scripts_use_is_in_all_four_languages(
    catalogues: dict[str, dict[str, str]], sources: list[str]
) -> None:
    needed = needed_keys(sources, base_keys(catalogues["en"]))
    assert len(needed) > 200, "the scripts' keys were found"
    assert missing_keys(catalogues, needed) == []


def test_the_four_catalogues_have_the_same_keys_and_placeholders(catalogues: dict[str, dict[str, str]]) -> None:
    english = catalogues["en"]
    for lang, catalogue in catalogues.items():
        keys, english_keys = base_keys(catalogue), base_keys(english)
        assert keys == english_keys, f"{lang}: {sorted(keys ^ english_keys)}"
        for key, text in catalogue.items():
            assert isinstance(text, str) and text.strip(), f"{lang}: {key} is empty"
            base = plural_base(key)
            if base is None:
                assert set(_PLACEHOLDER.findall(text)) == set(_PLACEHOLDER.findall(english[key])), f"{lang}: {key}"
            else:
                # A form may leave the number out ("رسالتان" is "two messages"), never add a placeholder.
                assert set(_PLACEHOLDER.findall(text)) <= set(_PLACEHOLDER.findall(english[f"{base}.other"])), key


def test_every_counted_text_has_each_plural_form_of_its_language(catalogues: dict[str, dict[str, str]]) -> None:
    assert PLURAL_CATEGORIES["ar"] == _CATEGORIES and PLURAL_CATEGORIES["ru"] == {"one", "few", "many", "other"}
    counted = {plural_base(key) for key in catalogues["en"]} - {None}
    assert {"watch.counts", "status.awaiting_here", "compose.problems"} <= counted
    for lang, catalogue in catalogues.items():
        for base in counted:
            forms = {key.rpartition(".")[2] for key in catalogue if plural_base(key) == base}
            assert forms == PLURAL_CATEGORIES[lang], f"{lang}: {base} has the forms {sorted(forms)}"


def test_no_catalogue_holds_a_key_nothing_uses(catalogues: dict[str, dict[str, str]], sources: list[str]) -> None:
    needed = needed_keys(sources, base_keys(catalogues["en"]))
    assert sorted(base_keys(catalogues["en"]) - needed) == []


def test_each_catalogue_is_in_its_own_language(catalogues: dict[str, dict[str, str]]) -> None:
    """A copied English text would pass the key checks; the scripts of the texts would not."""
    scripts = {"ar": r"[\u0600-\u06ff]", "ru": r"[\u0400-\u04ff]", "tr": r"[çğıöşüÇĞİÖŞÜ]"}
    for lang, pattern in scripts.items():
        texts = [text for key, text in catalogues[lang].items() if not key.startswith("language.native.")]
        written = sum(1 for text in texts if re.search(pattern, text))
        assert written / len(texts) > 0.6, f"{lang}: only {written} of {len(texts)} texts are in its script"
    same = [key for key in catalogues["en"] if catalogues["ar"].get(key) == catalogues["en"][key]]
    assert len(same) < 15, f"Arabic texts left in English: {same}"


def test_a_missing_translation_is_reported(tmp_path: Path, catalogues: dict[str, dict[str, str]]) -> None:
    """The checks above can fail: drop one Russian text and one Turkish key, and both are named."""
    broken = {lang: dict(catalogue) for lang, catalogue in catalogues.items()}
    broken["ru"]["detail.acknowledge"] = " "
    del broken["tr"]["watch.title"]
    script = 'h("h1", t("watch.title")); t(`precedence.${p}`); const s = t("detail.acknowledge");'
    needed = needed_keys([script], set(catalogues["en"]))
    assert needed >= {"watch.title", "detail.acknowledge", "precedence.flash", "precedence.routine"}
    assert missing_keys(broken, needed) == ["ru: detail.acknowledge", "tr: watch.title"]
