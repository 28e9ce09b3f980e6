"""A minimal client for OpenAI-compatible chat endpoints (OpenAI, vLLM,
llama.cpp server, Ollama, LM Studio...). One call, a timeout, coded errors."""

from __future__ import annotations

import os
from typing import Any

from .config import LLMConfig
from .errors import Code, NarrascopeError


def chat(cfg: LLMConfig, messages: list[dict[str, str]]) -> str:
    import httpx

    if not cfg.base_url or not cfg.model:
        raise NarrascopeError(Code.LLM, "llm.base_url and llm.model must be set for the generative mode")
    url = cfg.base_url.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(cfg.api_key_env)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body: dict[str, Any] = {"model": cfg.model, "messages": messages, "max_tokens": cfg.max_tokens, "temperature": cfg.temperature}
    try:
        r = httpx.post(url, json=body, headers=headers, timeout=cfg.timeout_s, trust_env=False)
    except httpx.TimeoutException as e:
        raise NarrascopeError(Code.LLM, f"the LLM endpoint timed out after {cfg.timeout_s:g}s", input=url) from e
    except httpx.HTTPError as e:
        raise NarrascopeError(Code.LLM, f"cannot reach the LLM endpoint: {e}", input=url) from e
    if r.status_code >= 400:
        raise NarrascopeError(Code.LLM, f"the LLM endpoint answered HTTP {r.status_code}: {r.text[:200]}", input=url)
    try:
        content = r.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise NarrascopeError(Code.LLM, "the LLM endpoint's answer is not an OpenAI chat completion", input=url) from e
    if not isinstance(content, str) or not content.strip():
        raise NarrascopeError(Code.LLM, "the LLM returned an empty answer", input=url)
    return content.strip()
