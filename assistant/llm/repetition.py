"""Degeneration: a reply that has started repeating itself, or its instructions.

Small models, and larger ones at low temperature, can fall into a loop ("the the the …", one
sentence over and over, one JSON item copied until the length limit), or recite the prompt's
instructions back. Such a reply is never usable, and every further token is time the PM waits
for: the stream is stopped as soon as it is plain.
"""

from __future__ import annotations

import re

LONGEST_PERIOD = 200  # characters in the repeated block
SHORTEST_LOOP = 160  # characters the loop must span before it counts
LEAST_REPEATS = 3
TAIL = LONGEST_PERIOD * LEAST_REPEATS + SHORTEST_LOOP
SAME_SENTENCE = 3  # the same long sentence this many times, anywhere in the reply
LONG_SENTENCE = 40  # characters; short ones ("Owner: Dana Fox.") may fairly recur
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


ECHO_SPAN = 100  # characters of the instructions, word for word, that no answer needs


def repeats_itself(text: str, structured: bool = False, instructions: str = "") -> bool:
    """True when the reply ends in a loop, or (prose only) says one long sentence three times
    or ends reciting its instructions; a JSON reply may fairly give several items the same
    field value."""
    if _ends_in_loop(text[-TAIL:]):
        return True
    return not structured and (_same_sentence_again(text) or _recites(text, instructions))


def _recites(text: str, instructions: str) -> bool:
    tail = " ".join(text[-3 * ECHO_SPAN :].split())[-ECHO_SPAN:]
    return len(tail) == ECHO_SPAN and tail in " ".join(instructions.split())


def _ends_in_loop(tail: str) -> bool:
    for period in range(1, min(LONGEST_PERIOD, len(tail) // LEAST_REPEATS) + 1):
        block = tail[-period:]
        if block.isspace():
            continue
        repeats = 1
        while tail.endswith(block, 0, len(tail) - period * repeats):
            repeats += 1
        if repeats >= LEAST_REPEATS and period * repeats >= SHORTEST_LOOP:
            return True
    return False


def _same_sentence_again(text: str) -> bool:
    seen: dict[str, int] = {}
    for sentence in SENTENCE_END.split(text):
        sentence = " ".join(sentence.split()).lower()
        if len(sentence) < LONG_SENTENCE:
            continue
        seen[sentence] = seen.get(sentence, 0) + 1
        if seen[sentence] >= SAME_SENTENCE:
            return True
    return False
