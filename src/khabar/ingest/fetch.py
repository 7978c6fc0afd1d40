"""A polite, defensive HTTP fetcher (httpx).

Politeness: a User-Agent naming Khabar, robots.txt, a minimum delay and a
concurrency cap per host, conditional GET (ETag / Last-Modified; a 304 costs
nothing), Retry-After and exponential backoff on 429 and 5xx.

Defence: timeouts, a maximum body size (streamed, cut at the limit), a redirect
limit with loop detection, and an SSRF guard that resolves every host (on every
redirect hop too) and refuses loopback, private, link-local, multicast and
reserved addresses unless the caller allows private addresses explicitly. The
guard runs again where the socket is opened, on the addresses it connects to, so
a DNS answer that changes between the check and the connection (rebinding) is
refused too.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from .. import __version__
from .urls import shown_url

__all__ = ["FetchOptions", "FetchResult", "FetchError", "BlockedAddress", "Fetcher", "decode_body", "check_address", "public_addresses"]

log = logging.getLogger("khabar.fetch")

# A robots.txt may ask for more time between requests than ours; beyond this it would hold a
# source's round for an hour (Crawl-delay: 3600), so it is honoured up to here.
MAX_CRAWL_DELAY = 30.0

USER_AGENT = f"Khabar/{__version__} (+https://github.com/khabar-news/khabar; Arabic news aggregator)"


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 15.0  # per network operation (connect, each read)
    # ... and for a whole response: a server that trickles a byte now and then never trips the
    # per-read timeout, and would hold the crawl (one source's round) for as long as it liked.
    max_seconds: float = 60.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    per_host_delay: float = 1.0  # seconds between requests to one host
    per_host_concurrency: int = 2
    retries: int = 3
    backoff: float = 1.0  # first retry wait; doubles each time
    max_retry_after: float = 60.0
    respect_robots: bool = True
    user_agent: str = USER_AGENT
    allow_private: bool = False  # a global setting; sources can allow it for themselves
    allow_loopback: bool = False  # only 127.0.0.0/8 and ::1 (tests, a local dev server)
    # An HTTP(S) proxy every request goes through (``KHABAR_PROXY``), for a network that reaches
    # the web only that way. The environment's HTTP(S)_PROXY is never read: through a proxy the
    # address finally connected to is the proxy's to choose, so the guard checks what it can
    # (the name, where it resolves here; a name only the proxy can resolve passes) and the
    # operator states the choice.
    proxy: str | None = None


@dataclass
class FetchResult:
    url: str
    status: int
    content: bytes = b""
    headers: dict = field(default_factory=dict)
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def text(self) -> str:
        return decode_body(self.content, self.headers.get("content-type", ""))


class FetchError(Exception):
    """A fetch failed; ``reason`` is short and stable enough to record on a source."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class BlockedAddress(FetchError):
    pass


def check_address(url: str, allow_private: bool, allow_loopback: bool = False, via_proxy: bool = False) -> None:
    """Refuse URLs whose host resolves to a non-public address (unless allowed). ``via_proxy``:
    a host that does not resolve here passes (behind a proxy, only the proxy may resolve names)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"unsupported URL: {url}")
    if allow_private:
        return
    try:
        public_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allow_loopback)
    except BlockedAddress:
        raise
    except FetchError:
        if not via_proxy:
            raise


def public_addresses(host: str, port: int, allow_loopback: bool = False) -> list[str]:
    """The addresses ``host`` resolves to, in resolver order; BlockedAddress if any of them is
    not public (loopback, private, link-local, multicast, reserved, unspecified, or an IPv4
    address of those kinds mapped into IPv6), save loopback when ``allow_loopback``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not (allow_loopback and ip.is_loopback) and (
                ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or (ip.version == 6 and ip.ipv4_mapped and not ip.ipv4_mapped.is_global)):
            raise BlockedAddress(f"blocked non-public address {ip} for {host}")
        addresses.append(info[4][0])
    return list(dict.fromkeys(addresses))


# (allow_private, allow_loopback) of the request being sent: the connection step reads it.
_POLICY: contextvars.ContextVar[tuple[bool, bool]] = contextvars.ContextVar("khabar_fetch_policy",
                                                                           default=(False, False))


