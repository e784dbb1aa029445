"""The words that name kinds of risk: data protection, security, vendors, and the category a line
of text speaks of. Shared by the detectors, the folding of signals and the proposal rules."""

from __future__ import annotations

import re

from assistant.domain.risk import RiskCategory

PRIVACY_TERMS = re.compile(
    r"\b(?:GDPR|personal data|patient data|health data|DPIA|DPO|data protection|privacy|"
    r"mask(?:ing|ed)?)\b",
    re.IGNORECASE,
)
SECURITY_TERMS = re.compile(
    r"\b(?:NIS2|DORA|audit(?:or|s)?|access review|PCI(?: DSS)?|penetration test|"
    r"vulnerabilit(?:y|ies)|security finding|breach|MFA|privileged access)\b",
    re.IGNORECASE,
)
COMPLIANCE_TERMS = re.compile(f"{PRIVACY_TERMS.pattern}|{SECURITY_TERMS.pattern}", re.IGNORECASE)
VENDOR_TERMS = re.compile(
    r"\b(?:vendor|supplier|third[- ]party|contractor|support case|sandbox|SLA)\b", re.IGNORECASE
)

# Category of a free-text concern, first match wins: specific words before general ones.
CATEGORY_WORDS: list[tuple[RiskCategory, re.Pattern[str]]] = [
    ("compliance/security", COMPLIANCE_TERMS),
    ("compliance/security", re.compile(r"\b(?:security|compliance)\b", re.IGNORECASE)),
    (
        "budget",
        re.compile(r"\b(?:budget|overspend|overrun|cost(?:s|ing)?|forecast at)\b", re.I),
    ),
    ("scope", re.compile(r"\b(?:change request|CR-\d+|scope)\b", re.IGNORECASE)),
    (
        "resource",
        re.compile(
            r"\b(?:leave|key[- ]person|single point of failure|only \w+ knows|staff\w*|"
            r"capacity|resourc\w*|hiring|sick)\b",
            re.IGNORECASE,
        ),
    ),
    ("vendor/external", VENDOR_TERMS),
    (
        "quality",
        re.compile(
            r"\b(?:defects?|bugs?|Sev-?\d|severity[- ]?\d|reopened|regression|quality|hazards?|"
            r"incidents?|failures?|fails)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "technical",
        re.compile(
            r"\b(?:certificates?|licen[cs]es?|environment|outage|infrastructure|performance|"
            r"integration|migration|extract|database|network|TLS)\b",
            re.IGNORECASE,
        ),
    ),
]


def classify(text: str, default: RiskCategory) -> RiskCategory:
    """The category a line of text speaks of, by its words."""
    return stated_category(text) or default


def stated_category(text: str) -> RiskCategory | None:
    for category, pattern in CATEGORY_WORDS:
        if pattern.search(text):
            return category
    return None
