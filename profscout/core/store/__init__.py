"""The local store: one SQLite file (WAL) shared by the crawler and the ranker.

The schema is versioned with ``PRAGMA user_version``; ``MIGRATIONS[i]`` moves a store from
version ``i`` to ``i + 1``. Opening a store applies any pending migration in one transaction.

Tables
------
institutions       name, region, country, latitude, longitude
professors         one row per person: key (a DBLP name, number kept), display name,
                   institution, homepage, Google Scholar id
professor_aliases  every CSRankings/DBLP name of a person (``alias`` keeps the DBLP number,
                   ``display`` drops it)
area_counts        CSRankings counted papers per person x area (venue code) x year
homepages          what the homepage crawl found per professor, with its final state
fetch_log          every URL fetched by any stage, with its outcome
papers             arXiv papers (one row per arXiv id)
authorships        paper <-> professor, with the author string matched and a confidence
arxiv_sync         per professor: when arXiv was last asked, newest paper date seen
ranking_cache      fitted ranking indexes, keyed by what they were fitted on
embeddings         sentence embeddings keyed by model and text hash
campaign_entries   (v3) one professor in one outreach campaign: shortlist position, state,
                   the date each state was reached, notes, a revision counter for imports
campaign_events    (v3) every state change of an entry, with its date, note and whether the
                   one-at-a-time rule was overridden
professor_homepages (v4) every distinct homepage of a person (CSRankings rows of one person
                   can differ), ``position`` 0 first: the crawl tries them in order
homepage_emails    (v4) every address the homepage crawl read, best first, with the page it
                   was read on, how (``source``), the text it was read from and whether it is
                   institutional; ``homepages`` gains ``note`` (e.g. a redirect to another
                   host), ``email_evidence``, ``recruiting_url`` and ``sources_json`` (fact
                   -> the URL of the page that gave it)
listed_publications (v5) titles and arXiv ids listed on a professor's own pages (kind
                   ``title`` or ``arxiv_id``), per source page

Reads and writes are named functions in the modules of this package, one per table group
(:mod:`profscout.core.store.selection`: selecting professors and exporting them). Migrations
are history: they keep the literals they were written with (CSRankings' default region
``'us'`` is :data:`profscout.core.config.DEFAULT_REGION` everywhere else).

(Version 1 also had an ``activity`` table; version 2 drops it: activity is computed from
``authorships`` at the date a ranking asks for, see :mod:`profscout.core.activity`.)
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from profscout.core.config import busy_timeout

SCHEMA_V1 = """
CREATE TABLE institutions (
    name        TEXT PRIMARY KEY,
    region      TEXT NOT NULL DEFAULT 'us',
    country     TEXT NOT NULL DEFAULT 'us',
    latitude    REAL,
    longitude   REAL
);

CREATE TABLE professors (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    institution TEXT NOT NULL,
    homepage    TEXT,
    scholar_id  TEXT
);
CREATE INDEX professors_institution ON professors(institution);
CREATE INDEX professors_name ON professors(name);

CREATE TABLE professor_aliases (
    professor_id INTEGER NOT NULL REFERENCES professors(id) ON DELETE CASCADE,
    alias        TEXT NOT NULL,
    display      TEXT NOT NULL,
    PRIMARY KEY (professor_id, alias)
);
CREATE INDEX professor_aliases_alias ON professor_aliases(alias);

CREATE TABLE area_counts (
    professor_id   INTEGER NOT NULL REFERENCES professors(id) ON DELETE CASCADE,
    area           TEXT NOT NULL,
    year           INTEGER NOT NULL,
    count          REAL NOT NULL,
    adjusted_count REAL NOT NULL,
    PRIMARY KEY (professor_id, area, year)
);

CREATE TABLE homepages (
    professor_id        INTEGER PRIMARY KEY REFERENCES professors(id) ON DELETE CASCADE,
    url                 TEXT,
    final_url           TEXT,
    state               TEXT NOT NULL,
    emails              TEXT NOT NULL DEFAULT '',
    interests           TEXT NOT NULL DEFAULT '',
    keyphrases          TEXT NOT NULL DEFAULT '',
    lab_name            TEXT NOT NULL DEFAULT '',
    lab_url             TEXT NOT NULL DEFAULT '',
    recruiting          TEXT NOT NULL DEFAULT '',
    recruiting_evidence TEXT NOT NULL DEFAULT '',
    links_json          TEXT NOT NULL DEFAULT '{}',
    pages_fetched       INTEGER NOT NULL DEFAULT 0,
    fetched_at          TEXT NOT NULL
);

