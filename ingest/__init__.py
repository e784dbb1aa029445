"""Turning a project's files into documents, chunks and vectors."""
