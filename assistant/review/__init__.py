"""The review of drafts: checks on save, the approval gate, versions and the audit log."""
