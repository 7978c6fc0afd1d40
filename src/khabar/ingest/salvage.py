"""Salvage from a truncated zip: the members that are whole, and the whole records of the cut one.

A bulk dump cut off in transfer has no central directory, so ``zipfile`` refuses
it outright and every article in it would be lost. The local file headers come
before each member's data, though, so reading them in order recovers every member
written before the cut, and the member the cut went through still yields the
records that ended before it. Re-importing the complete file later adds only the
rest (imports are idempotent), so nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass

__all__ = ["SalvagedMember", "salvage_zip", "salvage_json_array", "salvage_jsonl"]

_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_HEADER = struct.Struct("<4sHHHHHIIIHH")  # signature … name length, extra length
_STORED, _DEFLATED = 0, 8


@dataclass
class SalvagedMember:
    name: str
    data: bytes
    complete: bool  # False: the cut went through this member; ``data`` is what came before it


def salvage_zip(data: bytes) -> list[SalvagedMember]:
    """Members in file order, read from their local headers; stops at the cut or the central directory."""
    members: list[SalvagedMember] = []
    pos = 0
    while data.startswith(_LOCAL, pos) and pos + _HEADER.size <= len(data):
        _, _, flags, method, _, _, crc, csize, _, name_len, extra_len = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size + name_len + extra_len
        name = data[pos + _HEADER.size : pos + _HEADER.size + name_len].decode("utf-8", errors="replace")
        sizes_follow = bool(flags & 0x08)  # sizes in a data descriptor after the data
        if start > len(data):
            break
        if method == _DEFLATED:
            inflater = zlib.decompressobj(-15)
            chunk = data[start:] if sizes_follow or not csize else data[start : start + csize]
            try:
                out = inflater.decompress(chunk)
            except zlib.error:
                break  # damaged, not merely cut: nothing after this point can be trusted
            complete = inflater.eof
            used = len(chunk) - len(inflater.unused_data)
        elif method == _STORED and not sizes_follow:
            out = data[start : start + csize]
            complete = len(out) == csize
            used = len(out)
        else:
            break  # a method we cannot stream: stop rather than guess
        pos = start + used
        if complete and sizes_follow:
            descriptor = pos + 4 if data.startswith(_DESCRIPTOR, pos) else pos
            if descriptor + 12 > len(data):
                complete = False  # the cut fell in the descriptor: the checksum is gone
            else:
                crc = struct.unpack_from("<I", data, descriptor)[0]
                pos = descriptor + 12
        if complete and zlib.crc32(out) != crc:
            # Damaged, not cut: keep nothing of it, and go on to the next member when its
            # size was known up front (the next header is where the header said).
            if sizes_follow:
                break
            continue
        members.append(SalvagedMember(name, out, complete))
        if not complete:
            break
    return members


def salvage_json_array(text: str) -> list:
    """The whole elements at the start of a JSON array cut off mid-way."""
    decoder = json.JSONDecoder()
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("["):
        return []  # a wrapper object or no array at all: nothing safe to take
    pos = len(text) - len(stripped) + 1
    items: list = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return items
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return items  # the cut: everything before it is kept
        items.append(item)


def salvage_jsonl(text: str) -> str:
    """The whole lines of a JSONL text cut off mid-line."""
    return text[: text.rfind("\n") + 1] if not text.endswith("\n") else text
