"""OPML subscription lists in and out (what feed readers exchange)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from khabar.cli import app
from khabar.ingest.opml import OPMLError, read_opml, write_opml
from khabar.ingest.urls import canonical_url
from khabar.models import Source

LIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>my feeds</title></head>
  <body>
    <outline text="news">
      <outline type="rss" text="\xd8\xa7\xd9\x84\xd8\xa3\xd9\x81\xd9\x82" xmlUrl="https://alofoq.example/feed.xml?utm_source=x" htmlUrl="https://alofoq.example/"/>
      <outline type="rss" title="Nahar" text="ignored" xmlUrl="https://NAHAR.example/rss"/>
    </outline>
    <outline type="rss" text="again" xmlUrl="https://alofoq.example/feed.xml"/>
    <outline type="rss" text="mail" xmlUrl="mailto:someone@example.test"/>
    <outline text="a folder without feeds"/>
  </body>
</opml>"""


def test_feeds_are_read_from_nested_outlines_canonical_and_once():
    feeds = read_opml(LIST)
    assert [(s.url, s.name, s.kind) for s in feeds.sources] == [
        ("https://alofoq.example/feed.xml", "الأفق", "feed"),
        ("https://nahar.example/rss", "Nahar", "feed"),  # title before text
    ]
    assert len(feeds.skipped) == 1 and feeds.skipped[0].startswith("mailto:someone@example.test: ")


@pytest.mark.parametrize("data,why", [
    (b"<opml><body><outline", "not well-formed"),
    (b"<rss><channel/></rss>", "not OPML"),
    (b"\xff\xfe garbage", "not well-formed"),
])
def test_what_is_not_a_subscription_list_is_a_clear_error(data, why):
    with pytest.raises(OPMLError, match=why):
        read_opml(data)


def test_entity_expansion_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((c,) + (c - 1,) * 10)
                       for c in range(ord("b"), ord("k")))
            + b']><opml><body><outline xmlUrl="https://x.test/&j;"/></body></opml>')
    with pytest.raises(OPMLError, match="amplification"):  # expat refuses it at once
        read_opml(bomb)


def test_export_escapes_names_and_leaves_out_what_is_not_a_feed():
    sources = [Source(url="https://a.test/feed?x=1&y=2", name='A & B <"quoted">', kind="feed"),
               Source(url="https://a.test/section", name="page", kind="page")]
    data = write_opml(sources)
    back = read_opml(data)
    assert [(s.url, s.name) for s in back.sources] == [("https://a.test/feed?x=1&y=2", 'A & B <"quoted">')]
    assert data.endswith(b"</opml>\n")  # a text file ends its last line (a shell prompt followed it)


def test_cli_import_is_idempotent_keeps_settings_and_round_trips(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "k.db")
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(LIST)
    assert runner.invoke(app, ["--db", db, "sources", "add", "https://nahar.example/rss", "--allow-private"]).exit_code == 0
    r = runner.invoke(app, ["--db", db, "sources", "import", str(opml)])
    assert r.exit_code == 0 and "1 new feeds followed, 1 already followed, 1 skipped" in r.stdout, r.output
    again = runner.invoke(app, ["--db", db, "sources", "import", str(opml)])
    assert "0 new feeds followed, 2 already followed" in again.stdout
    from khabar.store import SQLiteStore

    store = SQLiteStore(db)
    sources = {s.url: s for s in store.list_sources()}
    store.close()
    assert len(sources) == 2 and sources["https://nahar.example/rss"].allow_private  # left as it was
    exported = runner.invoke(app, ["--db", db, "sources", "export"])
    assert exported.exit_code == 0
    assert {s.url for s in read_opml(exported.stdout_bytes).sources} == set(sources)
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<html>not a list</html>")
    r = runner.invoke(app, ["--db", db, "sources", "import", str(bad)])
    assert r.exit_code == 1 and "not OPML" in r.output
    r = runner.invoke(app, ["--db", db, "sources", "import", str(tmp_path / "missing.opml")])
    assert r.exit_code == 1 and "cannot read" in r.output


_OPML_BITS = st.sampled_from([
    b"<?xml version='1.0'?>", b"<opml version='2.0'>", b"</opml>", b"<head/>", b"<body>", b"</body>",
    b"<outline text='x' xmlUrl='https://a.example/feed'/>", b"<outline xmlUrl='javascript:alert(1)'/>",
    b"<outline xmlUrl='http://[::1'/>", b"<outline xmlUrl=' '/>", b"<outline>", b"</outline>",
    b"<!DOCTYPE opml [<!ENTITY e 'x'>]>", b"&e;", b"&#xD800;", b"\xff\xfe", b"\x00", "\u0627\u0644\u0623\u0641\u0642".encode(),
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_OPML_BITS, st.binary(max_size=20)), max_size=25).map(b"".join))
def test_fuzz_any_file_is_a_subscription_list_or_an_opml_error(data):
    try:
        feeds = read_opml(data)
    except OPMLError:
        return
    assert all(canonical_url(s.url) == s.url and s.kind == "feed" for s in feeds.sources)
    assert len({s.url for s in feeds.sources}) == len(feeds.sources)
