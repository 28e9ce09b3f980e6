"""What readers produce, and the checks every file goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Union

from ..errors import Code, NarrascopeError


@dataclass
class RawDocument:
    """A document as read, before cleaning.

    ``title_in_text`` says the first line of ``text`` is the title (plain
    text and SemEval files), so cleaning takes it from there.
    """

    text: str
    format: str = "text"  # text | html
    origin: str = ""  # path or URL, with locator
    title: str | None = None
    title_in_text: bool = False
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    language: str | None = None
    external_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    gold: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadFailure:
    """A bad input met while reading; reading goes on with the next one."""

    error: NarrascopeError


ReadItem = Union[RawDocument, ReadFailure]
ReadStream = Iterator[ReadItem]


def check_file(path: Path, max_mb: float) -> None:
    """Existence and size checks common to all file readers."""
    if not path.exists():
        raise NarrascopeError(Code.NOT_FOUND, "file not found", input=str(path))
    if path.is_dir():
        raise NarrascopeError(Code.UNSUPPORTED, "expected a file, got a folder", input=str(path))
    size = path.stat().st_size
    if size == 0:
        raise NarrascopeError(Code.EMPTY, "file is empty", input=str(path))
    if size > max_mb * 1024 * 1024:
        raise NarrascopeError(
            Code.TOO_LARGE,
            f"file is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit",
            input=str(path),
        )


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters mean it is not text.

    UTF-16 text has NULs too, so a BOM exempts it.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    if not head:
        return False
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl / len(head) > 0.1


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Bytes -> (text, encoding used). UTF-8 first, then detection.

    Raises NS103 for binary data and NS104 when no encoding fits with
    reasonable confidence: guessing wrong would store mojibake silently.
    """
    if looks_binary(data[:8192]):
        raise NarrascopeError(Code.BINARY, "file is binary, not text", input=name)
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            raise NarrascopeError(Code.ENCODING, f"cannot decode as {encoding}: {e}", input=name) from e
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
        if best is None or best.encoding in {"utf_8", "utf-8"}:
            raise NarrascopeError(
                Code.ENCODING,
                f"not valid UTF-8 (byte {utf8_error.start}) and no other encoding fits",
                input=name,
            ) from utf8_error
        try:
            return data.decode(best.encoding), best.encoding
        except UnicodeDecodeError as e:
            raise NarrascopeError(
                Code.ENCODING, f"not valid UTF-8 and not {best.encoding} either", input=name
            ) from e


def read_text_file(path: Path, max_mb: float, encoding: str | None = None) -> tuple[str, str]:
    check_file(path, max_mb)
    text, enc = decode(path.read_bytes(), str(path), encoding)
    if not text.strip():
        raise NarrascopeError(Code.EMPTY, "file has only whitespace", input=str(path))
    return text, enc
