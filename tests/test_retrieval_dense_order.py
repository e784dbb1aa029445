"""The dense list must not depend on the order, or the extra depth, of Chroma's approximate hits."""

from __future__ import annotations

from assistant.retrieval.hybrid import _closest
from assistant.store.vectors import VectorHit


def _hit(chunk_id: str, distance: float) -> VectorHit:
    return VectorHit(chunk_id=chunk_id, metadata={}, distance=distance)


def test_closest_keeps_the_nearest_whatever_order_the_index_returns() -> None:
    hits = [
        _hit("doc:a#x-0", 0.5),
        _hit("doc:b#x-0", 0.2),
        _hit("doc:c#x-0", 0.2),
        _hit("doc:d#x-0", 0.9),
    ]
    expected = ["doc:b#x-0", "doc:c#x-0", "doc:a#x-0"]
    assert [h.chunk_id for h in _closest(hits, 3)] == expected
    assert [h.chunk_id for h in _closest(list(reversed(hits)), 3)] == expected
