"""The CLI contracts that automated checks run."""

import json
import os
import re
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khabar.cli import app

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


def test_clean_json_contract(shared):
    r = run("clean", str(shared / "seed" / "page.txt"), "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert set(data) == {"body", "subheadings", "source", "read_also", "similar"}
    assert data["source"] == "الجزيرة" and len(data["similar"]) == 10
    assert set(data["read_also"][0]) == {"title", "body"}


def test_stats_say_when_the_index_is_behind_the_data(tmp_path):
    db = str(tmp_path / "k.db")
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"url": "https://x.test/new", "title": "خبر جديد", "content": "نص خبر جديد هنا."}))
    assert run("--db", db, "import", str(extra), "--no-index").exit_code == 0
    assert not json.loads(run("--db", db, "stats", "--json").stdout)["indexed"]
    assert run("--db", db, "index").exit_code == 0
    assert json.loads(run("--db", db, "stats", "--json").stdout)["indexed"]
    assert "indexed          True" in run("--db", db, "stats").stdout


def test_import_stats_related_dups_stories(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    r = run("--db", db, "import", str(demo_path), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["new"] >= 35
    r = run("--db", db, "import", str(demo_path), "--json")
    assert json.loads(r.stdout)["new"] == 0
    stats = json.loads(run("--db", db, "stats", "--json").stdout)
    assert stats["articles"] >= 35 and stats["outlets"] == 6 and "duplicates" in stats
    assert stats["vectors"] == 0 and stats["indexed"]  # import built the indexes; nothing embedded yet

    q = tmp_path / "q.txt"
    q.write_text("https://wahanews.example/news/5001\nhttps://nahar.example/news/3102\n")
    r = run("--db", db, "related", "--queries", str(q), "--k", "10", "--format", "trec")
    lines = r.stdout.strip().splitlines()
    assert lines and all(re.fullmatch(r"\S+ Q0 \S+ \d+ -?\d+\.\d+ khabar", line) for line in lines)
    for query in {line.split()[0] for line in lines}:  # trec_eval orders by score: it must fall with rank
        scores = [float(line.split()[4]) for line in lines if line.split()[0] == query]
        assert all(a > b for a, b in zip(scores, scores[1:]))
    assert not any(line.split()[2] in ("https://alofoq.example/news/2101", "https://sahel.example/news/4101")
                   for line in lines if line.startswith("https://wahanews"))
    explained = run("--db", db, "related", "https://wahanews.example/news/5001", "--explain").stdout
    listed = sum(1 for line in explained.splitlines() if re.match(r"^ ?\d+\. |^إقرأ أيضاً", line))
    assert listed > 1 and explained.count("      why: lexical ") == listed  # a reason under every item
    assert "of the article's own" in explained  # the share is of its match with itself, the best there is
    data = json.loads(run("--db", db, "related", "https://wahanews.example/news/5001", "--explain", "--json").stdout)
    assert data["similar"] and all(set(s["why"]) == {"lexical_share", "e5_cosine", "days_apart", "shared_terms"}
                                   for s in data["similar"])

    r = run("--db", db, "related", "https://wahanews.example/news/5001", "--json")
    data = json.loads(r.stdout)
    assert {c["outlet"] for c in data["also_reported_by"]} == {"alofoq", "nahar", "sahel"}

    pairs = [line.split("\t") for line in run("--db", db, "dups", "--format", "tsv").stdout.strip().splitlines()]
    assert len(pairs) >= 6 and all(len(p) == 3 and 0 < float(p[2]) <= 1 for p in pairs)

    rows = [json.loads(line) for line in run("--db", db, "stories", "--format", "jsonl").stdout.splitlines()]
    assert len(rows) == stats["articles"] and all(set(r) == {"url", "story"} for r in rows)
    story = rows[0]["story"]
    assert run("--db", db, "story", str(story)).exit_code == 0


def test_show_unknown_url_is_a_clear_error(tmp_path):
    r = runner.invoke(app, ["--db", str(tmp_path / "k.db"), "show", "https://nowhere.test/x"])
    assert r.exit_code == 1


def test_import_corrupt_file_exits_nonzero(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = runner.invoke(app, ["--db", str(tmp_path / "k.db"), "import", str(bad)])
    assert r.exit_code == 1


def test_arabic_url_found_raw_or_percent_encoded(tmp_path):
    from urllib.parse import quote

    url = "https://example.test/news/123/افتتاح-مكتبة"
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"url": url, "title": "افتتاح مكتبة", "content": "نص الخبر عن افتتاح مكتبة عامة."},
                            ensure_ascii=False))
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(f)).exit_code == 0
    for spelling in (url, quote(url, safe=":/")):
        r = run("--db", db, "show", spelling, "--json")
        assert r.exit_code == 0 and json.loads(r.stdout)["url"] == url


def test_a_sqlite_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("hello")
    r = runner.invoke(app, ["--db", str(bad), "stats"])
    assert r.exit_code == 1 and "cannot open SQLite store" in r.output, r.output


def test_unreachable_postgres_is_a_clear_error():
    pytest.importorskip("psycopg")
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    for cmd in (["stats"], ["serve", "--port", "8793"]):
        r = runner.invoke(app, ["--db", "postgresql://127.0.0.1:1/khabar?connect_timeout=3", *cmd])
        assert r.exit_code == 1 and "cannot open PostgreSQL store" in r.output, r.output


