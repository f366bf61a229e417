"""Boolean settings from the environment, read the same way everywhere."""

from __future__ import annotations

import os

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})


def flag(name: str, default: bool = False) -> bool:
    """$name as a boolean: 1/true/yes/on or 0/false/no/off/empty (any case, spaces ignored).
    Unset, or a value that is neither, gives `default`."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    return default
