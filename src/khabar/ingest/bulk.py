"""Bulk import: SaudiNewsNet zips, JSON arrays and JSONL files.

The recipe (``import_paths``): expand paths → for each file, read *all* its records
first (a file with nothing readable fails before anything is written; a truncated
zip or JSON array yields the whole records it still holds, see ``salvage``) → turn each record into
an Article (cleaner + analysis), counting the bad ones with their reason → store
the file's articles in one transaction (idempotent on URL, tombstones respected).
A record ``khabar export`` wrote carries its cleaned ``paragraphs``: those are taken as they
are, so an export imports back unchanged (``ingest.export``).
"""

from __future__ import annotations

import codecs
import json
import os
from concurrent.futures import ProcessPoolExecutor
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..models import Analysis, Article, RelatedItem, analyze_article
from ..store import Store
from .clean import article_from_page, clean_page, plausible_published
from .outlets import KNOWN_OUTLETS
from .salvage import salvage_json_array, salvage_jsonl, salvage_zip
from .times import parse_time, zone_named
from .urls import InvalidURL, canonical_url, page_spellings

__all__ = ["ImportOptions", "ImportReport", "ImportFileError", "import_paths", "expand_paths", "record_to_article"]

SUFFIXES = (".zip", ".json", ".jsonl")


@dataclass
class ImportOptions:
    max_body_chars: int = 1_000_000  # a body larger than this is not an article
    max_file_bytes: int = 2_000_000_000
    # The zone of times written without one ("2015-07-21 02:51:32"): a dump from local-time
    # sites says Asia/Riyadh, say, or every time lands hours off (``khabar import --naive-tz``).
    naive_timezone: str = "UTC"


@dataclass
class ImportReport:
    files: int = 0
    records: int = 0
    new: int = 0
    existing: int = 0
    tombstoned: int = 0
    exact_duplicates: int = 0
    skipped: Counter = field(default_factory=Counter)
    undated: int = 0  # stored, but a date they give could not be read
    undated_example: str | None = None
    errors: list[str] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "records": self.records,
            "new": self.new,
            "existing": self.existing,
            "tombstoned": self.tombstoned,
            "exact_duplicates": self.exact_duplicates,
            "skipped": dict(self.skipped),
            "undated": self.undated,
            "undated_example": self.undated_example,
            "errors": self.errors,
        }


class ImportFileError(Exception):
    """A whole file could not be read; nothing of it was written."""


class BadRecord(Exception):
    """One record is unusable; the reason is counted and shown."""


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files to import: a directory contributes the .zip/.json/.jsonl files in it and in its
    folders (a dump by month, say), in path order; links to folders are not followed (a link
    back up would loop). A directory without any is an error, not "files: 0"."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(Path(top, name) for top, dirs, names in os.walk(p) for name in names
                           if Path(name).suffix.lower() in SUFFIXES and Path(top, name).is_file())
            if not found:
                raise ImportFileError(f"{p}: no .zip, .json or .jsonl file in it or in its folders")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise ImportFileError(f"{p}: no such file or directory")
    return out


def _decode(data: bytes) -> str:
    # A UTF-16 file with its byte order mark (what Windows tools write as "Unicode") is read as
    # such: read as UTF-8 it was "not valid JSON" from its first byte.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")  # a cut last character: U+FFFD
    # surrogateescape keeps invalid bytes as lone surrogates: the file still parses and
    # only the records that contain them are rejected (see _check_text).
    return data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")


def _parse_array(text: str, name: str) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if not isinstance(data, list):
        raise ImportFileError(f"{name}: expected a JSON array of articles")
    return data


def _parse_jsonl(text: str) -> list:
    records: list = []
    # Records end at "\n" only: str.splitlines() would also cut inside strings at U+0085,
    # U+2028 and friends, which JSON allows raw and scraped text does contain.
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            records.append(BadRecord(f"not JSON (line {n}: {exc.msg})"))
    return records


