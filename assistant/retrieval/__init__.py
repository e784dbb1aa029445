"""Finding the evidence for a question: hybrid dense + keyword search with filters."""

from assistant.retrieval.hybrid import Retrieval, Retriever
from assistant.retrieval.keyword import KeywordIndexes

__all__ = ["KeywordIndexes", "Retrieval", "Retriever"]
