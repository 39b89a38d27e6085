"""Charset labels to Python codecs, one table for pages and feeds alike."""

from __future__ import annotations

import codecs

__all__ = ["browser_codec", "codec_name"]

# Labels Python does not know, or knows as a narrower codec, that are CP949 in practice.
_CP949_LABELS = frozenset(
    {"ks_c_5601-1987", "ks_c_5601", "ksc5601", "x-windows-949", "windows-949"}
)
# Labels whose bytes are, in practice, a superset encoding (as browsers read them).
_SUPERSETS = {
    "euc_kr": "cp949",
    "cp949": "cp949",
    "johab": "cp949",  # mislabelled Korean pages are CP949 far more often than Johab
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "tis_620": "cp874",
    "iso8859_11": "cp874",
}


def codec_name(label: str | bytes | None) -> str | None:
    """Python's name for a charset label (``euc_kr``, ``utf_8``), or None if unknown.

    Every spelling of KS C 5601 and Windows-949 is ``cp949``.
    """
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    if label in _CP949_LABELS:
        return "cp949"
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except (LookupError, ValueError):
        return None


def browser_codec(label: str | bytes | None) -> str | None:
    """The codec to decode a page labelled ``label`` with, as browsers do, or None.

    A label is read as its superset (EUC-KR as CP949, Latin-1 as Windows-1252);
    UTF-16 or UTF-32 without a BOM is wrong, and read as UTF-8.
    """
    name = codec_name(label)
    if name is None:
        return None
    if name.startswith(("utf_16", "utf_32")):
        return "utf-8"  # without a BOM such a label is wrong; browsers read UTF-8 too
    return _SUPERSETS.get(name, name).replace("_", "-")
