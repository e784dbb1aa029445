"""The stores: the relational store (SQLAlchemy; SQLite unless configured otherwise) for the
record, drafts, the register and access, and the vector index (Chroma, embedded or a server).
They know the domain types and the settings, nothing above them."""
