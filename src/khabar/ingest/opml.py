"""OPML: the subscription list every feed reader imports and exports (Miniflux, FreshRSS).

Why: someone moving to Khabar brings their feeds as an OPML file, and leaves with one.
Outlines may nest (folders); any outline with an ``xmlUrl`` is a feed. Parsed with the
standard library's expat (2.4+ refuses entity-expansion bombs; external entities are never
fetched), after a size cap.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..models import Source
from .urls import InvalidURL, canonical_url

__all__ = ["OPMLError", "OPMLFeeds", "read_opml", "write_opml"]

MAX_OPML_BYTES = 10_000_000


class OPMLError(ValueError):
    """The file is not an OPML subscription list (the message says why)."""


@dataclass
class OPMLFeeds:
    sources: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<url or text>: <reason>"


def read_opml(data: bytes) -> OPMLFeeds:
    """The feeds an OPML document lists, as sources (canonical URLs, first of duplicates kept);
    outlines whose ``xmlUrl`` is not an http(s) URL are listed in ``skipped`` with the reason."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"larger than {MAX_OPML_BYTES // 1_000_000} MB: not a subscription list")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OPMLError(f"not well-formed XML ({exc})") from None
    if root.tag != "opml" or root.find("body") is None:
        raise OPMLError(f"not OPML (root element <{root.tag}>, or no <body>)")
    found = OPMLFeeds()
    seen: set[str] = set()
    for outline in root.find("body").iter("outline"):
        raw = (outline.get("xmlUrl") or "").strip()
        if not raw:
            continue  # a folder, or a plain outline
        name = (outline.get("title") or outline.get("text") or "").strip()
        try:
            url = canonical_url(raw)
        except InvalidURL as exc:
            found.skipped.append(f"{raw}: {exc}")
            continue
        if url not in seen:
            seen.add(url)
            found.sources.append(Source(url=url, name=name or url, kind="feed"))
    return found


def write_opml(sources: list[Source], title: str = "Khabar subscriptions") -> bytes:
    """An OPML 2.0 document of the feed sources (pages and sitemaps are not feeds: left out)."""
    opml = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(opml, "head"), "title").text = title
    body = ET.SubElement(opml, "body")
    for s in sources:
        if s.kind == "feed":
            ET.SubElement(body, "outline", type="rss", text=s.name, title=s.name, xmlUrl=s.url)
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"  # a text file ends its last line