def test_embed_indexes_with_the_new_vectors(tmp_path, demo_path):
    from khabar.pipeline import ANN_BLOB
    from khabar.store import SQLiteStore

    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    r = run("--db", db, "embed", "--limit", "6")
    assert r.exit_code == 0 and "embedded 6 articles" in r.stdout
    store = SQLiteStore(db)
    assert store.get_meta("indexed_vectors") == "6"  # the build ran with the vectors
    assert store.get_meta("indexed_version") == store.data_version()
    assert store.get_blob(ANN_BLOB)[0] == store.data_version()
    store.close()


def test_import_embed_gives_only_the_new_articles_vectors(tmp_path, demo_path):
    from khabar.rank.dense import MODEL_NAME
    from khabar.store import SQLiteStore

    lines = demo_path.read_text(encoding="utf-8").splitlines()
    first, rest = tmp_path / "first.jsonl", tmp_path / "rest.jsonl"
    first.write_text("\n".join(lines[:-2]), encoding="utf-8")
    rest.write_text("\n".join(lines[-2:]), encoding="utf-8")
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(first)).exit_code == 0
    assert run("--db", db, "import", "--embed", str(rest)).exit_code == 0
    store = SQLiteStore(db)
    assert store.count_embeddings() == 2 and len(store.ids_without_embedding(MODEL_NAME)) == len(lines) - 2
    assert store.get_meta("indexed_vectors") == "2" and store.get_meta("indexed_version") == store.data_version()
    store.close()


def test_text_output_is_literal_and_story_lines_carry_their_time(tmp_path):
    """Titles from the wild carry "[...]" (and "[/...]"): printed as they are, never read as markup."""
    f = tmp_path / "a.jsonl"
    rec = lambda n, title: json.dumps({"url": f"https://x.test/{n}", "source": "x", "title": title,  # noqa: E731
                                       "published": f"2026-03-0{n}T10:00:00",
                                       "content": "محطة تحلية جديدة في الواحة تبدأ العمل هذا الأسبوع بطاقة كبيرة " * 3},
                                      ensure_ascii=False)
    f.write_text(rec(1, "[عاجل] محطة تحلية [/b] جديدة") + "\n" + rec(2, "محطة تحلية [bold]جديدة[/bold]") + "\n")
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(f)).exit_code == 0
    r = run("--db", db, "related", "https://x.test/1")
    assert r.exit_code == 0 and "[عاجل] محطة تحلية [/b] جديدة" in r.stdout
    assert "[bold]جديدة[/bold]" in r.stdout
    story = json.loads(run("--db", db, "stories", "--format", "jsonl").stdout.splitlines()[0])["story"]
    r = run("--db", db, "story", str(story))
    assert r.exit_code == 0 and "2026-03-01T10:00" in r.stdout


def test_an_error_message_is_one_line_however_long(tmp_path):
    # Scripts grep stderr: rich would wrap a long message at the terminal width.
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    bad = deep / "cut.json"
    bad.write_text('[{"url": "https://x.example/1", "title": "t", "content": "نص"}, {"url": "ht', encoding="utf-8")
    r = runner.invoke(app, ["--db", str(tmp_path / "k.db"), "import", str(bad)])
    errors = [line for line in r.output.splitlines() if line.startswith("error:")]
    assert r.exit_code == 1 and len(errors) == 1 and str(bad) in errors[0] and "salvaged the 1 whole records" in errors[0]


def test_bad_options_are_usage_errors_never_another_output(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path), "--no-index").exit_code == 0
    url = "https://wahanews.example/news/5001"
    for args in (["stories", "--format", "xml"], ["dups", "--format", "csv"], ["related", url, "--format", "trec"],
                 ["related", url, "--k", "0"], ["sources", "add", "https://example.com/f.xml", "--kind", "rss"],
                 # Past 64 bits a number cannot be bound; these raised OverflowError.
                 ["search", "السيول", "--offset", str(10**23)], ["stories", "--limit", str(10**23)],
                 ["serve", "--port", "70000"]):
        r = runner.invoke(app, ["--db", db, *args])
        assert r.exit_code == 2, (args, r.output)
    for args in (["story", str(10**23)], ["sources", "remove", str(10**23)]):  # an id that no row can have
        r = runner.invoke(app, ["--db", db, *args])
        assert r.exit_code == 1 and r.output.startswith("error: no "), (args, r.output)
    missing, binary = tmp_path / "missing.txt", tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    for q in (missing, binary):
        r = runner.invoke(app, ["--db", db, "related", "--queries", str(q), "--format", "trec"])
        assert r.exit_code == 1 and r.output.startswith("error:") and "Traceback" not in r.output, r.output


