"""Options shared by the readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..config import IngestConfig


@dataclass
class FieldMap:
    """Which JSON keys / CSV columns hold what. Only ``text`` is required."""

    text: str = "text"
    title: str | None = "title"
    id: str | None = "id"
    url: str | None = "url"
    date: str | None = "date"
    source: str | None = "source"
    language: str | None = "language"


@dataclass
class ReadOptions:
    ingest: IngestConfig = field(default_factory=IngestConfig)
    fields: FieldMap = field(default_factory=FieldMap)
    glob: str | None = None  # for folders, e.g. "*.txt"
    recursive: bool = True
    csv_delimiter: str | None = None  # sniffed when None


def parse_date(value: object) -> datetime | None:
    """Lenient date parsing; None when the value is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)):
        try:
            dt = datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        from dateutil import parser

        try:
            dt = parser.parse(str(value))
        except (ValueError, OverflowError, TypeError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt
