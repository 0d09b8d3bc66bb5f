"""The bytes the embedded server answers for an attachment's download URL.

Not a real photo: a small, deterministic JPEG-framed blob (start-of-image marker, a JFIF
header, a body derived from the attachment uid and size, end-of-image marker), so tests can
check a downloaded file byte for byte without the generator storing any.
"""

from __future__ import annotations

import hashlib

SIZES = ("original", "large", "medium", "small")


def attachment_bytes(attachment_uid: str, size: str = "original") -> bytes:
    if size not in SIZES:
        raise ValueError(f"unknown attachment size {size!r}")
    repeats = {"original": 64, "large": 32, "medium": 16, "small": 4}[size]
    body = b"".join(hashlib.sha256(f"{attachment_uid}:{size}:{i}".encode()).digest() for i in range(repeats))
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + body + b"\xff\xd9"
