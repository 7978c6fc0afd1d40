"""Canonical article URLs: the external key of an article.

Light-touch on purpose: outlets and judged data use the URL as published (Arabic
path segments unescaped), so only what never identifies content is changed:
surrounding whitespace, scheme/host case, default ports, the fragment and
tracking parameters.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["article_id_for_url", "canonical_url", "no_article_message", "page_is_known", "page_spellings", "shown_url",
           "InvalidURL"]

_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src")


class InvalidURL(ValueError):
    pass


def canonical_url(url: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL("missing url")
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  raises on a port that is not one (":99999", ":x")
    except ValueError as exc:
        raise InvalidURL(f"unparsable url: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidURL("not an http(s) url")
    host = parts.netloc.lower()
    if host.endswith(":80") and parts.scheme.lower() == "http":
        host = host[:-3]
    elif host.endswith(":443") and parts.scheme.lower() == "https":
        host = host[:-4]
    query = parts.query
    if query and any(k.lower().startswith(_TRACKING_PREFIXES) for k, _ in parse_qsl(query, keep_blank_values=True)):
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not k.lower().startswith(_TRACKING_PREFIXES)]
        query = urlencode(kept, safe=":/")
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def article_id_for_url(store, url: str) -> int | None:
    """The stored article at ``url`` after canonicalization, else None.

    Arabic paths arrive both raw and percent-encoded; either spelling finds the article. When
    neither does, the same page under the other scheme, with or without "www." and with or
    without a final slash does: a site that moved to https, or a link copied from an address
    bar, names the article a feed stored under its first address.
    """
    for candidate in page_spellings(url):
        aid = store.article_id(candidate)
        if aid is not None:
            return aid
    return None


def no_article_message(store, url: str) -> str:
    """What to tell someone who names an article that is not stored: that it was deleted (a
    takedown), when it was, rather than only "no article"."""
    deleted = "deleted" in store.known_urls(list(page_spellings(url))).values()
    return f"no article with URL {url}" + (" (it was deleted, and stays so)" if deleted else "")


def page_is_known(store, url: str) -> bool:
    """Whether the page at ``url`` is stored or was deleted, under any of its spellings: a
    crawl neither fetches again what it has nor brings back a deleted article when a site moves
    to https (its feed then lists every article it stored under a new address)."""
    return bool(store.known_urls(list(page_spellings(url))))


def page_spellings(url: str):
    """The addresses a page may be stored under, its own first: canonical, raw and
    percent-encoded, then each of those under the other scheme, "www." and final slash."""
    from urllib.parse import quote, unquote

    try:
        canonical = canonical_url(url)
    except InvalidURL:
        return
    spellings = dict.fromkeys((canonical, unquote(canonical), quote(canonical, safe=":/?&=%#+;,@!$'()*~")))
    yield from spellings
    for spelling in spellings:
        yield from _same_page(spelling)


def _same_page(url: str):
    """``url`` under the other scheme, "www." toggled, the final slash toggled: each combination
    but ``url`` itself (the root path keeps its slash)."""
    parts = urlsplit(url)
    host = parts.netloc
    hosts = (host, host[4:] if host.startswith("www.") else "www." + host)
    path = parts.path
    paths = (path,) if path == "/" else (path, path[:-1] if path.endswith("/") else path + "/")
    schemes = (parts.scheme, "https" if parts.scheme == "http" else "http")
    for scheme in schemes:
        for h in hosts:
            for p in paths:
                if (scheme, h, p) != (parts.scheme, host, path):
                    yield urlunsplit((scheme, h, p, parts.query, ""))


def shown_url(url: str) -> str:
    """``url`` as logs and listings print it: a password in it (a feed behind basic auth,
    https://user:pass@host/feed) replaced by "***". The stored and fetched URL keeps it."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{parts.username}:***@{host}", parts.path, parts.query, parts.fragment))
