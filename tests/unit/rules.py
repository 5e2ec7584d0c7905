"""Checking what a business rule refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from edge.domain.errors import RuleError


def refusal(action: Callable[[], Any]) -> tuple[str, str | None]:
    """The (code, field) of the RuleError ``action`` raises; the test fails when it raises none."""
    with pytest.raises(RuleError) as raised:
        action()
    return raised.value.code, raised.value.field
