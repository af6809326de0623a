"""The verifier page: one self-contained HTML file that checks an evidence bundle in a browser.

``detente ledger verifier-page --out FILE.html`` (and ``ledger export … --with-page``) writes it.
Everything is inlined: the page (``ledger/verifier/page.html``), its verifier and statement
scripts (written from PROTOCOL.md §17.5 and §17.7, not from this code), the @noble crypto bundle
(``ledger/verifier/vendor/noble.js``, made by ``assets/verifier_assets.py``), the console's Noto fonts,
and the phrasebooks of :mod:`detente.ledger.phrasebooks`, so that the page says what a bundle
proves in the very words ``verify-bundle`` uses. Its Content-Security-Policy forbids every
network request; it needs no server (a ``file://`` URL will do).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from pathlib import Path

from .. import __version__
from .evidence import BUNDLE_FORMAT
from .phrasebooks import ALGORITHMS, KIND_NAMES, PHRASEBOOKS, PRECEDENCE_NAMES
from .statements import LANGUAGES

__all__ = ["UI_TEXT", "verifier_page"]

_HERE = Path(__file__).resolve().parent / "verifier"
_FONTS = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "fonts"

UI_TEXT = {
    "en": {
        "title": "détente — evidence bundle verifier",
        "prompt": "Drop an evidence bundle onto this box, or choose its file.",
        "working": "Verifying…",
        "verified": "The bundle verifies: every signature, hash and proof in it holds.",
        "refused": "The bundle does not verify and proves nothing. The reason:",
        "offline": (
            "This page checks the bundle on this computer alone: it loads nothing and sends nothing over the network, "
            "and needs no server. It checks every rule of the détente protocol for evidence bundles."
        ),
    },
    "tr": {
        "title": "détente — kanıt paketi doğrulayıcı",
        "prompt": "Bir kanıt paketini bu kutuya bırakınız veya dosyasını seçiniz.",
        "working": "Doğrulanıyor…",
        "verified": "Paket doğrulandı: içindeki bütün imzalar, özetler ve ispatlar geçerlidir.",
        "refused": "Paket doğrulanamadı ve hiçbir şeyi ispatlamaz. Nedeni:",
        "offline": (
            "Bu sayfa paketi yalnızca bu bilgisayarda denetler: ağdan hiçbir şey yüklemez, hiçbir şey göndermez ve "
            "sunucuya ihtiyaç duymaz. détente protokolünün kanıt paketlerine ilişkin bütün kurallarını uygular."
        ),
    },
    "ar": {
        "title": "détente — أداة التحقق من حزم الأدلة",
        "prompt": "أفلِتوا حزمة أدلة في هذا المربع، أو اختاروا ملفها.",
        "working": "جارٍ التحقق…",
        "verified": "تجتاز الحزمة التحقق: جميع التواقيع والبصمات والبراهين الواردة فيها صحيحة.",
        "refused": "لا تجتاز الحزمة التحقق ولا تثبت شيئاً. السبب:",
        "offline": (
            "تتحقق هذه الصفحة من الحزمة على هذا الحاسوب وحده: فهي لا تحمّل شيئاً من الشبكة ولا ترسل إليها شيئاً، ولا "
            "تحتاج إلى خادم. وهي تطبّق جميع قواعد بروتوكول détente الخاصة بحزم الأدلة."
        ),
    },
    "ru": {
        "title": "détente — проверка пакетов доказательств",
        "prompt": "Перетащите пакет доказательств в эту область или выберите его файл.",
        "working": "Идёт проверка…",
        "verified": "Пакет прошёл проверку: все подписи, хеши и доказательства в нём верны.",
        "refused": "Пакет не прошёл проверку и ничего не доказывает. Причина:",
        "offline": (
            "Эта страница проверяет пакет только на этом компьютере: она ничего не загружает из сети и ничего не "
            "отправляет, сервер ей не нужен. Она применяет все правила протокола détente для пакетов доказательств."
        ),
    },
}
"""What the page itself says, in each language (the statements come from the phrasebooks)."""


def _script(text: str, what: str) -> str:
    """Text that can stand inside a <script> element as it is."""
    if re.search(r"</script|<!--", text, re.IGNORECASE):
        raise ValueError(f"{what} contains '</script' or '<!--' and cannot be inlined")
    return text


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def _fonts() -> str:
    """The console's Noto font faces, each font file inlined as a data: URL."""
    folder = _FONTS
    css = (folder / "fonts.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = (folder / match.group(1)).read_bytes()
        return f"url(data:font/woff2;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\(\./([A-Za-z0-9._-]+\.woff2)\)", inline, css)


def verifier_page() -> str:
    """The whole page, as text (UTF-8 when written)."""
    folder = _HERE
    books = {
        "format": BUNDLE_FORMAT,
        "algorithms": ALGORITHMS,
        "books": {lang: dataclasses.asdict(PHRASEBOOKS[lang]) for lang in LANGUAGES},
        "kinds": KIND_NAMES,
        "precedences": PRECEDENCE_NAMES,
    }
    parts = {
        "VERSION": __version__,
        "FONTS": _fonts(),
        "BOOKS": _json(books),
        "UI": _json(UI_TEXT),
        "NOBLE": _script((folder / "vendor" / "noble.js").read_text(encoding="utf-8"), "noble.js"),
        "VERIFIER": _script((folder / "verifier.js").read_text(encoding="utf-8"), "verifier.js"),
        "STATEMENT": _script((folder / "statement.js").read_text(encoding="utf-8"), "statement.js"),
    }
    template = (folder / "page.html").read_text(encoding="utf-8")
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: parts[m.group(1)], template)
