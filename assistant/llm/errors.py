"""What can go wrong with a language model, in terms a person can act on."""

from __future__ import annotations

from assistant.domain.errors import PmassistError


class ModelError(PmassistError):
    """The language model could not produce a usable reply. Nothing was saved."""


class ModelUnavailableError(ModelError):
    """The endpoint did not answer: down, too slow, rate-limited or failing, after the retries."""


class ModelRequestError(ModelError):
    """The endpoint refused the request (bad key, unknown model, invalid parameters)."""


class ModelOutputError(ModelError):
    """The reply is unusable: cut off at the length limit, filtered, or refused."""

    def __init__(self, reason: str, message: str, output_tokens: int = 0) -> None:
        super().__init__(message)
        self.output_tokens = output_tokens  # what the model wrote before it was stopped
        self.reason = reason  # "length", "content_filter", "refusal", "repetition", "context"


class StructuredOutputError(ModelError):
    """The model's reply failed validation on every attempt."""

    def __init__(
        self, schema: str, attempts: int, errors: list[str], input_tokens: int, output_tokens: int
    ) -> None:
        super().__init__(
            f"The model's reply did not match the {schema} format after {attempts} attempts "
            f"(last problem: {errors[-1] if errors else 'unknown'}). Tokens used: "
            f"{input_tokens} in, {output_tokens} out."
        )
        self.attempts = attempts
        self.errors = errors
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens


# Why a reply was not used, as the label shown to the PM completes it ("failed its checks (…)").
FAILED_OUTPUT = {
    "length": "it was cut off at its length limit",
    "content_filter": "the endpoint filtered it",
    "refusal": "the model refused",
    "repetition": "it started repeating itself or its instructions",
    "context": "its prompt did not fit the model's context window",
}


def failed_because(error: ModelOutputError | StructuredOutputError) -> str:
    if isinstance(error, StructuredOutputError):
        return f"its reply failed the format {error.attempts} times"
    return FAILED_OUTPUT.get(error.reason, error.reason)
