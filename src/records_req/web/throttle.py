"""Sign-in throttling: failed sign-ins are counted per client address and per account name, in
moving windows of a minute, an hour and a day (the ``limits`` library), so that each step a guesser
takes makes the next wait longer: from one address, 5 failures a minute, then 20 an hour, then 100
a day; for one account, from any number of addresses, 10 a minute, 30 an hour, 200 a day.

Only failures count (an office of people signing in from one address is never slowed), and a
refused attempt is not checked at all, so a right password tells nothing while refused. An IPv6
client counts as its /64 block, which one household or server usually holds whole.

The counts live in this process's memory: a restart forgets them, and several server processes
would each keep their own (N processes allow N times the guesses). ``records-req serve`` runs one.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

ADDRESS_LIMITS: list[RateLimitItem] = parse_many("5/minute;20/hour;100/day")
ACCOUNT_LIMITS: list[RateLimitItem] = parse_many("10/minute;30/hour;200/day")

Reason = Literal["address", "account"]


@dataclass(frozen=True)
class Refusal:
    """A sign-in refused before its password is checked: why, and the seconds to wait."""

    reason: Reason
    retry_after: int

    def message(self) -> str:
        where = "from this address" if self.reason == "address" else "for this account"
        return f"Too many failed sign-ins {where}. Try again in {wait_words(self.retry_after)}."


def wait_words(seconds: int) -> str:
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds > size:
            n = math.ceil(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def address_key(address: str | None) -> str:
    """The client as the throttle counts it: an IPv4 address, or an IPv6 client's /64 block."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def account_key(name: str) -> str:
    """The account name as typed (names are at most 80 characters; longer ones share one key)."""
    from records_req.accounts import NAME

    return name if NAME.match(name) else "(not an account name)"


class SignInThrottle:
    """The failed sign-ins of one server process; thread-safe (one lock per key in ``limits``)."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def _keys(self, address: str | None, name: str) -> list[tuple[Reason, list[RateLimitItem], str]]:
        return [("address", ADDRESS_LIMITS, address_key(address)), ("account", ACCOUNT_LIMITS, account_key(name))]

    def refusal(self, address: str | None, name: str) -> Refusal | None:
        """None if this attempt may be checked; else why not, and for how long (the longest wait)."""
        waits: list[tuple[int, Reason]] = []
        for reason, items, key in self._keys(address, name):
            for item in items:
                if not self._limiter.test(item, "sign-in", reason, key):
                    reset = self._limiter.get_window_stats(item, "sign-in", reason, key).reset_time
                    waits.append((max(1, math.ceil(reset - time.time())), reason))
        if not waits:
            return None
        wait, reason = max(waits)
        return Refusal(reason, wait)

    def failed(self, address: str | None, name: str) -> None:
        for reason, items, key in self._keys(address, name):
            for item in items:
                self._limiter.hit(item, "sign-in", reason, key)
