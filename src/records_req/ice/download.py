"""Downloading ICE's page and sheets: one GET with a timeout, a User-Agent that names records-req and
its version, and a size cap; anything that goes wrong (offline, a timeout, an HTTP error, too
large) is one :class:`DownloadError` line. The standard library's urllib: no extra dependency."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from typing import NamedTuple
from urllib.parse import urlsplit

from records_req import __version__
from records_req.errors import RecordsReqError

USER_AGENT = f"records-req/{__version__} (public-records requests; checks ICE's 287(g) list)"
TIMEOUT = 30.0  # seconds without an answer (connecting, or between two reads)
_CHUNK = 2**16


class DownloadError(RecordsReqError):
    """ICE's page or a sheet could not be downloaded."""


class Downloaded(NamedTuple):
    url: str  # where it came from, after any redirect
    body: bytes
    content_type: str | None


def download(url: str, *, max_bytes: int, what: str, timeout: float = TIMEOUT) -> Downloaded:
    """GET ``url`` (http or https) and its body, at most ``max_bytes``; ``what`` names it in errors."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DownloadError(f"Cannot download {what} from {url!r}: give an http:// or https:// address.")
    host = parts.hostname
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _too_large(what, url, max_bytes)
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(what, url, max_bytes)
                chunks.append(chunk)
            return Downloaded(response.geturl(), b"".join(chunks), response.headers.get_content_type())
    except urllib.error.HTTPError as exc:
        exc.close()  # its response, unread
        raise DownloadError(
            f"{host} answered HTTP {exc.code} {exc.reason} for {what} ({url}); nothing was imported."
        ) from None
    except TimeoutError:
        raise DownloadError(
            f"{host} did not answer within {timeout:g} seconds for {what}; nothing was imported. Try again later."
        ) from None
    except ssl.SSLError as exc:
        raise DownloadError(f"Cannot download {what} from {host}: TLS error ({exc.reason or exc}).") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise DownloadError(
                f"{host} did not answer within {timeout:g} seconds for {what}; nothing was imported. Try again later."
            ) from None
        said = getattr(reason, "strerror", None) or str(reason)
        raise DownloadError(
            f"Cannot reach {host} for {what} ({said}); check the connection or the address. Nothing was imported."
        ) from None
    except (ConnectionError, OSError) as exc:
        raise DownloadError(
            f"The connection to {host} broke while downloading {what} ({exc.strerror or exc}); nothing was imported."
        ) from None


def _too_large(what: str, url: str, max_bytes: int) -> DownloadError:
    return DownloadError(
        f"{what} ({url}) is larger than {max_bytes // 2**20} MB, more than ICE's page or lists ever were; "
        "nothing was imported."
    )
