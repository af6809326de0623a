"""The CAP 1.2 schema and a parser that is safe for documents from outside.

Untrusted XML is first read by defusedxml with DTDs forbidden (CAP alerts never carry one, and a
DTD is how entity-expansion "billion laughs" and external-entity attacks arrive), then parsed by
lxml with entity resolution, DTD loading and network access turned off, and validated against the
official OASIS schema shipped in ``data/cap/``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from .errors import CapImportError, PackageDataError

__all__ = ["CAP_NS", "MAX_CAP_BYTES", "SCHEMA_FILE", "cap_schema", "parse_untrusted", "schema_errors"]

CAP_NS: Final = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_FILE: Final = Path(__file__).resolve().parent / "data" / "cap" / "CAP-v1.2.xsd"
MAX_CAP_BYTES: Final = 1 << 20
"""Larger documents are refused unread (real alerts are a few kilobytes)."""


@functools.cache
def cap_schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema."""
    try:
        return etree.XMLSchema(etree.parse(str(SCHEMA_FILE), _safe_parser()))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise PackageDataError(f"CAP schema {SCHEMA_FILE} cannot be read ({exc}); reinstall détente") from None


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def schema_errors(document: etree._Element) -> list[str]:
    """Why a document is not valid CAP 1.2 (empty if it is)."""
    schema = cap_schema()
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse XML from outside safely, or raise CapImportError saying what was refused."""
    if len(data) > MAX_CAP_BYTES:
        raise CapImportError(f"CAP document of {len(data)} bytes is larger than the {MAX_CAP_BYTES}-byte limit")
    try:
        SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapImportError(
            f"CAP document refused as unsafe: {exc} (CAP alerts carry no DTD or entities; "
            "a document that does may be an entity-expansion or external-entity attack)"
        ) from None
    except SafeET.ParseError as exc:
        raise CapImportError(f"CAP document is not well-formed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # an encoding declaration naming one Python cannot read
        raise CapImportError(
            f"CAP document is in an encoding that cannot be read ({exc}); CAP alerts are UTF-8"
        ) from None
    try:
        return etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise CapImportError(f"CAP document is not well-formed XML: {exc}") from None
    except (LookupError, ValueError) as exc:
        raise CapImportError(f"CAP document cannot be read as XML ({exc}); CAP alerts are UTF-8") from None
