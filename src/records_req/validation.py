"""Typed reading of YAML data files, with errors that name the file, the entry and the field.

Used by the law data (``laws.py``) and the topics (``topics.py``): a malformed file stops with
one clear message instead of a traceback or, worse, a silently dropped fact.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar, cast

from records_req.errors import DataFileError

T = TypeVar("T")
_MISSING = object()


class Fields:
    """Typed access to one mapping in the YAML, with errors that say exactly where."""

    def __init__(
        self,
        path: str,
        entry: str,
        data: object,
        prefix: str,
        error: type[DataFileError] = DataFileError,
    ) -> None:
        self.path, self.entry, self.prefix, self.error = path, entry, prefix, error
        if not isinstance(data, dict):
            self.fail(None, f"expected a mapping, got {kind_of(data)}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def name(self, key: str | None) -> str | None:
        if key is None:
            return self.prefix or None
        return f"{self.prefix}.{key}" if self.prefix else key

    def fail(self, key: str | None, problem: str) -> NoReturn:
        raise self.error(self.path, self.entry, self.name(key), problem)

    def value(self, key: str, required: bool) -> object:
        self.used.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(key, "is required")
            return None
        return value

    def text(self, key: str) -> str:
        value = self.value(key, True)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be non-empty text, got {kind_of(value)}")
        return value.strip()

    def opt_text(self, key: str) -> str | None:
        value = self.value(key, False)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(key, f"must be text, got {kind_of(value)}")
        return value.strip() or None

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.value(key, default is None)
        if value is None:
            return bool(default)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, got {kind_of(value)}")
        return value

    def opt_int(self, key: str, maximum: int = 3650) -> int | None:
        value = self.value(key, False)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.fail(key, f"must be a whole number of days (or null), got {kind_of(value)}")
        if value > maximum:
            self.fail(key, f"must be at most {maximum}, got {value}")
        return value

    def choice(self, key: str, choices: tuple[T, ...], required: bool = True) -> T | None:
        value = self.value(key, required)
        if value is None:
            return None
        if value not in choices:
            options = ", ".join(str(c) for c in choices)
            self.fail(key, f"must be one of {options}; got {value!r}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.value(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of text")
        return tuple(v.strip() for v in cast(list[str], value))

    def sub(self, key: str, required: bool = True) -> Fields | None:
        value = self.value(key, required)
        if value is None:
            return None
        return Fields(self.path, self.entry, value, self.name(key) or key, self.error)

    def items(self, key: str) -> list[Fields]:
        value = self.value(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"must be a list, got {kind_of(value)}")
        return [
            Fields(self.path, self.entry, item, f"{self.name(key)}[{i}]", self.error)
            for i, item in enumerate(cast(list[object], value))
        ]

    def done(self) -> None:
        """Refuse keys nobody read: a typo must not silently drop a legal fact."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(unknown[0], "is not a known field (check the spelling)")


def kind_of(value: object) -> str:
    if value is None or value is _MISSING:
        return "nothing"
    return f"{type(value).__name__} {value!r}"[:80]


def refuse_aliases(text: str, path: str, error: type[DataFileError] = DataFileError) -> None:
    """Anchors and aliases have no use in our data files, and nested aliases can expand without
    bound (a "billion laughs" file): refuse them before anything is built."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                line = token.start_mark.line + 1
                raise error(
                    path, None, None, f"uses a YAML anchor or alias at line {line}; write each value out in full"
                )
    except yaml.YAMLError:
        return  # the parser reports it, with its position
