"""Keyed pseudonymization of personal values (ARCHITECTURE.md, Personal data).

HMAC-SHA256 with the secret salt from ``DTM_HASH_SALT``: the same person gets the same
pseudonym across submissions and forms (so records can still be linked), and nobody
without the salt can recover the value by hashing candidate phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata


def pseudonymize(value: str | None, salt: str) -> str | None:
    if value is None:
        return None
    # Same person, same pseudonym: ignore case, spacing and Unicode composition differences.
    normalized = " ".join(unicodedata.normalize("NFC", value).casefold().split())
    if not normalized:
        return None
    return hmac.new(salt.encode("utf-8"), normalized.encode("utf-8"), hashlib.sha256).hexdigest()