class _GuardedBackend(httpcore.SyncBackend):
    """Opens sockets only to addresses the SSRF guard accepts, and to exactly those it checked.

    Why: ``check_address`` resolves a host before the request, but the connection would resolve
    it again, and a hostile DNS server answering with a zero TTL can give the check a public
    address and the connection 127.0.0.1 (DNS rebinding). Here the host is resolved once, every
    address is checked, and the socket connects to a checked address. TLS still verifies the
    certificate against the host name (httpcore passes it to ``start_tls`` apart).
    """

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        allow_private, allow_loopback = _POLICY.get()
        if allow_private:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        error: Exception | None = None
        for address in public_addresses(host, port, allow_loopback):
            try:  # each address in turn, as the resolver ordered them (socket.create_connection's way)
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport with its connection pool on ``_GuardedBackend``. httpx offers no
    parameter for the network backend; the pool it builds is replaced by one with httpx's
    default limits (the rebinding test fails should httpx stop sending through ``_pool``)."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(),
        )


_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding=["']([A-Za-z0-9_\-]+)""", re.I)


def decode_body(content: bytes, content_type: str = "") -> str:
    """Decode a page: declared charset (header, meta, XML), checked; UTF-8; windows-1256 for Arabic.

    Pages mislabeled as ISO-8859-1 (a server default) but written in UTF-8 or
    windows-1256 are common on Arabic sites, so a Latin-1 label is not trusted.
    """
    declared = None
    m = re.search(r"charset=([A-Za-z0-9_\-]+)", content_type or "", re.I)
    if m:
        declared = m.group(1)
    else:
        head = content[:4096]
        m2 = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        if m2:
            declared = m2.group(1).decode("ascii", "ignore")
    candidates = []
    if declared and declared.lower().replace("_", "-") not in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
        candidates.append(declared)
    candidates += ["utf-8", "windows-1256"]
    for enc in candidates:
        try:
            return content.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("utf-8", errors="replace")


