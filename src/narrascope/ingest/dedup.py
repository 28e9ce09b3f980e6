"""Near-duplicate detection with MinHash and LSH banding.

Signatures are 128 min-hashes of word shingles; the store keeps 32 bands of
4 rows each, so looking up candidates is an indexed query however large the
corpus grows, and it survives restarts. Candidates are confirmed with the
estimated Jaccard similarity against the configured threshold.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

from ..text import WORD

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
_PRIME = np.uint64(4294967311)  # smallest prime above 2**32
_rng = np.random.default_rng(20251)  # fixed: signatures must be stable across runs
_A = _rng.integers(1, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)
MAX_SHINGLES = 20000


def shingles(text: str, k: int = 3) -> np.ndarray:
    words = WORD.findall(text.lower())
    if len(words) < k:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i : i + k]) for i in range(min(len(words) - k + 1, MAX_SHINGLES))]
    return np.array(sorted({zlib.crc32(g.encode("utf-8")) for g in grams}), dtype=np.uint64)


def signature(text: str, k: int = 3) -> np.ndarray:
    """128 min-hashes (uint32 values stored in uint64)."""
    h = shingles(text, k)
    if h.size == 0:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint64)
    # (a*h) < 2**64 because both factors are below 2**32.
    vals = ((h[:, None] * _A[None, :]) % _PRIME + _B[None, :]) % _PRIME
    return vals.min(axis=0)


def band_keys(sig: np.ndarray) -> list[int]:
    """One 63-bit key per band (fits a signed SQLite INTEGER)."""
    keys = []
    for b in range(BANDS):
        chunk = sig[b * ROWS : (b + 1) * ROWS].astype("<u8").tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def to_blob(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint64)
