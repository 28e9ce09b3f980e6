"""One validated configuration.

Settings come from defaults, then a TOML file (``--config`` or
``$NARRASCOPE_CONFIG``), then explicit overrides from the CLI or Python.
Unknown keys are errors, not silent typos.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Code, NarrascopeError


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class IngestConfig(StrictModel):
    max_file_mb: float = Field(20.0, gt=0, description="Largest single document file read.")
    max_url_mb: float = Field(10.0, gt=0, description="Largest HTTP response read.")
    url_timeout_s: float = Field(20.0, gt=0, description="Connect/read timeout per request.")
    max_redirects: int = Field(5, ge=0, le=20)
    allow_private_urls: bool = Field(False, description="Allow loopback/private addresses.")
    user_agent: str = "narrascope/0.1 (news narrative analysis)"
    fetch_feed_items: bool = Field(True, description="Fetch each feed item's page.")
    strip_boilerplate: bool = True
    encoding: str | None = Field(None, description="Force an input encoding.")
    batch_size: int = Field(64, ge=1, description="Articles written per transaction.")


class DedupConfig(StrictModel):
    mode: Literal["link", "skip", "off"] = Field(
        "link", description="link: keep near-duplicates and link them; skip: do not store them."
    )
    threshold: float = Field(0.8, gt=0, le=1, description="Estimated Jaccard similarity.")
    shingle: int = Field(3, ge=1, le=8, description="Words per shingle; a corpus keeps the size of its first ingest.")


class PipelineConfig(StrictModel):
    batch_size: int = Field(16, ge=1)
    stages: list[str] | None = Field(None, description="Stages to run; default all installed.")
    disable: list[str] = Field(default_factory=list, description="Stages to skip.")


class LLMConfig(StrictModel):
    """Any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, OpenAI...)."""

    base_url: str | None = Field(None, description="e.g. http://localhost:8000/v1")
    model: str | None = Field(None, description="Model name the endpoint expects.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key.")
    timeout_s: float = Field(30.0, gt=0, description="Request timeout; on timeout the extractive text is used.")
    max_tokens: int = Field(200, ge=16)
    temperature: float = Field(0.0, ge=0, le=2)


class Settings(StrictModel):
    db: Path | None = Field(None, description="Database file; default under the user data dir.")
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    # Stage-specific settings live under their stage name, validated by the stage.
    stages: dict[str, dict[str, Any]] = Field(default_factory=dict)


def stage_config(settings: "Settings", name: str, model: type[BaseModel]) -> Any:
    """Validate the ``[stages.<name>]`` table against the stage's own schema."""
    try:
        return model.model_validate(settings.stages.get(name, {}))
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise NarrascopeError(Code.CONFIG, f"invalid setting 'stages.{name}.{loc}': {first['msg']}") from e


def default_db_path() -> Path:
    """Where the corpus lives when the user names no --db.

    ``$NARRASCOPE_DB`` wins; otherwise the XDG data directory, so a new user
    never has to think about it and every command finds the same corpus.
    """
    env = os.environ.get("NARRASCOPE_DB")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "narrascope" / "corpus.db"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Load and validate settings; raise NS401 naming the bad key."""
    data: dict[str, Any] = {}
    path = path or os.environ.get("NARRASCOPE_CONFIG")
    if path:
        p = Path(path)
        if not p.exists():
            raise NarrascopeError(Code.NOT_FOUND, "config file not found", input=str(p))
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise NarrascopeError(Code.CONFIG, f"config is not valid TOML: {e}", input=str(p)) from e
    data = _merge(data, {k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise NarrascopeError(
            Code.CONFIG, f"invalid setting '{loc}': {first['msg']}", input=str(path) if path else None
        ) from e
