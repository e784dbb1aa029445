"""The shared types of pmassist, below every feature: the project record, evidence, answers,
reporting periods and facts, the status report, risks, drafts and their checks, access, errors.

Everything here is data and the rules that belong to the data (a risk's status transitions, a
period's arithmetic); nothing here reads a store, a model or a file.
"""
