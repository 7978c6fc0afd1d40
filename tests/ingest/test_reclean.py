from datetime import datetime

import numpy as np

from khabar.ingest.reclean import reclean_articles
from khabar.models import Article, analyze_article
from khabar.text import analyze

WIDGET = "شارك من خلال فيسبوك تويتر واتساب أضف تعليقا"
TEXT = ["افتتح أمير المنطقة مساء أمس مهرجان الصيف في الحديقة العامة بحضور عدد من المسؤولين.",
        "وتضمن الحفل عروضا شعبية ومسابقات للأطفال استمرت حتى ساعة متأخرة."]


def _stored_before_the_cleaner_knew(store):
    """Articles as an older Khabar stored them: chrome glued into the text."""
    arts = [
        Article(url="https://x.test/1", outlet="a", title="مهرجان الصيف", body=[f"{WIDGET} {TEXT[0]}", TEXT[1]],
                published=datetime(2026, 1, 1, 12)),
        Article(url="https://x.test/2", outlet="b", title="مهرجان الصيف يختتم", body=[TEXT[0], TEXT[1], "// انتهى //"],
                published=datetime(2026, 1, 2, 12)),
        Article(url="https://x.test/3", outlet="c", title="خبر آخر", body=["نص لا شيء فيه يقطع."],
                published=datetime(2026, 1, 3, 12)),
        # A column whose contact notice sits far past its lead: its e5 vector still stands.
        Article(url="https://x.test/4", outlet="d", title="عمود", body=[" ".join(TEXT * 4),
                "للتواصل أرسل sms إلى 88000 الاتصالات ثم الرسالة"], published=datetime(2026, 1, 4, 12)),
    ]
    store.add_articles([(a, analyze_article(a)) for a in arts])
    ids = [store.article_id(a.url) for a in arts]
    store.put_embeddings("m", [(i, np.ones(4, np.float32).tobytes()) for i in ids])
    return arts, ids


def test_reclean_cuts_stored_chrome_everywhere_it_is_read(store):
    arts, ids = _stored_before_the_cleaner_knew(store)
    version = store.data_version()
    assert store.search(analyze("فيسبوك"))[1] == 1
    report = reclean_articles(store)
    assert (report.checked, report.changed, report.vectors_dropped) == (4, 3, 2)  # short texts: their leads changed
    first, second, third, column = (store.get_article(i) for i in ids)
    assert column.body == [" ".join(TEXT * 4)]
    assert first.body == TEXT and second.body == TEXT and third.body == arts[2].body
    assert first.content_hash == second.content_hash != arts[0].content_hash  # now exact copies
    assert store.search(analyze("فيسبوك"))[1] == 0  # the search index follows
    assert store.search(analyze("مهرجان"))[1] == 3
    row = next(store.iter_index_rows([ids[0]]))
    assert "فيسبوك" not in row.body_norm and "تويتر" not in " ".join(row.body_terms)
    assert sorted(i for i, _ in store.embeddings("m")) == [ids[2], ids[3]]  # 1 and 2's are stale: redo
    assert store.data_version() != version  # the indexes know to rebuild
    # Again: nothing left to cut, nothing changes.
    version = store.data_version()
    assert reclean_articles(store).changed == 0 and store.data_version() == version


def test_reclean_command_rebuilds_the_indexes(tmp_path):
    from typer.testing import CliRunner

    from khabar.cli import app
    from khabar.store import SQLiteStore

    db = str(tmp_path / "k.db")
    store = SQLiteStore(db)
    _, ids = _stored_before_the_cleaner_knew(store)
    store.close()
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "index"]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "reclean", "--json"])
    assert result.exit_code == 0, result.output
    assert '"changed": 3' in result.output
    dups = runner.invoke(app, ["--db", db, "dups"]).stdout.split()
    assert dups[:2] == ["https://x.test/1", "https://x.test/2"]  # exact copies once the chrome is gone


def test_reclean_brings_an_older_analysis_up_to_date(store):
    """An article whose text stands but whose stored analysis an older analyzer made (here: one
    that kept diacritics and tatweel) is analyzed anew; its vector stays, its text did not change."""
    from khabar.models import Analysis
    from khabar.text import analyze_normalized, normalize_arabic

    art = Article(url="https://x.test/9", outlet="a", title="سيول", body=["أعلنَ الدفاعُ المدنيُّ اليـــوم إنقاذ أسرة."],
                  published=datetime(2026, 1, 1, 12))
    store.add_articles([(art, analyze_article(art))])
    aid = store.article_id(art.url)
    art.id = aid
    store.put_embeddings("m", [(aid, np.ones(4, np.float32).tobytes())])
    old_norm = art.body[0]  # what an older analyzer stored: the text as written
    title = normalize_arabic(art.title)
    store.update_texts([(art, Analysis(title, old_norm, analyze_normalized(title), old_norm.split()))], [])
    assert next(store.iter_index_rows([aid])).body_norm == old_norm
    report = reclean_articles(store)
    assert (report.changed, report.reanalyzed, report.vectors_dropped) == (0, 1, 0)
    assert next(store.iter_index_rows([aid])).body_norm == normalize_arabic(art.body[0])
    assert store.search(analyze("الدفاع"))[1] == 1
    assert store.get_article(aid).body == art.body and [i for i, _ in store.embeddings("m")] == [aid]
    assert reclean_articles(store).reanalyzed == 0


def test_reclean_decodes_titles_bylines_and_text_stored_with_character_references(store):
    """Before the importer decoded them, titles showed "&quot;" and "quot" was a stem."""
    art = Article(url="https://x.test/e", outlet="a", title="افتتاح &quot;المعرض&quot;", author="&nbsp;سالم &ndash; جدة:",
                  body=["سالم – جدة: افتتح المعرض&nbsp;اليوم &quot;رسميا&quot; في المدينة.", "* خدمة «الأفق»"],
                  published=datetime(2026, 1, 1, 12))
    store.add_articles([(art, analyze_article(art))])
    aid = store.article_id(art.url)
    store.put_embeddings("m", [(aid, np.ones(4, np.float32).tobytes())])
    report = reclean_articles(store)
    assert (report.changed, report.vectors_dropped) == (1, 1)  # the title is in the e5 passage
    back = store.get_article(aid)
    assert (back.title, back.author) == ('افتتاح "المعرض"', "سالم – جدة")
    assert back.body == ['افتتح المعرض اليوم "رسميا" في المدينة.']  # the glued byline is cut from the text
    assert back.source_attribution == "خدمة «الأفق»"  # the closing credit is the source
    assert back.lead == 'افتتح المعرض اليوم "رسميا" في المدينة.'
    row = next(store.iter_index_rows([aid]))
    assert "quot" not in row.title_terms and store.search(analyze("quot"))[1] == 0
    assert "سالم" not in row.body_terms and store.search(analyze("سالم"))[1] == 1  # found by its byline
    assert reclean_articles(store).changed == 0
