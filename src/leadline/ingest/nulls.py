"""YAML null in a document: an optional field set to null counts as absent.

YAML writers leave a key with no value (``alertPolicies:``) where they mean "none"; the format
owners' own examples do it, and their reference implementations (OpenSLO's Go SDK, Sloth) decode
it as the field's zero value. One rule for every document model that inherits ``NullAsAbsent``:
a null given for a field that has a default is dropped before validation, so the default
applies; a null given for a required field is refused, and ``null_reason`` says the value was
null rather than pydantic's bare type message.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator
from pydantic_core import ErrorDetails

NULL_NOTE = "is null (the key has no value)"


class NullAsAbsent(BaseModel):
    """A document model in which ``key: null`` (or ``key:``) means the key is absent."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict) or None not in data.values():
            return data
        optional = set()
        for name, info in cls.model_fields.items():
            if not info.is_required():
                optional.add(name)
                if isinstance(info.alias, str):
                    optional.add(info.alias)
        return {k: v for k, v in data.items() if v is not None or k not in optional}


def null_reason(error: ErrorDetails, reason: str) -> str:
    """A pydantic error's reason, saying so when the refused value was a YAML null."""
    if error.get("type") != "missing" and "input" in error and error["input"] is None:
        return f"{NULL_NOTE}; {reason[0].lower()}{reason[1:]}" if reason else NULL_NOTE
    return reason
