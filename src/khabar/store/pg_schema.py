"""PostgreSQL migrations: an append-only list, like ``schema.py`` for SQLite.

Never edit a shipped entry; add a new one. ``khabar_migrations`` records how many
have been applied. Times stay ISO-8601 text, as in SQLite, so both backends order,
filter and display them the same way; full-text search is a generated ``tsvector``
over the analyzer's stems (the ``simple`` configuration: stems are already
normalized and stemmed, PostgreSQL must not stem them again).
"""

PG_MIGRATIONS: list[str] = [
    # 1: articles, outlets, analysis + tsvector, tombstones, meta
    """
    CREATE TABLE outlets (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        home_url TEXT
    );
    CREATE TABLE articles (
        id BIGSERIAL PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        outlet_id BIGINT NOT NULL REFERENCES outlets(id),
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '[]',
        subheadings TEXT NOT NULL DEFAULT '[]',
        source_attribution TEXT,
        author TEXT,
        published TEXT,
        extracted TEXT,
        time TEXT,
        language TEXT NOT NULL DEFAULT 'ar',
        content_hash TEXT NOT NULL,
        extras TEXT NOT NULL DEFAULT '{}',
        added TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX articles_time ON articles(time);
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_outlet_time ON articles(outlet_id, time);
    CREATE TABLE analysis (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        title_norm TEXT NOT NULL,
        body_norm TEXT NOT NULL,
        tsv TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'D')
        ) STORED
    );
    CREATE INDEX analysis_tsv ON analysis USING GIN (tsv);
    CREATE TABLE tombstones (
        url TEXT PRIMARY KEY,
        content_hash TEXT,
        deleted_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    """,
    # 2: copies and stories
    """
    CREATE TABLE copies (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        canonical_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        score DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE INDEX copies_canonical ON copies(canonical_id);
    CREATE TABLE stories (
        id BIGINT PRIMARY KEY,
        label TEXT NOT NULL,
        first_time TEXT,
        last_time TEXT,
        article_count INTEGER NOT NULL DEFAULT 0,
        outlet_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stories_last ON stories(last_time);
    CREATE TABLE story_articles (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        score DOUBLE PRECISION NOT NULL DEFAULT 0
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    """,
    # 3: dense embeddings and derived index blobs
    """
    CREATE TABLE embeddings (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vec BYTEA NOT NULL
    );
    CREATE TABLE blobs (name TEXT PRIMARY KEY, version TEXT NOT NULL, data BYTEA NOT NULL);
    """,
    # 4: live sources and the HTTP cache
    """
    CREATE TABLE sources (
        id BIGSERIAL PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'feed',
        allow_private BOOLEAN NOT NULL DEFAULT false,
        enabled BOOLEAN NOT NULL DEFAULT true,
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_poll TEXT,
        added TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE http_cache (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        status INTEGER,
        fetched TEXT
    );
    """,
    # 5: a source's own polling interval (NULL: the crawler's default)
    """
    ALTER TABLE sources ADD COLUMN every_minutes INTEGER;
    """,
    # 6: copy pairs across copy groups (dedupe.copies.find_copy_pairs)
    """
    CREATE TABLE cross_copies (
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        other_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        PRIMARY KEY (article_id, other_id)
    );
    CREATE INDEX cross_copies_other ON cross_copies(other_id);
    """,
    # 7: bylines searchable: their stems in the analysis row, weighted B in the tsvector. Rows
    # stored before have none until ``khabar reclean`` (which analyzes them anew).
    """
    ALTER TABLE analysis ADD COLUMN author TEXT NOT NULL DEFAULT '';
    ALTER TABLE analysis DROP COLUMN tsv;
    ALTER TABLE analysis ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', author), 'B')
        || setweight(to_tsvector('simple', body), 'D')
    ) STORED;
    CREATE INDEX analysis_tsv ON analysis USING GIN (tsv);
    """,
]