def read_records(path: Path, options: ImportOptions) -> list:
    """All records of one file (dicts, or BadRecord placeholders). Raises ImportFileError."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{name}: {exc.strerror}") from None
    if size > options.max_file_bytes:
        raise ImportFileError(f"{name}: file too large ({size} bytes)")
    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            records: list = []
            with zipfile.ZipFile(path) as zf:
                members = sorted(m for m in zf.namelist() if m.lower().endswith((".json", ".jsonl")))
                if not members:
                    raise ImportFileError(f"{name}: zip holds no .json or .jsonl file")
                for member in members:
                    records.extend(_member_records(f"{name}:{member}", _decode(zf.read(member))))
            return records
        data = path.read_bytes()
        if suffix == ".jsonl":
            return _parse_jsonl(_decode(data))
        return _read_array_file(_decode(data), name)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _salvaged(path, name, exc) from None
    except OSError as exc:
        raise ImportFileError(f"{name}: cannot read ({exc})") from None


def _member_records(where: str, text: str, complete: bool = True) -> list:
    """The records of one zip member (``where`` = file:member), JSONL or a JSON array; of a
    member the cut went through, only the records that ended before it."""
    if where.lower().endswith(".jsonl"):
        return _parse_jsonl(text if complete else salvage_jsonl(text))
    return _parse_array(text, where) if complete else salvage_json_array(text)


def _read_array_file(text: str, name: str) -> list:
    """A JSON array file; one cut off (an interrupted download or copy) or broken mid-way
    keeps the whole records before the break, like a truncated zip does."""
    try:
        return _parse_array(text, name)
    except ImportFileError as exc:
        records = salvage_json_array(text)
        if not records:
            raise
        raise PartialFile(f"{exc}; salvaged the {len(records)} whole records before it; import the repaired "
                          "file again to add the rest (nothing is doubled)", records) from None


class PartialFile(ImportFileError):
    """A file that cannot be read whole; ``records`` holds what could be salvaged from it."""

    def __init__(self, message: str, records: list):
        super().__init__(message)
        self.records = records


def _salvaged(path: Path, name: str, exc: Exception) -> PartialFile:
    """Whole members and the whole records of the cut member (see ``salvage``), as an error that carries them."""
    records: list = []
    whole, cut = 0, None
    for member in salvage_zip(path.read_bytes()):
        if not member.name.lower().endswith((".json", ".jsonl")):
            continue
        try:
            records.extend(_member_records(f"{name}:{member.name}", _decode(member.data), member.complete))
        except ImportFileError:
            records.extend(salvage_json_array(_decode(member.data)))  # whole but damaged: its whole records
        if member.complete:
            whole += 1
        else:
            cut = member.name
    message = f"{name}: truncated or corrupt zip ({exc})"
    if records:
        message += (f"; salvaged {len(records)} records from {whole} whole member(s)"
                    + (f" and the start of {cut}" if cut else "")
                    + "; import the complete file again to add the rest (nothing is doubled)")
    return PartialFile(message, records)


def _check_text(value, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
        raise BadRecord(f"{what} is a JSON object, not text")  # stored, it would read "{'a': 1}"
    if isinstance(value, list):  # paragraphs, as some scrapers write them
        value = "\n".join(str(v) for v in value if v is not None)
    if not isinstance(value, str):
        value = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        raise BadRecord(f"invalid UTF-8 in {what}")
    return value


MAX_TITLE_CHARS = 2_000  # the longest headlines in the corpus are under 300 characters


def _unreadable_date(record: dict) -> str | None:
    """A date the record gives that ``parse_time`` cannot read (its article is stored undated,
    and the import report says so: a dump in an unknown date format would otherwise lose every
    time silently, and with them recency, stories and the latest pages)."""
    for key in ("published", "date_extracted", "extracted"):
        value = record.get(key)
        if value not in (None, "") and parse_time(value) is None:
            return value if isinstance(value, str) else json.dumps(value)
    return None


def record_to_article(record, options: ImportOptions) -> tuple[Article, Analysis]:
    """One record → a cleaned, analyzed Article. Raises BadRecord with the reason."""
    if isinstance(record, BadRecord):
        raise record
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    try:
        url = canonical_url(_check_text(record.get("url"), "url"))
    except InvalidURL as exc:
        raise BadRecord(str(exc)) from None
    content = _check_text(record.get("content", record.get("body")), "body")
    if len(content) > options.max_body_chars:
        raise BadRecord("oversized body")
    title = " ".join(_check_text(record.get("title"), "title").split())
    if len(title) > MAX_TITLE_CHARS:
        raise BadRecord("oversized title")  # a text in the title field, not a headline
    source = record.get("source") or record.get("outlet")
    # An outlet is a name (or an id): an object or a list there is no name, so the host names it.
    outlet = _check_text(source, "source").strip() if isinstance(source, (str, int)) else ""
    if not outlet:
        outlet = (urlsplit(url).hostname or "unknown").removeprefix("www.")
    author = " ".join(_check_text(record.get("author"), "author").split()) or None
    zone = zone_named(options.naive_timezone)
    published = parse_time(record.get("published"), zone)
    extracted = parse_time(record.get("date_extracted") or record.get("extracted"), zone)
    if "paragraphs" in record:  # Khabar's own export: cleaned when first stored, so taken as it is
        article = _exported_article(record, options, url, outlet, title, author=author, published=published,
                                    extracted=extracted)
    else:  # a scraped record: its title and byline are cleaned with the text (``article_from_page``)
        article = article_from_page(clean_page(content), url, outlet, title, author=author, published=published,
                                    extracted=extracted)
    return article, analyze_article(article)


def _exported_article(record: dict, options: ImportOptions, url: str, outlet: str, title: str, **metadata) -> Article:
    """An article as ``khabar export`` wrote it (``ingest.export.article_record``): its parts
    as they were stored, checked for type and size but not cleaned again."""
    body = _strings(record.get("paragraphs"), "paragraphs")
    if sum(map(len, body)) > options.max_body_chars:
        raise BadRecord("oversized body")
    read_also = record.get("read_also") or []
    if not isinstance(read_also, list) or not all(isinstance(r, dict) for r in read_also):
        raise BadRecord("read_also must be a list of objects")
    if metadata.get("published") is not None:
        metadata["published"] = plausible_published(metadata["published"], metadata.get("extracted"))
    return Article(
        url=url, outlet=outlet, title=title, body=body,
        subheadings=_strings(record.get("subheadings"), "subheadings"),
        source_attribution=_check_text(record.get("source_attribution"), "source_attribution") or None,
        read_also=[RelatedItem(_check_text(r.get("title"), "read_also"), _strings(r.get("body"), "read_also"),
                               _check_text(r.get("url"), "read_also") or None) for r in read_also],
        similar_titles=_strings(record.get("similar_titles"), "similar_titles"),
        lead_image=_check_text(record.get("lead_image"), "lead_image") or None,
        **metadata,
    )


def _strings(value, what: str) -> list[str]:
    """A list of strings (None: empty), each checked as text; anything else is a bad record."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRecord(f"{what} must be a list of strings")
    return [_check_text(v, what) for v in value]


