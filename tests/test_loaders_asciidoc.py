"""Meeting notes in AsciiDoc, read as minutes with the file's own line numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.domain.record import Meeting
from ingest.loaders.asciidoc import asciidoc_to_markdown
from tests.conftest import load_path

NOTES = """\
= Field app weekly
:date: 2026-11-04
:attendees: Ana Ribeiro, Kofi Mensah, Lena Park
:toc:
:vendor: Mapworks

// Draft: Lena to check the figures before this goes out.
== Status

* Overall status: Amber
* Sync works offline on the pilot tablets
** Photo upload still retries too often
* Map tiles depend on {vendor}, see <<risks,the risks>>

////
Action: Ana to remove this block before sharing
Decision: never recorded
////

== Notes

The retry log from the pilot:

----
== retry 1 (not a heading)
* not a bullet
----

. Checked the tile quota with link:https://mapworks.example/quota[the vendor's portal]
.. Quota resets monthly
. Release notes at https://example.org/notes[the wiki^]

== Decisions

* Decision: ship the pilot build on 2026-11-20

[[risks]]
== Risks

* Concern: {vendor} has not confirmed the tile quota for the pilot

== Action items

* [ ] Kofi Mensah to renew the test certificates by 2026-11-10
* [x] Ana Ribeiro: send the pilot plan to the sponsor
"""


def write(folder: Path, text: str = NOTES, name: str = "2026-11-04-field-weekly.adoc") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, words: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if words in line)


def test_notes_read_as_minutes_with_the_files_line_numbers(tmp_path: Path) -> None:
    result = load_path(write(tmp_path))
    assert (result.format, result.failures) == ("minutes-asciidoc", [])
    document = result.documents[0].document
    meeting = document.record
    assert isinstance(meeting, Meeting)
    assert (document.title, document.date) == ("Field app weekly", dt.date(2026, 11, 4))
    assert meeting.attendees == ["Ana Ribeiro", "Kofi Mensah", "Lena Park"]
    assert meeting.stated_status == "amber"

    renew = line_of(NOTES, "renew the test certificates")
    assert renew > 40  # deep in the file, below blocks that collapse when rendered
    first, done = meeting.action_items
    assert (first.owner, first.due, first.line, first.done) == (
        "Kofi Mensah",
        dt.date(2026, 11, 10),
        renew,
        False,
    )
    assert (done.owner, done.done) == ("Ana Ribeiro", True)
    assert [(d.text, d.line) for d in meeting.decisions] == [
        ("ship the pilot build on 2026-11-20", line_of(NOTES, "Decision: ship"))
    ]
    # The attribute's value stands where the notes refer to it.
    assert [(c.text, c.line) for c in meeting.concerns] == [
        (
            "Mapworks has not confirmed the tile quota for the pilot",
            line_of(NOTES, "Concern:"),
        )
    ]
    # Every section line is numbered as in the file, and the cited line holds its words.
    lines = {line.number: line.text for s in result.documents[0].sections for line in s.lines}
    assert "renew the test certificates" in lines[renew]
    assert "renew the test certificates" in NOTES.split("\n")[renew - 1]


def test_comments_are_not_read(tmp_path: Path) -> None:
    result = load_path(write(tmp_path))
    text = "\n".join(line.text for s in result.documents[0].sections for line in s.lines)
    assert "remove this block" not in text and "never recorded" not in text
    assert "check the figures" not in text
    meeting = result.documents[0].document.record
    assert isinstance(meeting, Meeting)
    assert len(meeting.action_items) == 2


def test_conversion_keeps_every_line_in_its_place() -> None:
    markdown = asciidoc_to_markdown(NOTES).split("\n")
    assert len(markdown) == len(NOTES.split("\n"))

    def at(words: str) -> str:
        return markdown[line_of(NOTES, words) - 1]

    assert markdown[0] == "# Field app weekly"
    assert at(":date:") == "date: 2026-11-04"
    assert at(":toc:") == ""
    assert at("== Status") == "## Status"
    assert at("Photo upload still") == "  - Photo upload still retries too often"
    assert at("Map tiles depend") == "- Map tiles depend on Mapworks, see the risks"
    assert at("Draft: Lena") == "" and at("remove this block") == ""
    assert at("retry 1") == "== retry 1 (not a heading)"  # verbatim, inside a fence
    assert at("not a bullet") == "* not a bullet"
    assert markdown[line_of(NOTES, "retry 1") - 2] == "```"
    assert at("Checked the tile quota") == (
        "1. Checked the tile quota with [the vendor's portal](https://mapworks.example/quota)"
    )
    assert at("Quota resets") == "  1. Quota resets monthly"
    assert at("Release notes") == "1. Release notes at [the wiki](https://example.org/notes)"
    assert at("[[risks]]") == ""


def test_asciidoc_extension_and_bold_text(tmp_path: Path) -> None:
    text = "= Steering notes\n\n== Decisions\n\n* Decision: keep *both* vendors\n"
    result = load_path(write(tmp_path, text, "steering.asciidoc"))
    assert result.format == "minutes-asciidoc"
    meeting = result.documents[0].document.record
    assert isinstance(meeting, Meeting)
    assert [(d.text, d.line) for d in meeting.decisions] == [("keep both vendors", 5)]
    assert asciidoc_to_markdown(text).split("\n")[4] == "- Decision: keep *both* vendors"
