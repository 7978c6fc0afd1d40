"""The lexical index: appending arrivals to a stored index instead of rebuilding it."""

import io
import math

import numpy as np
import pytest

from khabar.rank.lexical import LexicalIndex, build_lexical_index, extend_lexical_index


def _rows(store):
    return list(store.iter_index_rows())  # time order


def test_appended_rows_score_like_their_own_and_old_rows_are_untouched(demo_store):
    rows = _rows(demo_store)
    base = build_lexical_index(rows[:-5])
    grown = extend_lexical_index(base, rows[-5:])
    assert grown.ids.tolist() == [r.id for r in rows] and grown.base_size == len(rows) - 5
    assert np.array_equal(grown.times[: base.size], base.times)
    # Old rows keep their weights exactly; the vocabulary only grows.
    assert (grown.bm25[: base.size, : len(base.idf)] != base.bm25).nnz == 0
    assert (grown.vectors[: base.size, : len(base.idf)] != base.vectors).nnz == 0
    assert set(base.vocab) <= set(grown.vocab) and all(grown.vocab[t] == j for t, j in base.vocab.items())
    for offset, r in enumerate(rows[-5:]):
        row = base.size + offset
        assert math.isclose(float((grown.vectors[row] @ grown.vectors[row].T).toarray()[0, 0]), 1.0, rel_tol=1e-5)
        cols, w = grown.query_vector(r.title_terms, r.body_terms, 60)
        scores = grown.bm25_scores(cols, w)
        assert scores[row] == scores.max()  # an arrival is its own best match, or tied with a copy of it


def test_build_stats_survive_the_blob_and_an_old_blob_refuses_to_grow(demo_store):
    rows = _rows(demo_store)
    index = build_lexical_index(rows[:-5])
    again = LexicalIndex.from_bytes(index.to_bytes())
    assert again.avgdl == pytest.approx(index.avgdl) and again.base_size == index.base_size
    # A blob written before appending existed: the same arrays without the build stats.
    arrays = dict(np.load(io.BytesIO(index.to_bytes()), allow_pickle=False))
    del arrays["stats"]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    old = LexicalIndex.from_bytes(buf.getvalue())
    assert old.size == index.size and math.isnan(old.avgdl)
    with pytest.raises(ValueError):
        extend_lexical_index(old, rows[-5:])


def test_a_naive_time_is_utc_on_any_machine(monkeypatch):
    """Stored times are naive UTC; a fetched page's time is aware. Both land on one scale
    whatever the machine's zone (``datetime.timestamp`` reads a naive time in local time)."""
    import time
    from datetime import datetime, timedelta, timezone

    from khabar.rank.lexical import days_since_epoch

    monkeypatch.setenv("TZ", "Asia/Riyadh")
    time.tzset()
    try:
        naive = datetime(2026, 3, 1, 12)
        assert days_since_epoch(naive) == days_since_epoch(naive.replace(tzinfo=timezone.utc))
        assert days_since_epoch(datetime(2026, 3, 1, 15, tzinfo=timezone(timedelta(hours=3)))) == days_since_epoch(naive)
        assert days_since_epoch(datetime(1970, 1, 2)) == 1.0
    finally:
        monkeypatch.undo()  # the zone this process had, then read it again
        time.tzset()