def test_stories_table_is_one_line_per_story(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    lines = run("--db", db, "stories", "--limit", "5").stdout.splitlines()
    assert lines[0].split() == ["id", "articles", "outlets", "from", "days", "label"] and len(lines) == 6
    assert all(re.match(r"\s*\d+\s+\d+\s+\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+\.\d\s+\S", line) for line in lines[1:])


def test_demo_prepares_and_shows_the_wire_copies_and_a_running_story(tmp_path):
    r = run("--db", str(tmp_path / "demo.db"), "demo", "--no-serve")
    assert r.exit_code == 0, r.output
    assert "also reported by: alofoq، nahar، sahel" in r.stdout
    longest = r.stdout.split("\nstory ", 1)[1].split("\n\n")[0].splitlines()  # a story told over days
    assert "4 outlets" in longest[0] and sum("سيلفا" in line for line in longest[1:]) == 4
    running = r.stdout.split("\nrunning story ", 1)[1].splitlines()
    assert "سيول" in running[0] and sum("↔" in line and "سيول" in line for line in running[1:]) >= 2


def test_clean_reads_a_page_saved_in_windows_1256(tmp_path, shared):
    page = (shared / "seed" / "page.txt").read_text(encoding="utf-8")
    legacy = tmp_path / "page-1256.txt"
    legacy.write_bytes(page.encode("windows-1256", errors="ignore"))
    data = json.loads(run("clean", str(legacy), "--json").stdout)
    assert data["source"] == "الجزيرة" and len(data["similar"]) == 10


def test_a_file_that_is_no_text_is_refused_not_cleaned_into_mojibake(tmp_path, demo_path):
    # windows-1256 decodes almost any bytes, so an image given as a page came out as a page of
    # Arabic-looking noise, and its "related articles" were whatever that noise matched.
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    for args in (["clean", str(image)], ["related", "--page", str(image), "--title", "صورة"]):
        r = runner.invoke(app, ["--db", db, *args])
        assert r.exit_code == 1 and r.output.strip() == f"error: {image}: not a text file (control bytes in it); " \
            "give the page as text or HTML", (args, r.output)
    r = runner.invoke(app, ["--db", db, "related", "--page", "-"], input=bytes(range(256)) * 8)
    assert r.exit_code == 1 and "-: not a text file" in r.output
    big = tmp_path / "big.txt"  # more than a fetched page may weigh: a 91 MB file took 13 s and 1.5 GB
    big.write_text("أمطار غزيرة على الجنوب.\n" * 250_000, encoding="utf-8")
    for args in (["clean", str(big)], ["related", "--page", str(big), "--title", "أمطار"]):
        r = runner.invoke(app, ["--db", db, *args])
        assert r.exit_code == 1 and r.output.strip() == f"error: {big}: larger than a page may be (5,000,000 bytes at most)"
    r = runner.invoke(app, ["--db", db, "related", "--page", "-"], input=big.read_bytes())
    assert r.exit_code == 1 and "-: larger than a page may be" in r.output
    bell = tmp_path / "bell.txt"  # one stray control character is still text
    bell.write_bytes("أمطار غزيرة\a على الجنوب".encode())
    assert run("clean", str(bell)).stdout.startswith("أمطار غزيرة")


def test_serve_on_any_free_port_names_it_and_logs_requests_when_asked(tmp_path, demo_path):
    import signal
    import subprocess
    import sys
    import time

    import httpx

    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    code = "import sys; from khabar.cli import app; sys.argv[0] = 'khabar'; app()"
    proc = subprocess.Popen([sys.executable, "-c", code, "--db", db, "serve", "--port", "0", "--access-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # printed once the socket is bound
        port = int(re.match(r"serving http://127\.0\.0\.1:(\d+)/", line).group(1))
        for _ in range(50):  # the app loads its indexes before the first answer
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/nothing-here").status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    log = proc.stderr.read()
    assert '"GET /api/health HTTP/1.1" 200' in log and '"GET /nothing-here HTTP/1.1" 404' in log


def test_crawl_stops_on_sigterm_and_says_so(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    db = str(tmp_path / "k.db")
    code = "import sys; from khabar.cli import app; sys.argv[0] = 'khabar'; app()"
    proc = subprocess.Popen([sys.executable, "-c", code, "--db", db, "crawl"], stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # started: the scheduler waits for its next round
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    log = proc.stderr.read()
    assert "stopping (SIGTERM)" in log and log.rstrip().endswith("stopped") and "Traceback" not in log


def test_sources_list_shows_whole_urls_and_the_last_error(tmp_path):
    from khabar.store import SQLiteStore

    db = str(tmp_path / "k.db")
    url = "https://news.example.com/feeds/arabic/sections/politics/latest.xml"
    assert run("--db", db, "sources", "add", url).exit_code == 0
    store = SQLiteStore(db)
    src = store.list_sources()[0]
    src.last_error, src.consecutive_failures = "HTTP 503 from news.example.com", 2
    store.update_source(src)
    store.close()
    lines = run("--db", db, "sources", "list").stdout.splitlines()
    assert lines[0].split()[-1] == "url" and lines[1].endswith(url) and lines[1].split()[3:5] == ["15m", "2"]
    assert lines[2].strip() == "last error: HTTP 503 from news.example.com"
    # A source's own interval: given when added, changed by adding it again.
    assert "every 5 min" in run("--db", db, "sources", "add", url, "--every", "5").stdout
    assert run("--db", db, "sources", "list").stdout.splitlines()[1].split()[3] == "5m"
    assert run("--db", db, "sources", "add", url, "--name", "سياسة").exit_code == 0  # no --every: it stays
    assert run("--db", db, "sources", "list").stdout.splitlines()[1].split()[3] == "5m"
    assert run("--db", db, "sources", "add", url, "--every", "0").exit_code == 2
    assert run("--db", db, "sources", "remove", "1").exit_code == 0
    assert url not in run("--db", db, "sources", "list").stdout
    gone = run("--db", db, "sources", "remove", "1")
    assert gone.exit_code == 1 and "no source 1" in gone.output


def test_a_feeds_password_stays_out_of_listings_and_a_private_address_is_flagged_when_added(tmp_path):
    db = str(tmp_path / "k.db")
    secret = "https://reader:s3cret@news.example.com/private/feed.xml"
    added = run("--db", db, "sources", "add", secret)
    assert added.stdout == "source 1: https://reader:***@news.example.com/private/feed.xml (feed, every 15 min)\n"
    assert "s3cret" not in run("--db", db, "sources", "list").stdout
    assert json.loads(run("--db", db, "sources", "list", "--json").stdout)[0]["url"] == secret  # the data keeps it
    for url, flagged in (("http://169.254.169.254/latest/", True), ("http://[::1]/feed", True),
                         ("http://8.8.8.8/rss", False), ("https://news.example.org/rss", False)):
        r = run("--db", db, "sources", "add", url)
        assert ("is not a public address: every poll will be refused" in r.stderr) == flagged, url
    r = run("--db", db, "sources", "add", "http://10.0.0.5/rss", "--allow-private")
    assert r.stderr == "" and "private addresses allowed" in r.stdout


def test_eval_related_lists_the_biggest_losses_with_whole_query_urls(tmp_path):
    q = "http://www.example-news.com.sa/Local/News_Detail.aspx?ArticleID=123456&CategoryID=5"
    qrels = tmp_path / "qrels.jsonl"
    qrels.write_text("\n".join(json.dumps({"q": q, "d": f"http://d.test/{i}", "g": g, "dup": False})
                               for i, g in enumerate((3, 2, 0))), encoding="utf-8")
    mine, peer = tmp_path / "mine.trec", tmp_path / "peer.trec"
    mine.write_text(f"{q} Q0 http://d.test/2 1 0.9 khabar\n", encoding="utf-8")
    peer.write_text(f"{q} Q0 http://d.test/0 1 0.9 lucene\n{q} Q0 http://d.test/1 2 0.8 lucene\n", encoding="utf-8")
    r = run("--db", str(tmp_path / "k.db"), "eval", "related", "--qrels", str(qrels), "--run", str(mine),
            "--peer", str(peer))
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    row = lines[lines.index("biggest losses against the peer (nDCG@10)") + 2]
    assert row.split() == ["0.000", "1.000", "1.000", q]


def test_eval_related_rule_cost_measures_lists_that_may_hold_copies_of_one_another(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    urls = [json.loads(line)["url"] for line in demo_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    qrels = tmp_path / "qrels.jsonl"  # every demo article a query; one judged item each is enough here
    qrels.write_text("\n".join(json.dumps({"q": u, "d": urls[0], "g": 3, "dup": False}) for u in urls), encoding="utf-8")
    peer = tmp_path / "peer.trec"
    peer.write_text(f"{urls[1]} Q0 {urls[0]} 1 0.9 lucene\n", encoding="utf-8")
    args = ("--db", db, "eval", "related", "--qrels", str(qrels), "--peer", str(peer), "--no-dense")
    report = json.loads(run(*args, "--rule-cost", "--json").stdout)
    assert report["near_dup_lists"] == 0 and report["copies_allowed"]["near_dup_lists"] > 0
    assert "copies_allowed" not in json.loads(run(*args, "--json").stdout)
    text = run(*args, "--rule-cost").stdout
    assert "with copies of one another allowed" in text and "too shallow to refill" in text
    deep = tmp_path / "deep.trec"  # 39 deep: the peer's run can be held to the rules and refilled
    deep.write_text("".join(f"{urls[1]} Q0 {u} {i} {1 - i / 100:.2f} lucene\n" for i, u in enumerate(urls[2:], 1)),
                    encoding="utf-8")
    report = json.loads(run(*args[:-3], "--peer", str(deep), "--no-dense", "--rule-cost", "--json").stdout)
    assert report["peer_held_to_rules"]["depth"] == len(urls) - 2 and "ndcg@10" in report["peer_held_to_rules"]


def test_eval_related_writes_what_it_shows_unjudged_and_counts_it_once_judged(tmp_path, demo_path):
    """--unjudged writes the list items and read-also picks nobody has judged, with titles and
    leads to judge from; judged and given as a second --qrels, they count (and never override)."""
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    wire = "https://wahanews.example/news/5001"
    qrels = tmp_path / "qrels.jsonl"
    qrels.write_text(json.dumps({"q": wire, "d": "https://nahar.example/news/3102", "g": 2, "dup": False}) + "\n",
                     encoding="utf-8")
    batch = tmp_path / "unjudged.jsonl"
    args = ("--db", db, "eval", "related", "--qrels", str(qrels), "--no-dense")
    r = run(*args, "--unjudged", str(batch))
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in batch.read_text(encoding="utf-8").splitlines()]
    shown = json.loads(run("--db", db, "related", wire, "--json").stdout)
    assert [x["d"] for x in rows if x["shown"].startswith("list")] == [
        s["url"] for s in shown["similar"] if s["url"] != "https://nahar.example/news/3102"]
    assert [x["d"] for x in rows if x["shown"] == "read-also"] == [shown["read_also"]["url"]]
    assert all(x["q"] == wire and x["title"] and x["query_title"] and x["lead"] for x in rows)
    assert f"wrote {len(rows)} unjudged pairs" in r.stdout

    judged = tmp_path / "judged.jsonl"  # a judge's answers: every pair same story, one trying to override
    judged.write_text("".join(json.dumps({"q": x["q"], "d": x["d"], "g": 2, "dup": False}) + "\n" for x in rows)
                      + json.dumps({"q": wire, "d": "https://nahar.example/news/3102", "g": 0, "dup": False}) + "\n",
                      encoding="utf-8")
    before = json.loads(run(*args, "--json").stdout)
    after = json.loads(run(*args, "--qrels", str(judged), "--json").stdout)
    assert before["khabar"]["judged@10"] < 1.0 and after["khabar"]["judged@10"] == 1.0
    assert after["judgments"] == {"files": 2, "pairs": len(rows) + 1}
    assert after["khabar"]["ndcg@10"] > before["khabar"]["ndcg@10"]
    assert "judgments: " in run(*args, "--qrels", str(judged)).stdout
    # Where the batch cannot go: said before the lists are computed, or in one line after (no traceback).
    for where, code, said in ((tmp_path / "no" / "x.jsonl", 2, "no such directory"), (tmp_path, 2, "a directory"),
                              (Path("/dev/full"), 1, "cannot write /dev/full: No space left on device")):
        if code == 1 and not where.exists():
            continue
        r = runner.invoke(app, [*args, "--unjudged", str(where)])
        assert r.exit_code == code and said in r.stderr and "Traceback" not in r.output, (where, r.output)


def test_eval_on_a_database_without_the_judged_articles_warns(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    wire, other = "https://wahanews.example/news/5001", "https://nahar.example/news/3102"
    elsewhere = tmp_path / "elsewhere.jsonl"  # judgments on another corpus: a table of zeros would read as a result
    elsewhere.write_text(json.dumps({"q": "https://x.test/1", "d": "https://x.test/2", "g": 3, "dup": True}) + "\n",
                         encoding="utf-8")
    for command, said in (("related", "none of the 1 judged queries"), ("dups", "none of the 1 judged pairs"),
                          ("stories", "none of the 1 judged pairs")):
        lexical = ["--no-dense"] if command == "related" else []
        r = runner.invoke(app, ["--db", db, "eval", command, "--qrels", str(elsewhere), *lexical])
        assert r.exit_code == 0 and r.stderr.startswith(f"warning: {said} is in this database"), (command, r.output)
        assert "0.0000" in r.stdout  # the figures still print, as the command's output always is
    half = tmp_path / "half.jsonl"
    half.write_text("".join(json.dumps(x) + "\n" for x in ({"q": wire, "d": other, "g": 2, "dup": False},
                                                          {"q": "https://x.test/1", "d": other, "g": 2, "dup": False})),
                    encoding="utf-8")
    r = run("--db", db, "eval", "related", "--qrels", str(half), "--no-dense")
    assert "queries not in this database: 1 (their lists are empty and score 0)" in r.stdout
    assert json.loads(run("--db", db, "eval", "related", "--qrels", str(half), "--no-dense", "--json").stdout)[
        "queries_missing"] == 1


def test_eval_names_the_file_and_line_of_a_judgment_or_run_it_cannot_read(tmp_path):
    qrels, trec = tmp_path / "qrels.jsonl", tmp_path / "run.trec"
    qrels.write_text('{"q": "q1", "d": "d1", "g": 2, "dup": false}\n{"q": "q1", "d": "d2"}\n', encoding="utf-8")
    trec.write_text("q1 Q0 d1 1 0.9 khabar\n", encoding="utf-8")
    db = str(tmp_path / "k.db")
    r = run("--db", db, "eval", "related", "--qrels", str(qrels), "--run", str(trec))
    assert r.exit_code == 1 and "qrels.jsonl:2: not a judgment" in r.stderr and "Traceback" not in r.output
    qrels.write_text('{"q": "q1", "d": "d1", "g": 2, "dup": false}\n', encoding="utf-8")
    trec.write_text("q1 Q0 d1 1 0.9 khabar\nq1 Q0 d2 second 0.8 khabar\n", encoding="utf-8")
    r = run("--db", db, "eval", "related", "--qrels", str(qrels), "--run", str(trec))
    assert r.exit_code == 1 and "run.trec:2: not a TREC run line" in r.stderr
    (tmp_path / "latin1.jsonl").write_bytes(b"\xff\xfe")
    r = run("--db", db, "eval", "dups", "--qrels", str(tmp_path / "latin1.jsonl"))
    assert r.exit_code == 1 and "cannot read" in r.stderr
    assert run("--db", db, "eval", "stories", "--qrels", str(tmp_path / "missing.jsonl")).exit_code == 2


def test_an_article_without_a_date_is_shown_searched_and_related(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    undated = tmp_path / "undated.jsonl"
    undated.write_text(json.dumps({"url": "https://x.test/u", "source": "x", "title": "محطة تحلية بلا تاريخ",
                                   "content": "خبر عن محطة تحلية المياه في الواحة، بلا تاريخ نشر."}, ensure_ascii=False),
                       encoding="utf-8")
    assert run("--db", db, "import", str(demo_path), str(undated)).exit_code == 0
    for args in (("show", "https://x.test/u"), ("related", "https://x.test/u"), ("search", "تحلية بلا تاريخ")):
        r = run("--db", db, *args)
        assert r.exit_code == 0 and "no date" in r.stdout and "None" not in r.stdout, (args, r.output)


def test_related_fetches_a_live_page_that_is_not_stored_when_asked(tmp_path, demo_path):
    from khabar.testing import serve_loopback

    wire = next(json.loads(line) for line in demo_path.read_text(encoding="utf-8").splitlines()
                if '"https://wahanews.example/news/5001"' in line)  # a republished copy of the demo's wire story
    paragraphs = "".join(f"<p>{p}</p>" for p in wire["content"].split("\n") if p.strip())
    page = ('<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>محطة تحلية جديدة في الواحة</title>'
            '<meta property="article:published_time" content="2026-03-03T12:00:00+03:00"></head><body><article>'
            f'<h1>محطة تحلية جديدة في الواحة</h1>{paragraphs}</article></body></html>')
    hits = []

    def respond(handler):
        hits.append(handler.path)
        if handler.path == "/news/1.html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        return 404, {"Content-Type": "text/plain"}, b"no"

    server, host = serve_loopback(respond)
    db = str(tmp_path / "k.db")
    try:
        assert run("--db", db, "import", str(demo_path)).exit_code == 0
        live = f"http://{host}/news/1.html"
        r = run("--db", db, "related", live, "--fetch", "--allow-private", "--json")
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        assert data["article"]["fetched"] == live and data["article"]["title"] == "محطة تحلية جديدة في الواحة"
        copies = {c["url"] for c in data["also_reported_by"]}  # the wire story it copies, shown as such
        assert "https://wahanews.example/news/5001" in copies and not copies & {s["url"] for s in data["similar"]}
        assert "not stored: fetched " + live in run("--db", db, "related", live, "--fetch", "--allow-private").stdout
        blocked = run("--db", db, "related", live, "--fetch")  # the SSRF guard stands without --allow-private
        assert blocked.exit_code == 1 and "blocked non-public address" in blocked.output
        missing = run("--db", db, "related", f"http://{host}/news/2.html", "--fetch", "--allow-private")
        assert missing.exit_code == 1 and "HTTP 404" in missing.output
        assert run("--db", db, "related", f"http://{host}/news/2.html").exit_code != 0  # no --fetch: not stored
        before = len(hits)
        stored = run("--db", db, "related", "https://wahanews.example/news/5001", "--fetch", "--json")
        assert stored.exit_code == 0 and len(hits) == before  # a stored article is never fetched
        assert run("--db", db, "stats", "--json").stdout.count('"articles": 40')  # nothing was stored
    finally:
        server.shutdown()


def test_serve_with_an_unknown_time_zone_is_a_clear_error(tmp_path):
    r = runner.invoke(app, ["--db", str(tmp_path / "k.db"), "serve", "--port", "8795"], env={"KHABAR_TZ": "Mars/Olympus"})
    assert r.exit_code == 1 and "unknown time zone 'Mars/Olympus'" in r.output, r.output
    import socket

    with socket.socket() as taken:  # a port in use: one error line, not "serving …" and then uvicorn's error
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = runner.invoke(app, ["--db", str(tmp_path / "k.db"), "serve", "--port", str(port)])
    assert r.exit_code == 1 and r.stdout == "" and r.stderr.startswith(f"error: cannot serve on 127.0.0.1:{port}: "), r.output


def test_search_finds_any_spelling_shows_copies_once_and_filters(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    data = json.loads(run("--db", db, "search", "محطه التحليه", "--json").stdout)  # taa marbuta written as haa
    urls = [r["url"] for r in data["results"]]
    wire = {"https://wahanews.example/news/5001", "https://alofoq.example/news/2101",
            "https://nahar.example/news/3101", "https://sahel.example/news/4101"}
    assert len(wire & set(urls)) == 1  # the four-outlet wire story is one result...
    listed = next(r for r in data["results"] if r["url"] in wire)
    assert {c["url"] for c in listed["also_reported_by"]} == wire - {listed["url"]}  # ...naming the other three
    assert data["total"] > len(urls)

    flood = json.loads(run("--db", db, "search", "سيول", "--outlet", "alofoq", "--until", "2026-03-05", "--json").stdout)
    assert [r["url"] for r in flood["results"]] == ["https://alofoq.example/news/2102"]
    later = json.loads(run("--db", db, "search", "سيول", "--since", "2026-03-05", "--json").stdout)
    assert [r["url"] for r in later["results"]] == ["https://alofoq.example/news/2103"]

    page1 = json.loads(run("--db", db, "search", "سيول", "--limit", "2", "--json").stdout)
    page2 = json.loads(run("--db", db, "search", "سيول", "--limit", "2", "--offset", "2", "--json").stdout)
    assert page1["has_more"] and not {r["url"] for r in page1["results"]} & {r["url"] for r in page2["results"]}

    newest = json.loads(run("--db", db, "search", "سيول", "--newest", "--json").stdout)
    times = [r["time"] for r in newest["results"]]
    assert newest["sort"] == "newest" and times == sorted(times, reverse=True) and len(times) > 2
    assert {r["url"] for r in newest["results"]} == {r["url"] for r in json.loads(
        run("--db", db, "search", "سيول", "--json").stdout)["results"]}  # the same matches, another order

    text = run("--db", db, "search", "سيول", "--limit", "2").stdout
    assert "matching articles" in text and "more: --offset 2" in text
    assert "no article matches" in run("--db", db, "search", "كلمةغيرموجودة").stdout
    assert "only common words" in run("--db", db, "search", "في").stdout
    assert run("--db", db, "search", "سيول", "--since", "2026-13-01").exit_code == 2


def test_search_on_the_command_line_says_what_the_api_says(tmp_path, demo_path):
    """``khabar search --json`` prints what /api/search returns, stories included; the text form
    shows each result's snippet and, when its story holds more than it, the story to open."""
    from fastapi.testclient import TestClient

    from khabar.settings import Settings
    from khabar.web.app import create_app

    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    cli = json.loads(run("--db", db, "search", "السيول", "--json").stdout)
    with TestClient(create_app(Settings(db=db))) as c:
        api = c.get("/api/search", params={"q": "السيول"}).json()
    assert cli["results"] == api["results"]
    storied = [r for r in cli["results"] if r["story"]]
    assert storied and all(r["story"]["article_count"] > 1 for r in storied)

    text = run("--db", db, "search", "السيول").stdout
    for r in cli["results"]:
        assert f"    {r['snippet']}\n" in text
    sid = storied[0]["story"]["id"]
    assert f"articles (khabar story {sid})" in text
    assert storied[0]["url"] in run("--db", db, "story", str(sid)).stdout  # the line leads to the story
    alone = [r for r in cli["results"] if not r["story"]]
    assert text.count("(khabar story ") == len(cli["results"]) - len(alone)


def test_delete_tombstones_the_article_and_rebuilds_without_it(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    run("--db", db, "import", str(demo_path))
    r = run("--db", db, "delete", "https://alofoq.example/news/2101", "https://nowhere.example/1")
    assert r.exit_code == 1 and "deleted https://alofoq.example/news/2101" in r.stdout
    data = json.loads(run("--db", db, "related", "https://wahanews.example/news/5001", "--json").stdout)
    assert {c["outlet"] for c in data["also_reported_by"]} == {"nahar", "sahel"}  # the copy is gone
    again = json.loads(run("--db", db, "import", str(demo_path), "--json").stdout)
    assert again["new"] == 0 and again["tombstoned"] == 1  # and never comes back
    shown = runner.invoke(app, ["--db", db, "show", "http://alofoq.example/news/2101"])  # any spelling of it
    assert shown.exit_code == 1 and shown.stderr.strip() == (
        "error: no article with URL http://alofoq.example/news/2101 (it was deleted, and stays so)")
    assert "deleted" not in runner.invoke(app, ["--db", db, "show", "https://alofoq.example/news/9999"]).stderr
    twice = run("--db", db, "delete", "https://nahar.example/news/3102", "http://nahar.example/news/3102", "--no-index")
    assert twice.exit_code == 0 and twice.stdout == "deleted https://nahar.example/news/3102\n"  # one page, one deletion


def test_export_into_a_pipe_closed_early_stops_quietly(tmp_path, demo_path):
    # `khabar export | head`: the reader has what it wanted; not "error: cannot write -: Broken pipe"
    # (the export's own write errors are one error line; a closed pipe is not an error to report).
    import fcntl
    import subprocess
    import sys

    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path), "--no-index").exit_code == 0
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # far less than the export: the writer must block
    code = "import sys; from khabar.cli import app; sys.argv[0] = 'khabar'; app()"
    proc = subprocess.Popen([sys.executable, "-c", code, "--db", db, "export"], stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(100).startswith(b'{"url": ')
    assert proc.wait(60) == 1 and proc.stderr.read() == b""  # as click ends every command on a closed pipe


def test_related_for_a_scraped_page_that_is_not_stored(tmp_path, demo_path):
    db = str(tmp_path / "k.db")
    run("--db", db, "import", str(demo_path))
    page = tmp_path / "page.txt"
    page.write_text("\n".join([
        "توقعت الأرصاد استمرار هطول الأمطار الغزيرة على المنطقة الجنوبية مع جريان السيول في الأودية.",
        "ودعا الدفاع المدني السكان إلى الابتعاد عن مجاري الأودية.",
        "المصدر: الأفق",
        "إقرأ أيضاً:", "رافائيل سيلفا ينضم إلى نادي النجوم", "وقع المهاجم البرازيلي عقداً لثلاثة مواسم.",
        "مقالات مشابهة", "• أسعار النفط ترتفع",
    ]), encoding="utf-8")
    data = json.loads(run("--db", db, "related", "--page", str(page), "--title", "أمطار الجنوب", "--json").stdout)
    assert data["article"] == {"title": "أمطار الجنوب", "body_paragraphs": 2}  # the cleaner dropped the boilerplate
    listed = [s["title"] for s in data["similar"]] + [data["read_also"]["title"]]
    assert listed and all("سيول" in t or "الأمطار" in t or "المنطقة الجنوبية" in t for t in listed)
    text = run("--db", db, "related", "--page", str(page)).stdout
    assert "not stored" in text and "مقالات مشابهة" in text
    piped = runner.invoke(app, ["--db", db, "related", "--page", "-", "--title", "أمطار الجنوب", "--json"],
                          input=page.read_bytes())
    assert json.loads(piped.stdout)["similar"] == data["similar"]  # from standard input
    assert run("--db", db, "related", "--page", str(tmp_path / "missing.txt")).exit_code == 1


def test_copy_into_another_database_then_it_serves_the_same_related_block(tmp_path, demo_path):
    db, target = str(tmp_path / "k.db"), str(tmp_path / "copy.db")
    run("--db", db, "import", str(demo_path))
    r = run("--db", db, "copy", "--to", target)
    assert r.exit_code == 0 and "copied 40 articles (0 already there)" in r.stdout
    block = lambda d: json.loads(run("--db", d, "related", "https://wahanews.example/news/5001", "--json").stdout)  # noqa: E731
    strip = lambda b: [(x["url"], x["title"]) for x in b["similar"]] + [c["url"] for c in b["also_reported_by"]]  # noqa: E731
    assert strip(block(target)) == strip(block(db))
    assert "copied 0 articles (40 already there)" in run("--db", db, "copy", "--to", target).stdout
    assert run("--db", db, "copy", "--to", db).exit_code == 2


def test_search_by_meaning_needs_vectors_and_says_when_it_applied(tmp_path, demo_path):
    from fastapi.testclient import TestClient

    from khabar.rank.dense import embed_missing
    from khabar.settings import Settings
    from khabar.store import SQLiteStore
    from khabar.web.app import create_app

    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    words = json.loads(run("--db", db, "search", "تحلية المياه", "--json").stdout)
    r = runner.invoke(app, ["--db", db, "search", "تحلية المياه", "--semantic", "--json"])
    assert "no e5 vectors" in r.stderr and json.loads(r.stdout) == words and not words["semantic"]
    with TestClient(create_app(Settings(db=db))) as c:
        assert not c.get("/api/search", params={"q": "تحلية المياه", "semantic": True}).json()["semantic"]
        assert 'name="semantic"' not in c.get("/search", params={"q": "تحلية المياه"}).text  # nothing to offer

    store = SQLiteStore(db)
    embed_missing(store)
    store.close()
    assert run("--db", db, "index").exit_code == 0
    meant = json.loads(run("--db", db, "search", "تحلية المياه", "--semantic", "--json").stdout)
    assert meant["semantic"] and meant["total"] >= words["total"]  # any of the words, not both
    def shown(data):  # each result with its copies: meaning may show another copy of a wire story
        return {u for r in data["results"] for u in (r["url"], *(c["url"] for c in r["also_reported_by"]))}

    assert shown(words) <= shown(meant)  # the full matches stay
    assert "ordered by meaning and words" in run("--db", db, "search", "تحلية المياه", "--semantic").stdout
    with TestClient(create_app(Settings(db=db))) as c:
        api = c.get("/api/search", params={"q": "تحلية المياه", "semantic": True, "limit": 3}).json()
        assert api["semantic"] and [r["url"] for r in api["results"]] == [r["url"] for r in meant["results"][:3]]
        assert not c.get("/api/search", params={"q": "تحلية المياه", "semantic": True, "sort": "newest"}).json()["semantic"]
        html = c.get("/search", params={"q": "تحلية المياه", "semantic": "true"}).text
        assert 'name="semantic" value="true" checked' in html and "مرتبة بالمعنى والكلمات" in html
        assert 'name="semantic" value="true" >' in c.get("/search", params={"q": "تحلية المياه"}).text  # offered, off


def test_export_writes_what_import_reads_back(tmp_path, demo_path):
    db, copy = str(tmp_path / "k.db"), str(tmp_path / "copy.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    lines = run("--db", db, "export", "--outlet", "alofoq").stdout.splitlines()
    assert lines and {json.loads(x)["source"] for x in lines} == {"alofoq"}
    day = run("--db", db, "export", "--since", "2026-03-05", "--until", "2026-03-06").stdout.splitlines()
    day = [json.loads(x) for x in day]
    assert day and all("2026-03-05" <= (r["published"] or r["date_extracted"]) < "2026-03-06" for r in day)

    target = tmp_path / "all.jsonl"
    target.write_text("an older export\n")
    r = run("--db", db, "export", str(target))
    assert "export: 40 articles written" in r.stderr
    assert len(target.read_text(encoding="utf-8").splitlines()) == 40
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".all.jsonl")] == []  # no temporary left
    fresh = tmp_path / "fresh.jsonl"
    assert run("--db", db, "export", str(fresh)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # as any new file, not the temporary's 0600
    assert run("--db", copy, "import", str(target)).exit_code == 0
    assert json.loads(run("--db", copy, "stats", "--json").stdout)["articles"] == 40
    r = runner.invoke(app, ["--db", db, "export", str(tmp_path)])
    assert r.exit_code == 2 and "is a directory" in r.stderr
    r = runner.invoke(app, ["--db", db, "export", str(tmp_path / "no" / "such" / "dir.jsonl")])
    assert r.exit_code == 1 and "cannot write" in r.stderr and "No such file" in r.stderr


def test_export_writes_through_a_link_a_pipe_or_a_device_and_never_replaces_them(tmp_path, demo_path):
    # The export is moved over its target at the end, which replaced a symlink by a file and,
    # run as root, the device /dev/full itself by a file (after "40 articles written" on a full disk).
    db = str(tmp_path / "k.db")
    assert run("--db", db, "import", str(demo_path)).exit_code == 0
    real, link = tmp_path / "backups" / "all.jsonl", tmp_path / "all.jsonl"
    real.parent.mkdir()
    real.write_text("an older export\n")
    link.symlink_to(real)
    assert "export: 40 articles written" in run("--db", db, "export", str(link)).stderr
    assert link.is_symlink() and len(real.read_text(encoding="utf-8").splitlines()) == 40
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(fifo.open(encoding="utf-8")))
    reader.start()
    assert "export: 40 articles written" in run("--db", db, "export", str(fifo)).stderr
    reader.join(10)
    assert len(lines) == 40 and stat.S_ISFIFO(fifo.stat().st_mode)
    if os.path.exists("/dev/full"):
        r = runner.invoke(app, ["--db", db, "export", "/dev/full"])
        assert r.exit_code == 1 and r.stderr.strip() == "error: cannot write /dev/full: No space left on device"
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_help_texts_show_their_defaults():
    """rich reads "[default: …]" in a help text as markup and drops it."""
    def text(*args):  # the help as one line of words, without rich's box
        return " ".join(re.sub(r"[│╭╮╰╯─]", " ", run(*args).stdout).split())

    assert "(default ./khabar.db)" in text("--help")
    assert "(default 15)" in text("sources", "add", "--help")
    assert "(default: the packaged baseline.json)" in text("eval", "gate", "--help")
