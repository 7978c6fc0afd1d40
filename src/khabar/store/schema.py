"""SQLite migrations: an append-only list. Never edit a shipped entry; add a new one.

``PRAGMA user_version`` records how many have been applied.
"""

MIGRATIONS: list[str] = [
    # 1: articles, outlets, analysis + FTS5, tombstones, meta
    """
    CREATE TABLE outlets (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        home_url TEXT
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        outlet_id INTEGER NOT NULL REFERENCES outlets(id),
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
        added TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
    );
    CREATE INDEX articles_time ON articles(time);
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_outlet_time ON articles(outlet_id, time);
    -- Analyzed forms: stems joined by spaces (indexed by FTS5), normalized text.
    CREATE TABLE analysis (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        title_norm TEXT NOT NULL,
        body_norm TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE fts USING fts5(
        title, body, content='analysis', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 0'
    );
    -- A deleted article's URL stays here so a re-import or a feed never brings it back.
    CREATE TABLE tombstones (
        url TEXT PRIMARY KEY,
        content_hash TEXT,
        deleted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    """,
    # 2: copies (exact + near duplicates) and stories
    """
    CREATE TABLE copies (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        canonical_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE INDEX copies_canonical ON copies(canonical_id);
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        first_time TEXT,
        last_time TEXT,
        article_count INTEGER NOT NULL DEFAULT 0,
        outlet_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stories_last ON stories(last_time);
    CREATE TABLE story_articles (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        score REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    """,
    # 3: dense embeddings and derived index blobs (kept inside the one database file)
    """
    CREATE TABLE embeddings (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vec BLOB NOT NULL
    );
    CREATE TABLE blobs (name TEXT PRIMARY KEY, version TEXT NOT NULL, data BLOB NOT NULL);
    """,
    # 4: live sources and the HTTP cache used for conditional requests
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'feed',
        allow_private INTEGER NOT NULL DEFAULT 0,
        enabled INTEGER NOT NULL DEFAULT 1,
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_poll TEXT,
        added TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
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
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        other_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        PRIMARY KEY (article_id, other_id)
    );
    CREATE INDEX cross_copies_other ON cross_copies(other_id);
    """,
    # 7: bylines searchable: their stems in the analysis row and a third FTS column. Rows stored
    # before have none until ``khabar reclean`` (which analyzes them anew); the index is rebuilt
    # from the analysis table, so it agrees with it.
    """
    ALTER TABLE analysis ADD COLUMN author TEXT NOT NULL DEFAULT '';
    DROP TABLE fts;
    CREATE VIRTUAL TABLE fts USING fts5(
        title, body, author, content='analysis', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 0'
    );
    INSERT INTO fts(fts) VALUES ('rebuild');
    """,
]