def import_paths(
    store: Store,
    paths: list[str | Path],
    options: ImportOptions | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import every file under ``paths``; see the module docstring for the recipe."""
    options = options or ImportOptions()
    report = ImportReport()
    try:
        files = expand_paths(paths)
    except ImportFileError as exc:
        report.errors.append(str(exc))
        return report
    pool = None
    pending = None  # the previous file, converting while the next one is read and submitted
    try:
        for path in [*files, None]:
            submitted = None
            if path is not None:
                try:
                    records = read_records(path, options)
                except ImportFileError as exc:
                    report.errors.append(str(exc))
                    records = getattr(exc, "records", None) or None  # what a cut or broken file still held
                if records is not None:
                    report.files += 1
                    report.records += len(records)
                    # Cleaning and analysis dominate import time: large files are converted
                    # on every core, and the next file converts while this one is written.
                    chunks = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
                    if len(records) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1:
                        pool = pool or ProcessPoolExecutor(max_workers=os.cpu_count())
                        converted = pool.map(_convert_chunk, chunks, [options] * len(chunks))
                    else:
                        converted = (_convert_chunk(c, options) for c in chunks)
                    submitted = (path, len(records), converted, _outlet_names(records))
            if pending is not None:
                _store_file(store, report, *pending, progress)
            pending = submitted
    finally:
        if pool is not None:
            pool.shutdown()
    return report


def _outlet_names(records: list) -> dict[str, str]:
    """Display names a file gives its outlets (``outlet_name`` beside ``source``)."""
    return {
        r["source"]: r["outlet_name"]
        for r in records
        if isinstance(r, dict) and isinstance(r.get("source"), str) and isinstance(r.get("outlet_name"), str)
    }


def _store_file(store: Store, report: ImportReport, path: Path, total: int, converted, names: dict, progress) -> None:
    """Collect one file's converted records and write them in one transaction."""
    batch: list[tuple[Article, Analysis]] = []
    seen: set[str] = set()
    done = 0
    for results in converted:
        for item in results:
            if isinstance(item, str):
                report.skipped[item] += 1
                continue
            article, analysis, bad_date = item
            if article.url in seen:
                report.existing += 1  # the same URL twice in one file
                continue
            seen.add(article.url)
            batch.append((article, analysis))
            if bad_date is not None:
                report.undated += 1
                report.undated_example = report.undated_example or bad_date[:60]
        done += CHUNK
        if progress:
            progress(path.name, min(done, total), total)
    batch = _new_pages(store, report, batch)
    names = {**{a.outlet: KNOWN_OUTLETS[a.outlet] for a, _ in batch if a.outlet in KNOWN_OUTLETS}, **names}
    if names:
        store.set_outlet_names(names)
    result = store.add_articles(batch)
    report.new += result.new
    report.existing += result.existing
    report.tombstoned += result.tombstoned
    report.exact_duplicates += result.exact_duplicates
    report.new_ids.extend(result.new_ids)


def _new_pages(store: Store, report: ImportReport, batch: list[tuple[Article, Analysis]]) -> list:
    """The articles whose page is neither stored nor deleted under another spelling of its
    address (the other scheme, "www.", a final slash, percent-encoding), counted as already
    stored or deleted before otherwise. Their own address is the store's to check
    (``add_articles``); a page deleted as http://… does not come back as https://…, and one
    file naming a page twice stores it once."""
    others = {a.url: [u for u in page_spellings(a.url) if u != a.url] for a, _ in batch}
    known = store.known_urls([u for spellings in others.values() for u in spellings])
    kept, taken = [], set()
    for item in batch:
        found = [known[u] for u in others[item[0].url] if u in known]
        if "deleted" in found:
            report.tombstoned += 1
        elif found or not taken.isdisjoint(others[item[0].url]):  # stored, or earlier in this file
            report.existing += 1
        else:
            kept.append(item)
            taken.add(item[0].url)
    return kept


CHUNK = 250
PARALLEL_MIN = 1000


def _convert_chunk(records: list, options: ImportOptions) -> list:
    """Records → (Article, Analysis, a date it could not read or None), or the reason string
    for a bad record."""
    out: list = []
    for record in records:
        try:
            out.append((*record_to_article(record, options), _unreadable_date(record)))
        except BadRecord as exc:
            out.append(str(exc))
    return out


def default_db_path() -> str:
    return os.environ.get("KHABAR_DB", "khabar.db")
