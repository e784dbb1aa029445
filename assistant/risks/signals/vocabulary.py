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
    r"vulnerabilit(?:y|ies)|security finding|breach|MFA|privileged access|security (?:impact )?"
    r"assessment|security approval|authori[sz]ation to operate|ATO|incident response plan|"
    r"(?:section )?508 compliance|accessibility (?:review|audit|compliance))\b",
    re.IGNORECASE,
)
COMPLIANCE_TERMS = re.compile(f"{PRIVACY_TERMS.pattern}|{SECURITY_TERMS.pattern}", re.IGNORECASE)
VENDOR_TERMS = re.compile(
    r"\b(?:vendor|supplier|third[- ]party|contractor|support case|sandbox|SLA)\b", re.IGNORECASE
)
# An audit or security finding's id: "SEC-F-2027-03", "IG-2027-014".
FINDING_ID = re.compile(r"\b[A-Z]{2,5}(?:-[A-Z])?-\d{4}-\d{2,4}\b")
# Passing on what one person knows: the answer to a key-person dependency.
HANDOVER_TERMS = re.compile(
    r"\b(?:knowledge transfer|handover|hand(?:ing)? over|KT|runbook|shadow\w*|pair(?:ing)? with)\b",
    re.IGNORECASE,
)

# Secrets that stop working on a date: "the Algolia API write key expires", "renew the TLS
# certificates before 20 November", "the service principal credentials".
CREDENTIAL_TERMS = re.compile(
    r"\b(?:certificates?|certs?|mTLS|tokens?|PATs?|API[- ]?keys?|(?:access|signing|write|read|"
    r"secret|SSH|GPG|deploy|client|private|encryption) keys?|keys? pairs?|credentials?|passwords?|"
    r"secrets?|service principals?|licen[cs]es?|root CA|CRLs?)\b",
    re.IGNORECASE,
)
EXPIRY_TERMS = re.compile(
    r"\b(?:expir\w*|renew\w*|rotat(?:e|es|ion|ing)|valid (?:until|through|till)|run(?:s)? out)\b",
    re.IGNORECASE,
)
# Money that runs out: cloud credits, a grant, a sponsorship, the budget.
FUNDING_TERMS = re.compile(
    r"\b(?:credits?|funding|funds?|grants?|sponsor\w*|budget|allowance|runway)\b", re.IGNORECASE
)
DEPLETION_TERMS = re.compile(
    r"\b(?:deplet\w*|run(?:s|ning)? out|ran out|exhaust\w*|used up|burn(?:ed|t|s)? through|"
    r"(?:expire|expires|expiring|ends?|ending) (?:on|in|by|at)|runway)\b",
    re.IGNORECASE,
)
# A platform, service or vendor the team relies on changes under it or goes away.
CHANGE_TERMS = re.compile(
    r"\b(?:deprecat\w*|end[- ]of[- ](?:life|support|sale)|EOL|sunset\w*|retire(?:ment|d|s)?|"
    r"retiring|discontinu\w*|decommission\w*|shut(?:s|ting)? down|no longer (?:supported|"
    r"available|maintained|offered)|(?:stops?|stopping|ends?|ending|drops?|dropping) support|"
    r"price (?:increase|change)|pricing change|billing (?:plan )?chang\w*|plan chang\w*|"
    r"(?:migrat\w*|mov\w*|switch\w*) (?:off|away from)|leaving|"
    r"(?:support|licen[cs]es?|contracts?|subscriptions?|maintenance)(?: and \w+)? "
    r"(?:ends?|ending|stops?) (?:on|in|by|at))\b",
    re.IGNORECASE,
)
# People not there: "Dana is off from 8 to 15 July", "Omar on parental leave", "out of office".
ABSENCE_TERMS = re.compile(
    r"\b(?:(?:is|are|be|been|'s)\s+(?:away|off)|days? off|time off|off (?:from|until|till|on|"
    r"next|this|for)|OOO|out of (?:the )?office|on (?:annual |parental |sick |paternity |"
    r"maternity |medical )?leave|vacation|holidays?|unavailable|not available|resign\w*|"
    r"last day|leaving (?:the |our )?(?:team|company|project|organi[sz]ation))\b",
    re.IGNORECASE,
)

# Category of a free-text concern, first match wins: specific words before general ones.
CATEGORY_WORDS: list[tuple[RiskCategory, re.Pattern[str]]] = [
    ("compliance/security", COMPLIANCE_TERMS),
    ("compliance/security", re.compile(r"\b(?:security|compliance)\b", re.IGNORECASE)),
    (
        "technical",
        re.compile(f"(?=.*(?:{EXPIRY_TERMS.pattern}))(?:.*{CREDENTIAL_TERMS.pattern})", re.I),
    ),
    (
        "budget",
        re.compile(f"(?=.*(?:{DEPLETION_TERMS.pattern}))(?:.*{FUNDING_TERMS.pattern})", re.I),
    ),
    (
        "budget",
        re.compile(r"\b(?:budgets?|overspend|overrun|cost(?:s|ing)?|forecast at)\b", re.I),
    ),
    ("scope", re.compile(r"\b(?:change request|CR-\d+|scope)\b", re.IGNORECASE)),
    (
        "resource",
        re.compile(
            r"\b(?:leave|key[- ]person|single point of failure|only \w+ knows|staff\w*|"
            r"capacity|resourc\w*|hiring|sick)\b|" + ABSENCE_TERMS.pattern,
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
            r"integration|migration|extract|database|network|TLS|deprecat\w*|end[- ]of[- ]life|"
            r"EOL|sunset\w*|retire(?:ment|d)?|decommission\w*)\b",
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