class Fetcher:
    def __init__(self, options: FetchOptions | None = None, transport: httpx.BaseTransport | None = None):
        self.options = options or FetchOptions()
        self.client = httpx.Client(
            timeout=self.options.timeout,
            follow_redirects=False,  # redirects are followed here, each hop checked by the SSRF guard
            headers={"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"},
            # Given a transport, httpx reads no proxy from the environment; ``proxy`` is the only way.
            transport=transport if transport is not None else _GuardedTransport(),
            proxy=self.options.proxy,
        )
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        self._host_sems: dict[str, threading.Semaphore] = {}
        self._robots: dict[str, RobotFileParser | None] = {}
        self._asked_delay: dict[str, float] = {}  # host → the delay its robots.txt asks for
        self.recent: deque[str] = deque(maxlen=1000)  # the last requests, for tests and the crawl log

    def close(self) -> None:
        self.client.close()

    # --- politeness -----------------------------------------------------------------
    def host_delay(self, host: str) -> float:
        """Seconds between two requests to ``host``: ours, or longer when its robots.txt asks
        for it (``Crawl-delay``, or a ``Request-rate``), up to ``MAX_CRAWL_DELAY``."""
        return max(self.options.per_host_delay, self._asked_delay.get(host, 0.0))

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, 0.0))
            self._next_slot[host] = slot + self.host_delay(host)
        if slot > now:
            time.sleep(slot - now)

    def _sem(self, host: str) -> threading.Semaphore:
        with self._lock:
            if host not in self._host_sems:
                self._host_sems[host] = threading.Semaphore(self.options.per_host_concurrency)
            return self._host_sems[host]

    def allowed_by_robots(self, url: str, allow_private: bool) -> bool:
        if not self.options.respect_robots:
            return True
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in self._robots:
            parser: RobotFileParser | None = RobotFileParser()
            try:
                result = self._get(base + "/robots.txt", {}, allow_private, check_robots=False)
                if result.status >= 400:
                    parser = None  # no robots.txt: everything allowed
                else:
                    parser.parse(result.text().splitlines())
                    self._remember_asked_delay(parts.netloc, parser)
            except FetchError:
                parser = None
            self._robots[base] = parser
        parser = self._robots[base]
        return parser is None or parser.can_fetch(self.options.user_agent, url)

    def _remember_asked_delay(self, host: str, parser: RobotFileParser) -> None:
        agent = self.options.user_agent
        asked = parser.crawl_delay(agent)
        rate = parser.request_rate(agent)
        if rate is not None and rate.requests:
            asked = max(float(asked or 0), rate.seconds / rate.requests)
        if asked:
            with self._lock:
                self._asked_delay[host] = min(float(asked), MAX_CRAWL_DELAY)

    # --- fetching --------------------------------------------------------------------------
    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None,
              allow_private: bool = False) -> FetchResult:
        """GET ``url`` politely; conditional when ``etag``/``last_modified`` are known."""
        allow_private = allow_private or self.options.allow_private
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, headers, allow_private, check_robots=True)

    def _get(self, url: str, headers: dict, allow_private: bool, check_robots: bool) -> FetchResult:
        if check_robots and not self.allowed_by_robots(url, allow_private):
            raise FetchError("disallowed by robots.txt")
        seen = {url}
        for _ in range(self.options.max_redirects + 1):
            result = self._get_once(url, headers, allow_private)
            if result.status in (301, 302, 303, 307, 308):
                location = result.headers.get("location")
                if not location:
                    raise FetchError(f"redirect without Location from {url}", result.status)
                url = urljoin(url, location)
                if url in seen:
                    raise FetchError(f"redirect loop at {url}", result.status)
                seen.add(url)
                continue
            return result
        raise FetchError(f"too many redirects (> {self.options.max_redirects})")

    def _get_once(self, url: str, headers: dict, allow_private: bool) -> FetchResult:
        check_address(url, allow_private, self.options.allow_loopback, via_proxy=self.options.proxy is not None)
        host = urlsplit(url).netloc
        wait = self.options.backoff
        for attempt in range(self.options.retries + 1):
            with self._sem(host):
                self._wait_turn(host)
                try:
                    result = self._stream(url, headers, allow_private)
                except httpx.TimeoutException:
                    result = None  # retried like a 5xx
                except httpx.HTTPError as exc:
                    raise FetchError(f"connection failed: {type(exc).__name__}") from None
            conditional = " (conditional)" if headers else ""
            line = f"GET {shown_url(url)}{conditional} → {result.status if result else 'timeout'}"
            self.recent.append(line)
            log.info(line)
            if result is not None and result.status not in (429, 500, 502, 503, 504):
                if result.status == 304:
                    result.not_modified = True
                elif result.status >= 400:
                    raise FetchError(f"HTTP {result.status}", result.status)
                return result
            if attempt == self.options.retries:
                if result is None:
                    raise FetchError("timeout")
                raise FetchError(f"HTTP {result.status} after {attempt + 1} attempts", result.status)
            delay = _retry_after(result.headers.get("retry-after")) if result is not None else None
            time.sleep(min(delay if delay is not None else wait, self.options.max_retry_after))
            wait *= 2
        raise FetchError("unreachable")  # pragma: no cover

    def _stream(self, url: str, headers: dict, allow_private: bool) -> FetchResult:
        policy = _POLICY.set((allow_private, self.options.allow_loopback))
        try:
            return self._read(url, headers)
        finally:
            _POLICY.reset(policy)

    def _read(self, url: str, headers: dict) -> FetchResult:
        deadline = time.monotonic() + self.options.max_seconds
        with self.client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.options.max_bytes:
                raise FetchError(f"body too large ({declared} bytes)")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.options.max_bytes:
                    raise FetchError(f"body too large (> {self.options.max_bytes} bytes)")
                if time.monotonic() > deadline:
                    raise FetchError(f"too slow (over {self.options.max_seconds:g} s for one response)")
                chunks.append(chunk)
            return FetchResult(url=str(response.url), status=response.status_code, content=b"".join(chunks),
                               headers={k.lower(): v for k, v in response.headers.items()})


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