CREATE TABLE fetch_log (
    id           INTEGER PRIMARY KEY,
    stage        TEXT NOT NULL,
    url          TEXT NOT NULL,
    professor_id INTEGER,
    status       INTEGER,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    bytes        INTEGER,
    fetched_at   TEXT NOT NULL
);
CREATE INDEX fetch_log_professor ON fetch_log(professor_id);

CREATE TABLE papers (
    arxiv_id         TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    abstract         TEXT NOT NULL DEFAULT '',
    authors_json     TEXT NOT NULL DEFAULT '[]',
    categories       TEXT NOT NULL DEFAULT '',
    primary_category TEXT NOT NULL DEFAULT '',
    published        TEXT NOT NULL,
    updated          TEXT
);
CREATE INDEX papers_published ON papers(published);

CREATE TABLE authorships (
    professor_id INTEGER NOT NULL REFERENCES professors(id) ON DELETE CASCADE,
    arxiv_id     TEXT NOT NULL REFERENCES papers(arxiv_id) ON DELETE CASCADE,
    matched_name TEXT NOT NULL,
    confidence   REAL NOT NULL,
    evidence     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (professor_id, arxiv_id)
);
CREATE INDEX authorships_paper ON authorships(arxiv_id);

CREATE TABLE arxiv_sync (
    professor_id     INTEGER PRIMARY KEY REFERENCES professors(id) ON DELETE CASCADE,
    checked_at       TEXT NOT NULL,
    newest_published TEXT,
    window_start     TEXT,
    status           TEXT NOT NULL DEFAULT 'ok'
);

CREATE TABLE activity (
    professor_id INTEGER PRIMARY KEY REFERENCES professors(id) ON DELETE CASCADE,
    papers_6m    INTEGER NOT NULL DEFAULT 0,
    papers_12m   INTEGER NOT NULL DEFAULT 0,
    papers_24m   INTEGER NOT NULL DEFAULT 0,
    latest       TEXT,
    trend        REAL,
    computed_at  TEXT NOT NULL
);

CREATE TABLE ranking_cache (
    key        TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    payload    BLOB NOT NULL
);

