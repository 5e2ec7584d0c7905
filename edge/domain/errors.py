"""The one error type of the domain: a rule refused an input; says which field and why."""

from __future__ import annotations


class RuleError(ValueError):
    """A business rule refused an input. ``code`` is stable for programs, ``message`` is for people."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
