"""Fetching URLs safely: timeouts, a size cap, limited redirects, and no
private or loopback addresses unless the user allows them (a server that
ingests user-given URLs must not become a way into its own network)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

from ..config import IngestConfig
from ..errors import Code, NarrascopeError


@dataclass
class Fetched:
    url: str  # final URL after redirects
    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        from .base import decode

        enc = None
        ct = self.content_type.lower()
        if "charset=" in ct:
            enc = ct.split("charset=")[-1].split(";")[0].strip() or None
        try:
            return decode(self.body, self.url, enc)[0]
        except NarrascopeError:
            if enc:  # a wrong charset header is common; fall back to detection
                return decode(self.body, self.url)[0]
            raise


def is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def _check_host(url: str, allow_private: bool) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise NarrascopeError(Code.URL_SCHEME, f"unsupported scheme '{parsed.scheme}'", input=url)
    host = parsed.hostname
    if not host:
        raise NarrascopeError(Code.URL_SCHEME, "URL has no host", input=url)
    try:
        infos = socket.getaddrinfo(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except socket.gaierror as e:
        raise NarrascopeError(Code.URL_UNREACHABLE, f"cannot resolve host '{host}'", input=url) from e
    if allow_private:
        return
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if (
            addr.is_private
            or addr.is_loopback
            or addr.is_link_local
            or addr.is_reserved
            or addr.is_multicast
            or addr.is_unspecified
        ):
            raise NarrascopeError(
                Code.URL_PRIVATE, f"refusing private/loopback address {addr}", input=url
            )


def fetch(url: str, cfg: IngestConfig) -> Fetched:
    """GET a URL with every safety limit; redirects are followed by hand so
    each hop's address is checked too."""
    import httpx

    limit = int(cfg.max_url_mb * 1024 * 1024)
    current = url
    timeout = httpx.Timeout(cfg.url_timeout_s)
    with httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as client:
        for _hop in range(cfg.max_redirects + 1):
            _check_host(current, cfg.allow_private_urls)
            try:
                with client.stream("GET", current, headers={"User-Agent": cfg.user_agent}) as r:
                    if r.is_redirect:
                        loc = r.headers.get("location")
                        if not loc:
                            raise NarrascopeError(Code.URL_HTTP, "redirect without location", input=url)
                        current = urljoin(current, loc)
                        continue
                    if r.status_code >= 400:
                        raise NarrascopeError(Code.URL_HTTP, f"HTTP status {r.status_code}", input=current)
                    declared = r.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > limit:
                        raise NarrascopeError(
                            Code.TOO_LARGE,
                            f"response is {int(declared) / 1048576:.1f} MB, over the {cfg.max_url_mb:g} MB limit",
                            input=current,
                            hint="raise ingest.max_url_mb in the config",
                        )
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in r.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise NarrascopeError(
                                Code.TOO_LARGE,
                                f"response exceeds the {cfg.max_url_mb:g} MB limit",
                                input=current,
                                hint="raise ingest.max_url_mb in the config",
                            )
                        chunks.append(chunk)
                    return Fetched(current, r.status_code, r.headers.get("content-type", ""), b"".join(chunks))
            except httpx.TimeoutException as e:
                raise NarrascopeError(Code.URL_UNREACHABLE, "timed out", input=current) from e
            except httpx.HTTPError as e:
                raise NarrascopeError(Code.URL_UNREACHABLE, f"cannot connect: {e}", input=current) from e
        raise NarrascopeError(Code.URL_REDIRECTS, f"more than {cfg.max_redirects} redirects", input=url)


def looks_like_feed(content_type: str, body: bytes) -> bool:
    ct = content_type.lower()
    if any(t in ct for t in ("rss", "atom")):
        return True
    head = body[:1024].lstrip().lower()
    return (b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head) and b"<html" not in head
