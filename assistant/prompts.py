"""Prompts as files: `prompts/<name>.md` with YAML front matter and `## System` / `## User` parts.

```
---
name: answer_question
version: "1"
description: Answer a question from numbered sources, citing each claim.
inputs: [question, sources]
---
## System
You answer from the sources only …
## User
{{ question }}
```

Placeholders are `{{ name }}`. A prompt whose placeholders differ from its declared inputs is
refused when loaded; rendering refuses a missing or an unknown value. Every output records the
prompt's name, version and hash (of the file's bytes), so a change to a prompt is traceable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.domain.errors import PmassistError
from assistant.domain.evidence import PromptRef

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PART = re.compile(r"^##\s+(System|User)\s*$", re.MULTILINE | re.IGNORECASE)


class PromptError(PmassistError):
    """A prompt file is malformed, or was rendered with the wrong values."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    description: str
    inputs: tuple[str, ...]
    system: str
    user: str
    hash: str

    @property
    def ref(self) -> PromptRef:
        return PromptRef(name=self.name, version=self.version, hash=self.hash)

    def render(self, **values: str) -> list[BaseMessage]:
        missing = [name for name in self.inputs if name not in values]
        unknown = [name for name in values if name not in self.inputs]
        if missing or unknown:
            problems = []
            if missing:
                problems.append("missing " + ", ".join(missing))
            if unknown:
                problems.append("unknown " + ", ".join(unknown))
            raise PromptError(f"Prompt '{self.name}' rendered with {'; '.join(problems)}.")

        def fill(template: str) -> str:
            # One pass, so a value containing "{{ x }}" (say, text from a source) stays literal.
            return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)

        return [SystemMessage(content=fill(self.system)), HumanMessage(content=fill(self.user))]


def parse_prompt(text: str, origin: str) -> Prompt:
    if not text.startswith("---\n"):
        raise PromptError(f"{origin}: a prompt file starts with YAML front matter ('---').")
    try:
        _, front_text, body = text.split("---\n", 2)
        front = yaml.safe_load(front_text) or {}
    except (ValueError, yaml.YAMLError) as error:
        raise PromptError(f"{origin}: unreadable front matter ({error}).") from error
    for key in ("name", "version", "description", "inputs"):
        if key not in front:
            raise PromptError(f"{origin}: front matter lacks '{key}'.")
    inputs = tuple(str(name) for name in front["inputs"] or ())
    parts = PART.split(body)
    # PART.split gives [before, "System", text, "User", text]
    sections = {parts[i].lower(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise PromptError(f"{origin}: needs exactly one '## System' and one '## User' part.")
    used = set(PLACEHOLDER.findall(sections["system"])) | set(PLACEHOLDER.findall(sections["user"]))
    if used != set(inputs):
        undeclared = sorted(used - set(inputs))
        unused = sorted(set(inputs) - used)
        raise PromptError(
            f"{origin}: placeholders and declared inputs differ "
            f"(undeclared: {undeclared or 'none'}; declared but unused: {unused or 'none'})."
        )
    return Prompt(
        name=str(front["name"]),
        version=str(front["version"]),
        description=str(front["description"]),
        inputs=inputs,
        system=sections["system"],
        user=sections["user"],
        hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


@lru_cache(maxsize=32)
def load_prompt(name: str) -> Prompt:
    """A prompt shipped in the `prompts` folder, by name."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise PromptError(f"Invalid prompt name {name!r}.")
    resource = resources.files("prompts").joinpath(f"{name}.md")
    if not resource.is_file():
        raise PromptError(f"No prompt named '{name}' in the prompts folder.")
    prompt = parse_prompt(resource.read_text(encoding="utf-8"), f"prompts/{name}.md")
    if prompt.name != name:
        raise PromptError(f"prompts/{name}.md declares the name '{prompt.name}'.")
    return prompt