CREATE TABLE embeddings (
    model     TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim       INTEGER NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
"""

# Version 2: the outreach campaign. Entries point at professors by id, which re-crawls keep
# (professors are upserted by key); deleting a professor with campaign entries is refused.
CAMPAIGN_TABLES = """
CREATE TABLE campaign_entries (
    id             INTEGER PRIMARY KEY,
    campaign       TEXT NOT NULL,
    professor_id   INTEGER NOT NULL REFERENCES professors(id),
    position       INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'planned',
    query          TEXT NOT NULL DEFAULT '',
    why            TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    planned_on     TEXT NOT NULL,
    drafted_on     TEXT,
    sent_on        TEXT,
    followed_up_on TEXT,
    closed_on      TEXT,
    rule_overridden INTEGER NOT NULL DEFAULT 0,
    revision       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (campaign, professor_id)
);
CREATE INDEX campaign_entries_professor ON campaign_entries(professor_id);

CREATE TABLE campaign_events (
    id         INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES campaign_entries(id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    forced     INTEGER NOT NULL DEFAULT 0,
    source     TEXT NOT NULL DEFAULT 'mark'
);
CREATE INDEX campaign_events_entry ON campaign_events(entry_id);
"""

# Version 4: every homepage of a person, every email read with its evidence, and which page
# gave which fact. Existing homepages become each person's first (and only) one.
HOMEPAGES_AND_EVIDENCE = """
CREATE TABLE professor_homepages (
    professor_id INTEGER NOT NULL REFERENCES professors(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    url          TEXT NOT NULL,
    PRIMARY KEY (professor_id, url)
);
INSERT INTO professor_homepages (professor_id, position, url)
    SELECT id, 0, trim(homepage) FROM professors
    WHERE homepage IS NOT NULL AND trim(homepage) != '';

CREATE TABLE homepage_emails (
    professor_id  INTEGER NOT NULL REFERENCES professors(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    address       TEXT NOT NULL,
    url           TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '',
    institutional INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (professor_id, address)
);

ALTER TABLE homepages ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE homepages ADD COLUMN email_evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE homepages ADD COLUMN recruiting_url TEXT NOT NULL DEFAULT '';
ALTER TABLE homepages ADD COLUMN sources_json TEXT NOT NULL DEFAULT '{}'
"""

# MIGRATIONS[i] upgrades a store at version i to version i + 1.
DROP_ACTIVITY = "DROP TABLE IF EXISTS activity"

# Version 5: what a professor's own publication pages list (titles, arXiv ids).
LISTED_PUBLICATIONS = """
CREATE TABLE listed_publications (
    professor_id INTEGER NOT NULL REFERENCES professors(id) ON DELETE CASCADE,
    source_url   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    seen_at      TEXT NOT NULL,
    PRIMARY KEY (professor_id, source_url, kind, value)
);
"""

# Version 6: a revision counter of what ranking profiles are made of (papers, authorships,
# homepage interests), kept by triggers, so a cached index is looked up without reading the
# rows. Inserts always count (an INSERT OR REPLACE deletes without firing delete triggers).
# And papers' days by id in an index of their own: who published when is read without
# reading the papers' texts.
def _revision_trigger(name: str, event: str, when: str = "") -> str:
    """A trigger raising the profile-sources revision after ``event``, when ``when``."""
    condition = f" WHEN {when}" if when else ""
    return (f"CREATE TRIGGER {name} AFTER {event}{condition} BEGIN UPDATE store_revisions "
            "SET revision = revision + 1 WHERE name = 'profile_sources'; END;")


def _changed(*columns: str) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)


PROFILE_SOURCES_REVISION = "\n".join([
    "CREATE INDEX papers_id_published ON papers(arxiv_id, published);",
    "CREATE TABLE store_revisions (name TEXT PRIMARY KEY, revision INTEGER NOT NULL);",
    "INSERT INTO store_revisions (name, revision) VALUES ('profile_sources', 0);",
    _revision_trigger("papers_insert_revision", "INSERT ON papers"),
    _revision_trigger("papers_update_revision",
                      "UPDATE OF arxiv_id, title, abstract, published ON papers",
                      _changed("arxiv_id", "title", "abstract", "published")),
    _revision_trigger("papers_delete_revision", "DELETE ON papers"),
    _revision_trigger("authorships_insert_revision", "INSERT ON authorships"),
    _revision_trigger("authorships_update_revision",
                      "UPDATE OF professor_id, arxiv_id, confidence ON authorships",
                      _changed("professor_id", "arxiv_id", "confidence")),
    _revision_trigger("authorships_delete_revision", "DELETE ON authorships"),
    _revision_trigger("homepages_insert_revision", "INSERT ON homepages"),
    _revision_trigger("homepages_update_revision",
                      "UPDATE OF professor_id, interests ON homepages",
                      _changed("professor_id", "interests")),
    _revision_trigger("homepages_delete_revision", "DELETE ON homepages",
                      "old.interests != ''"),
])

MIGRATIONS: list[str] = [SCHEMA_V1, DROP_ACTIVITY, CAMPAIGN_TABLES, HOMEPAGES_AND_EVIDENCE,
                       LISTED_PUBLICATIONS, PROFILE_SOURCES_REVISION]
SCHEMA_VERSION = len(MIGRATIONS)


# The one way to pass a list of ids to SQL: ``... WHERE id IN {IDS}`` with the parameter
# ``id_list(ids)`` (a JSON array read by ``json_each``): one parameter, any length.
IDS = "(SELECT value FROM json_each(?))"


def id_list(ids: Iterable[int]) -> str:
    """The parameter for :data:`IDS`: the distinct ids as a JSON array."""
    return json.dumps(sorted({int(i) for i in ids}))


class StoreError(Exception):
    """The store cannot be used as asked: one line for the user, exit code 1."""

    exit_code = 1


class StoreVersionError(StoreError):
    """The store was written by a newer profscout than this one."""


class StoreReadOnlyError(StoreError, sqlite3.OperationalError):
    """The store (or its folder) cannot be written."""


class StoreBusyError(StoreError, sqlite3.OperationalError):
    """Another process held the store's write lock for longer than the busy timeout."""


def tuple_rows(conn: sqlite3.Connection, sql: str, args: Sequence[object] = ()
               ) -> sqlite3.Cursor:
    """``conn.execute(sql, args)`` yielding plain tuples (no :class:`sqlite3.Row` per row):
    for reads of many rows into columns."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, args)


def is_read_only(path: str | Path) -> bool:
    """True when the store file exists but cannot be opened for writing (file mode,
    read-only file system), or its folder does not let SQLite create its WAL files."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError as exc:
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    os.close(fd)
    wal = Path(f"{path}-wal")
    return not wal.exists() and not os.access(path.parent, os.W_OK)


def connect(path: str | Path, *, create: bool = True, read_only: bool = False,
            timeout: float | None = None) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the store at ``path``.

    Rows come back as ``sqlite3.Row``; foreign keys are on; the journal is WAL. A write waits
    up to ``timeout`` seconds (default :func:`profscout.core.config.busy_timeout`) for another
    process to finish its transaction. ``read_only`` opens an existing store for reading only
    (no migration); otherwise a store that cannot be written raises StoreReadOnlyError here,
    before anything is fetched for it. Transactions are explicit: use :func:`transaction`.
    """
    path = Path(path)
    wait = busy_timeout() if timeout is None else timeout
    if (not create or read_only) and not path.exists():
        raise FileNotFoundError(path)
    if read_only:
        conn = _open_read_only(path, wait)
        version = schema_version(conn)
        if version != SCHEMA_VERSION:
            conn.close()
            if version > SCHEMA_VERSION:
                raise StoreVersionError(f"store schema version {version} is newer than this "
                                        f"profscout ({SCHEMA_VERSION})")
            raise StoreReadOnlyError(f"the store {path} needs an upgrade (schema {version} -> "
                                     f"{SCHEMA_VERSION}) but is opened read-only")
        return conn
    if is_read_only(path):
        raise StoreReadOnlyError(f"the store {path} is read-only: nothing could be saved "
                                 "(make it writable or use a copy)")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=wait)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def _open_read_only(path: Path, wait: float) -> sqlite3.Connection:
    """A read-only connection; where SQLite cannot create the WAL index beside a store whose
    WAL is empty (a read-only folder), the file is opened as immutable."""
    uri = path.resolve().as_uri()
    for query in ("mode=ro", "mode=ro&immutable=1"):
        conn = sqlite3.connect(f"{uri}?{query}", uri=True, isolation_level=None, timeout=wait)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            schema_version(conn)
        except sqlite3.OperationalError:
            conn.close()
            if Path(f"{path}-wal").exists() and Path(f"{path}-wal").stat().st_size:
                raise
            continue
        return conn
    raise StoreReadOnlyError(f"the store {path} cannot be opened for reading")


def remove_store(path: str | Path) -> None:
    """Delete a store file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version the store is at (``PRAGMA user_version``)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations in one transaction; return the resulting version."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"store schema version {version} is newer than this profscout ({SCHEMA_VERSION})"
        )
    if version == SCHEMA_VERSION:
        return version
    with transaction(conn):
        for step in MIGRATIONS[version:]:
            for statement in _split_sql(step):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return SCHEMA_VERSION


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script, each whole (a trigger's body holds semicolons)."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip().rstrip(";").strip())
    return statements


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means another process held the store's lock (worth retrying)."""
    if isinstance(exc, StoreBusyError):
        return True
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name.startswith("SQLITE_BUSY") or "locked" in text or "busy" in text


def _write_error(exc: sqlite3.Error) -> StoreError | None:
    """The StoreError a failed write stands for (None: not one we can name)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if is_busy(exc):
        return StoreBusyError(f"the store stayed locked by another process for more than "
                              f"{busy_timeout():g} s; nothing was saved in this transaction")
    if name.startswith("SQLITE_READONLY") or "readonly database" in str(exc):
        return StoreReadOnlyError("the store is read-only: nothing could be saved")
    return None


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (store left as it was).

    A store that stays locked past the busy timeout raises StoreBusyError; a read-only one
    StoreReadOnlyError (both sqlite3.OperationalError underneath, kept as the cause).
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise (_write_error(exc) or exc) from exc
    try:
        yield conn
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            named = _write_error(exc)
            if named is not None:
                raise named from exc
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise (_write_error(exc) or exc) from exc
