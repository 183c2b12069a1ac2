"""Who writes the letters: a requester profile, set and shown as every door does it (the command
line's ``profile``, the Python API), with the same input checks."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from records_req.errors import NotFoundError


class ProfileCard(NamedTuple):
    """One requester profile: who signs the letters, and where agencies reply."""

    key: str  # the profile's name ("default")
    name: str
    email: str | None
    address: str | None  # postal address, lines separated by "\n"
    phone: str | None
    organization: str | None
    state: str | None  # the USPS code of the state the requester lives in (residency rules)

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class UnknownProfile(NotFoundError):
    """No profile ``key`` yet."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"No profile {key!r}.")


def _card(row: Any) -> ProfileCard:
    return ProfileCard(*(getattr(row, field) for field in ProfileCard._fields))


def show_profile(session: Session, key: str = "default") -> ProfileCard:
    """Profile ``key``; :class:`UnknownProfile` if there is none."""
    from records_req.tracker.service import get_profile

    row = get_profile(session, key)
    if row is None:
        raise UnknownProfile(key)
    return _card(row)


def save_profile(
    session: Session,
    key: str = "default",
    *,
    name: str | None = None,
    email: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    organization: str | None = None,
    state: str | None = None,
) -> ProfileCard:
    """Create profile ``key`` (``name`` required) or change the fields given (None keeps a field).
    Text is checked as letters print it; ``\\n`` in an address is a new line; ``state`` is a state's
    code or name."""
    from records_req.hygiene import clean
    from records_req.tracker.service import set_profile

    given = {
        "name": ("The name", name),
        "email": ("The email", email),
        "address": ("The address", address),
        "phone": ("The phone number", phone),
        "organization": ("The organization", organization),
    }
    values: dict[str, Any] = {k: clean(label, v.replace("\\n", "\n") if v else v) for k, (label, v) in given.items()}
    state = clean("The state", state)
    if state:
        from records_req.laws import load_laws

        values["state"] = load_laws().get_or_raise(state).code
    return _card(set_profile(session, key, **values))
