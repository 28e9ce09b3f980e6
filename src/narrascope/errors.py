"""One catalogue of coded errors.

Every error a user can cause carries a stable code (``NS1xx`` input,
``NS2xx`` network, ``NS3xx`` storage, ``NS4xx`` configuration and stages,
``NS5xx`` per-article processing), the input it concerns, and what to do
next. The CLI prints ``str(error)`` on one line and exits non-zero; the
REST API will serialise :meth:`NarrascopeError.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Code(str, Enum):
    """Error codes with their default advice. Codes never change meaning."""

    # input
    NOT_FOUND = "NS101"
    EMPTY = "NS102"
    BINARY = "NS103"
    ENCODING = "NS104"
    TOO_LARGE = "NS105"
    NO_TEXT = "NS106"
    BAD_JSON = "NS107"
    MISSING_FIELD = "NS108"
    UNSUPPORTED = "NS109"
    BAD_SEMEVAL = "NS110"
    BAD_CSV = "NS111"
    BAD_LIBRARY = "NS112"
    # network
    URL_UNREACHABLE = "NS201"
    URL_PRIVATE = "NS202"
    URL_HTTP = "NS203"
    URL_REDIRECTS = "NS204"
    URL_SCHEME = "NS205"
    FEED_EMPTY = "NS210"
    FEED_INVALID = "NS211"
    # storage
    DB_UNWRITABLE = "NS301"
    DB_CORRUPT = "NS302"
    DB_TOO_NEW = "NS303"
    ARTICLE_NOT_FOUND = "NS304"
    AMBIGUOUS_ID = "NS305"
    DB_MIGRATION = "NS306"
    # configuration, stages, extras
    CONFIG = "NS401"
    UNKNOWN_STAGE = "NS402"
    STAGE_REQUIREMENT = "NS403"
    MISSING_EXTRA = "NS404"
    BAD_OPTION = "NS405"
    TAXONOMY = "NS406"
    MODEL = "NS407"
    LLM = "NS408"
    # per-article processing
    STAGE_FAILED = "NS501"


ADVICE: dict[Code, str] = {
    Code.NOT_FOUND: "check the path or URL",
    Code.EMPTY: "the input has no text; remove it or fix the export that produced it",
    Code.BINARY: "this looks like a binary file; give a text, HTML, JSONL or CSV file",
    Code.ENCODING: "re-save the file as UTF-8 or pass --encoding",
    Code.TOO_LARGE: "split the file or raise ingest.max_file_mb in the config",
    Code.NO_TEXT: "no article text could be extracted; check that the page is an article",
    Code.BAD_JSON: "fix or remove this line; the other lines were read",
    Code.MISSING_FIELD: "name the right field with --text-field/--title-field",
    Code.UNSUPPORTED: "give a .txt, .html, .jsonl, .csv, feed file, folder or http(s) URL",
    Code.BAD_SEMEVAL: ("check it against the SemEval format: a language folder holds raw-documents/*.txt; "
                       "label, mention and prediction files are tab-separated, one row a line"),
    Code.BAD_CSV: "check the delimiter and quoting of the CSV file",
    Code.BAD_LIBRARY: "fix this library entry; the other entries were imported",
    Code.URL_UNREACHABLE: "check the address and your connection, or raise ingest.url_timeout_s",
    Code.URL_PRIVATE: "private and loopback addresses are refused; pass --allow-private if you trust it",
    Code.URL_HTTP: "the server answered with an error status; check the URL",
    Code.URL_REDIRECTS: "the URL redirects too often; give the final URL",
    Code.URL_SCHEME: "only http:// and https:// URLs can be fetched",
    Code.FEED_EMPTY: "the feed has no items; check the feed URL",
    Code.FEED_INVALID: "this is not an RSS or Atom feed",
    Code.DB_UNWRITABLE: "choose a writable --db path or fix the permissions",
    Code.DB_CORRUPT: "this file is not a narrascope database or is damaged; restore a backup or use another --db",
    Code.DB_TOO_NEW: "this database was written by a newer narrascope; upgrade narrascope",
    Code.ARTICLE_NOT_FOUND: "list stored articles with `narrascope ls`",
    Code.AMBIGUOUS_ID: "give more characters of the id",
    Code.DB_MIGRATION: "your stored data is intact; please report this error with its message so the upgrade can be fixed",
    Code.CONFIG: "fix the configuration file; unknown keys are rejected",
    Code.UNKNOWN_STAGE: "list installed stages with `narrascope stages`",
    Code.STAGE_REQUIREMENT: "add the stage that provides the missing field, or remove the stage",
    Code.MISSING_EXTRA: "install the extra named in the message",
    Code.BAD_OPTION: "see --help for the accepted values",
    Code.TAXONOMY: "fix the taxonomy file; `narrascope taxonomy validate FILE` checks it",
    Code.MODEL: "retrain with `narrascope train ...` or reinstall narrascope",
    Code.LLM: "check llm.base_url, llm.model and the API key; the extractive explanation is used meanwhile",
    Code.STAGE_FAILED: "the article was recorded as failed and skipped; see `narrascope failures`",
}


@dataclass(eq=False)
class NarrascopeError(Exception):
    """An error with a code, the input it concerns and advice."""

    code: Code
    message: str
    input: str | None = None
    hint: str | None = None
    locator: str | None = None  # e.g. "line 17" inside the input

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def advice(self) -> str:
        return self.hint or ADVICE.get(self.code, "")

    def __str__(self) -> str:
        where = ""
        if self.input:
            where = f" [{self.input}" + (f", {self.locator}" if self.locator else "") + "]"
        advice = f" -> {self.advice}" if self.advice else ""
        return f"{self.code.value} {self.message}{where}{advice}"

    def to_dict(self) -> dict[str, Any]:
        """The single JSON error shape used by every interface."""
        return {
            "error": {
                "code": self.code.value,
                "message": self.message,
                "input": self.input,
                "locator": self.locator,
                "hint": self.advice,
            }
        }


def missing_extra(extra: str, module: str) -> NarrascopeError:
    return NarrascopeError(
        Code.MISSING_EXTRA,
        f"this feature needs the optional package '{module}'",
        hint=f"pip install 'narrascope[{extra}]'",
    )
