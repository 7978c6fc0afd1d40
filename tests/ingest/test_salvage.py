"""Salvage from cut input: what is whole is kept, in order, and nothing half-read is invented."""

import io
import json
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from khabar.ingest.salvage import salvage_json_array, salvage_jsonl, salvage_zip

records = st.lists(
    st.fixed_dictionaries({"url": st.text(min_size=1, max_size=20), "title": st.text(max_size=30), "n": st.integers()}),
    max_size=12,
)


@given(records, st.integers(min_value=0, max_value=2000))
def test_a_cut_json_array_yields_a_prefix_of_its_records(items, cut):
    text = json.dumps(items, ensure_ascii=False)
    got = salvage_json_array(text[: min(cut, len(text))])
    assert got == items[: len(got)]
    assert salvage_json_array(text) == items


@given(records, st.integers(min_value=0, max_value=2000))
def test_a_cut_jsonl_text_keeps_whole_lines_only(items, cut):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items)
    kept = salvage_jsonl(text[: min(cut, len(text))])
    lines = [line for line in kept.split("\n") if line]
    assert [json.loads(line) for line in lines] == items[: len(lines)]


def test_zip_members_before_the_cut_are_whole_and_the_cut_one_is_marked(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(f"m{i}.json", json.dumps([{"i": i, "pad": "x" * 500 * (i + 1)}]))
    data = path.read_bytes()
    whole = salvage_zip(data)
    assert [(m.name, m.complete) for m in whole] == [("m0.json", True), ("m1.json", True), ("m2.json", True)]
    with zipfile.ZipFile(path) as z:
        assert [m.data for m in whole] == [z.read(f"m{i}.json") for i in range(3)]
        third = z.getinfo("m2.json").header_offset
    cut = salvage_zip(data[: third + 40])
    assert [(m.name, m.complete) for m in cut] == [("m0.json", True), ("m1.json", True), ("m2.json", False)]
    assert salvage_zip(b"not a zip at all") == []


def test_a_member_that_fails_its_checksum_is_skipped_and_the_next_one_kept(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("m0.json", json.dumps([{"i": 0}]))
        z.writestr("m1.json", json.dumps([{"i": 1, "text": "abcdef"}]))
        z.writestr("m2.json", json.dumps([{"i": 2}]))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        second = z.getinfo("m1.json")
    at = second.header_offset + 30 + len("m1.json") + 5
    data[at] ^= 0x01  # one flipped bit inside m1's stored data
    got = salvage_zip(bytes(data))
    assert [m.name for m in got] == ["m0.json", "m2.json"]  # the damaged one is skipped, the next one kept


class _Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile must stream sizes and checksums after each member's data."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def seekable(self):
        return False

    def write(self, b):
        self.buf += b
        return len(b)


def test_members_streamed_with_data_descriptors_are_salvaged():
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i in range(2):
            with z.open(f"m{i}.jsonl", "w") as f:
                f.write(("\n".join(json.dumps({"i": i, "n": n}) for n in range(50)) + "\n").encode())
    data = bytes(sink.buf)
    assert data[6] & 0x08  # the data-descriptor flag is set: sizes are not in the local header
    got = salvage_zip(data)
    assert [(m.name, m.complete) for m in got] == [("m0.jsonl", True), ("m1.jsonl", True)]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert got[1].data == z.read("m1.jsonl")
    cut = salvage_zip(data[: len(data) - 200])
    assert [(m.name, m.complete) for m in cut] == [("m0.jsonl", True), ("m1.jsonl", False)]
