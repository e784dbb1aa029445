"""How minutes group their lists and write actions in shorthand: grouping bullets over ticket
lists (nested, or over a line with no ticket of its own), a label that opens its own list, and
actions written as "context => Name needs to …", with a bracketed phrase, or in two words."""

from __future__ import annotations

from pathlib import Path

from tests.test_loaders_minutes_conventions import load, meeting


def test_grouping_bullets_and_shorthand_actions(tmp_path: Path) -> None:
    text = """\
    # 2026-03-03

    ## Attendees
    * Dana Fox
    * Omar Haddad

    ## Notes
    * Work in progress:
      * Platform upkeep
        * [Rotate the staging keys](https://example.org/issues/12)
        * Waiting for capacity
          * [Move the nightly job to the new runners](https://example.org/issues/14)
    * Next milestone:
      * Platform upkeep
        * Credential renewals (issues to be created)
      * Current topics:
        * Database upgrade
    * Cloud credits: $40k left
      * TODO: expiry date? (Dana)
      * Spending above the alert (120%) => Omar needs to check the billing alerts
      * Add <the report jobs> to build monitoring => Dana
    """
    record = meeting(load(tmp_path, "2026-03-03.md", text).documents[0])
    progress = [(p.state, p.text) for p in record.progress]
    # Labels over lists of tickets are not items, even nested, or over a line with no ticket.
    assert ("in_progress", "Rotate the staging keys") in progress
    assert ("in_progress", "Move the nightly job to the new runners") in progress
    assert ("new", "Credential renewals (issues to be created)") in progress
    assert ("new", "Database upgrade") in progress
    labels = ("Platform upkeep", "Waiting for capacity", "Current topics")
    assert not [t for _, t in progress if t in labels]
    assert [(a.task, a.owner) for a in record.action_items] == [
        ("Cloud credits: expiry date?", "Dana Fox"),
        ("check the billing alerts (Spending above the alert (120%))", "Omar Haddad"),
        ("Add the report jobs to build monitoring", "Dana Fox"),
    ]
