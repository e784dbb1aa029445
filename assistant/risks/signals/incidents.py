"""Repeated incidents at one service: outages, capacity shortages and error responses the
minutes report for the same service or provider in the last weeks. One incident fixed is
operations; the same service failing again and again is a risk to everything that relies on it.

The service is what the lines name: a host ("repo.example.org"), or a provider ("Azure", "the
vendor's issue"). A provider outside the team makes it a vendor/external risk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from assistant.domain.risk import ProposalDraft
from assistant.risks.signals.assessment import Score
from assistant.risks.signals.base import LOOKBACK_DAYS, RiskSignal, slug
from assistant.risks.signals.family import SignalFamily
from assistant.risks.signals.outline import OutlineLine, read_outline
from assistant.risks.signals.proposals import draft
from assistant.risks.signals.scan import SignalScan

INCIDENT = re.compile(
    r"\b(?:outages?|capacity (?:issues?|outages?|problems?|shortages?)|(?:is|was|went|are|were) "
    r"down|downtime|unavailable|degraded|service disruption|(?:returning|returns|fails? with|"
    r"failed with|failing with) (?:an? )?(?:HTTP )?[45]\d\d|HTTP [45]\d\d|[45]\d\d (?:errors?|"
    r"Forbidden|Unauthorized|Service Unavailable)|incidents?)\b",
    re.IGNORECASE,
)
HOST = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:org|io|com|net|dev|cloud|app))\b", re.IGNORECASE)
# Providers many teams run on; their outages are outside the team's hands.
PROVIDERS = re.compile(
    r"\b(AWS|Amazon|Azure|Microsoft|GCP|Google Cloud|GitHub|GitLab|Atlassian|Bitbucket|"
    r"Cloudflare|Fastly|Akamai|DigitalOcean|Netlify|Vercel|Heroku|Oracle Cloud|Salesforce|"
    r"Okta|Auth0|Twilio|Stripe|JFrog|Artifactory|Docker Hub|Sonatype|npm|PyPI|Slack|Zoom)\b"
)
# "Jfrog's issue", "the vendor's outage": the line says whose fault it is.
THEIRS = re.compile(r"\b([A-Z][\w-]+)'s (?:issue|outage|incident|problem|side|bug)\b")
MIN_INCIDENTS = 2
MAX_CITED = 5


def _services(line: OutlineLine) -> set[str]:
    """The hosts and providers a line names (a provider also in the line it sits under)."""
    found = {host.lower().removeprefix("www.") for host in HOST.findall(line.text)}
    found |= {p.lower() for p in PROVIDERS.findall(" ".join([line.text, *line.parents[-1:]]))}
    found |= {p.lower() for p in THEIRS.findall(line.text)}
    return found


def detect(scan: SignalScan, specific: Sequence[RiskSignal]) -> list[RiskSignal]:
    """Services with two incidents or more in the last weeks, one of them in the period or
    still open."""
    outline = read_outline(scan, scan.period.end - dt.timedelta(days=LOOKBACK_DAYS))
    incidents: dict[str, list[OutlineLine]] = {}
    for line in outline:
        if not INCIDENT.search(line.text):
            continue
        # A note under an incident ("Consequence of the outage at X") names its service too.
        names = _services(line) | {n for above in line.above[-1:] for n in _services(above)}
        for name in names:
            incidents.setdefault(name, []).append(line)
    groups: list[tuple[set[str], list[OutlineLine]]] = []
    for name, lines in sorted(incidents.items(), key=lambda item: -len(item[1])):
        joined = next((g for g in groups if {id(x) for x in g[1]} & {id(x) for x in lines}), None)
        if joined:
            joined[0].add(name)
            joined[1].extend(x for x in lines if all(x is not y for y in joined[1]))
        else:
            groups.append(({name}, list(lines)))
    signals = []
    for names, lines in groups:
        # The same line carried from meeting to meeting is one incident, not several.
        distinct = {line.text.lower() for line in lines}
        recent = any(line.date and line.date >= scan.period.start for line in lines)
        if len(distinct) >= MIN_INCIDENTS and (recent or any(not x.done for x in lines)):
            signals.append(_signal(scan, names, lines))
    return signals


def _signal(scan: SignalScan, names: set[str], lines: list[OutlineLine]) -> RiskSignal:
    lines.sort(key=lambda line: line.date or dt.date.min, reverse=True)
    shown = sorted(names, key=lambda n: ("." not in n, n))
    service = " / ".join(_display(n, lines) for n in shown[:2])
    outside = any(PROVIDERS.search(x.text) or THEIRS.search(x.text) for x in lines)
    meetings = sorted({line.date for line in lines if line.date})
    signal = RiskSignal(
        key=f"incidents:{slug(shown[0])}",
        kind="service_incidents",
        category="vendor/external" if outside else "technical",
        subjects={f"incidents:{n}" for n in names},
        texts=[line.text for line in lines[:3]],
        vendor=service if outside else None,
        details={
            "incidents": len({x.text.lower() for x in lines}),
            "meetings": len(meetings),
            "open": sum(1 for x in lines if not x.done),
            "service": service,
        },
    )
    signal.facts += [f"{line.text} ({line.date})" for line in lines[:3]]
    for line in lines[:MAX_CITED]:
        scan.cite_line(signal, line.as_minutes_line(), line.text)
    return signal


def _display(name: str, lines: list[OutlineLine]) -> str:
    """The service as the minutes write it ('Azure', not 'azure')."""
    for line in lines:
        found = re.search(re.escape(name), line.text, re.IGNORECASE)
        if found:
            return found.group(0)
    return name


def propose(signal: RiskSignal) -> ProposalDraft:
    incidents, meetings = int(signal.details["incidents"]), int(signal.details["meetings"])
    still_open = int(signal.details.get("open", 0))
    service = str(signal.details["service"])
    chance = Score(3, f"{incidents} incidents in the last weeks")
    if meetings >= 2:
        chance.add(1, f"reported in {meetings} meetings")
    harm = Score(3, "the builds, releases or users that rely on it stop while it is down")
    if still_open:
        harm.add(1, f"{still_open} of them not reported fixed")
    return draft(
        signal,
        title=f"Repeated incidents at {service}: {incidents} in {meetings} meeting"
        f"{'s' if meetings > 1 else ''}"[:160],
        cause="; ".join(signal.facts[:3]),
        event=f"{service} fails again at a time the team depends on it",
        effect="releases, builds or services that rely on it stop until it recovers",
        likelihood=chance.value,
        impact=harm.value,
        response="mitigate",
        mitigation=[
            f"Ask the provider of {service} for the cause and what prevents a repeat",
            "Agree a fallback (a mirror, another region, a retry) for the work that relies on it",
        ],
        trigger=f"Another incident at {service}",
        inferred={"likelihood": chance.reason(), "impact": harm.reason()},
    )


FAMILY = SignalFamily(kind="service_incidents", generic=False, detect=detect, propose=propose)
