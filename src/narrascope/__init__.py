"""narrascope: news narrative intelligence.

Which narratives an article pushes, who it casts as hero, villain or victim,
how it persuades, and which known claims it touches, with the evidence.
"""

from __future__ import annotations

from .api import Corpus, analyze_text, read
from .article import Article, Span, StageResult
from .config import Settings, load_settings
from .errors import Code, NarrascopeError
from .ingest.options import FieldMap
from .pipeline import RunReport

__version__ = "0.1.0"

__all__ = [
    "Article", "Code", "Corpus", "FieldMap", "NarrascopeError", "RunReport", "Settings", "Span",
    "StageResult", "analyze_text", "load_settings", "read", "__version__",
]
