"""Turning record values into cell text for the tabular formats."""

from __future__ import annotations

from typing import Any


def items(value: Any) -> list[str]:
    """A value as a list of display strings (figure records show their 'figure' text)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(value.get("figure", value))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in items(v)]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def text(value: Any, sep: str) -> str:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return sep.join(items(value))
