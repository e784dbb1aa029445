"""Token counts with tiktoken, and a conservative estimate when its vocabulary is unavailable."""

from __future__ import annotations

import logging
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

log = logging.getLogger("pmassist")


class _Encoding(Protocol):
    def encode(self, text: str, *, disallowed_special: tuple[str, ...] = ...) -> list[int]: ...


class TokenCounter:
    """Counts tokens the way OpenAI models do; `exact` is False when it had to estimate."""

    def __init__(self, encoding_name: str = "o200k_base", cache_dir: Path | None = None) -> None:
        self.encoding_name = encoding_name
        self._encoding = _load_encoding(encoding_name, str(cache_dir) if cache_dir else None)

    @property
    def exact(self) -> bool:
        return self._encoding is not None

    def count(self, text: str) -> int:
        if self._encoding is not None:
            # Source text may legitimately contain strings like "<|endoftext|>"; count them as text.
            return len(self._encoding.encode(text, disallowed_special=()))
        return estimate_tokens(text)


def estimate_tokens(text: str) -> int:
    """Over-estimates on purpose: English averages ~4 bytes a token, so 3 leaves headroom."""
    return math.ceil(len(text.encode("utf-8")) / 3)


@lru_cache(maxsize=8)
def _load_encoding(encoding_name: str, cache_dir: str | None) -> _Encoding | None:
    if cache_dir:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", cache_dir)
    try:
        import tiktoken

        encoding: _Encoding = tiktoken.get_encoding(encoding_name)
    except Exception as error:  # tiktoken raises requests/OS/value errors when offline
        # Said once per process (lru_cache); every later count uses the estimate silently.
        log.warning(
            "tiktoken could not load the '%s' vocabulary (%s). Token counts are estimated "
            "conservatively. Offline, point TIKTOKEN_CACHE_DIR at a folder holding the vocabulary.",
            encoding_name,
            type(error).__name__,
        )
        return None
    return encoding
