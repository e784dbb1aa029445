"""Prompt files (`*.md`), read with `assistant.prompts.load_prompt`."""
