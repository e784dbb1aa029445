"""Finding the evidence for a question: hybrid dense + keyword search with filters."""

from assistant.domain.search import RetrievalFilter
from assistant.retrieval.hybrid import Retrieval, Retriever, SearchMode
from assistant.retrieval.keyword import KeywordIndexes

__all__ = ["KeywordIndexes", "Retrieval", "RetrievalFilter", "Retriever", "SearchMode"]
