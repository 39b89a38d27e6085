"""Text helpers every room shares."""

from __future__ import annotations

import re

__all__ = ["HANGUL", "HANGUL_CHARS"]

#: Hangul in a character class: syllables, jamo and compatibility jamo.
HANGUL_CHARS = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
#: One Hangul character; ``HANGUL.search(text)`` says whether a text has any Korean.
HANGUL = re.compile(f"[{HANGUL_CHARS}]")
