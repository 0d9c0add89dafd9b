//! Database access: one binary, two backends.
//!
//! The URL scheme picks SQLite (`sqlite://...`, the embedded default) or PostgreSQL
//! (`postgres://...`). Both backends run the *same SQL text*: we only use `$n` placeholders,
//! `RETURNING`, and portable types (TEXT, BIGINT, BOOLEAN, instants). The [`on_db!`] and
//! [`on_tx!`] macros compile each statement once per backend, which keeps native
//! `DateTime<Utc>` values on both (RFC 3339 TEXT in SQLite, TIMESTAMPTZ in PostgreSQL).
//!
//! Migrations live in twin folders, `migrations/sqlite` and `migrations/postgres`, with the same
//! file names; a test fails if they drift apart.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// A connection pool to either backend.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`), usable as an executor.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// The backend a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL {:?}: use sqlite://path/to/file.db or postgres://user@host/db",
                redact_url(url)
            )
        }
    }
}

/// Turns off SQLite's memory statistics, which take one process-wide mutex around every
/// allocation SQLite makes: with eight connections' threads building rows at once it was a
/// fifth of their time under `bench/scale.py`'s search load. Only possible before SQLite's first
/// use in the process; later calls (a second database in tests) change nothing and are ignored.
fn without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: a configuration call with an int argument, made once, before this process
        // opens its first SQLite connection (when it is not, SQLite refuses it with MISUSE).
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int)
        };
    });
}

/// Turns on SQLite's query planner stability guarantee for one connection. Without it a cached
/// statement whose plan could depend on a bound value (a time compared with `>`, as every public
/// list has: "events that end after now") is prepared again whenever that value changes, which
/// is every request: a third of the SQLite threads' time under `bench/scale.py`'s load.
async fn stable_plans(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the open connection `handle` keeps locked for us; the option takes an int
    // and an optional out-pointer, which may be null.
    let code = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if code == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("sqlite3_db_config(ENABLE_QPSG) failed with code {code}").into(),
        ))
    }
}

impl Db {
    /// Connects to the database the URL names. A SQLite file and its folder are created when
    /// missing; SQLite runs with WAL, foreign keys on and a busy timeout so concurrent writers
    /// wait for each other instead of failing.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                without_memory_statistics();
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30));
                if let Some(parent) = options.get_filename().parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)?;
                }
                // No ping before each acquire: a connection to a local file does not go stale,
                // and the ping's round trip to the connection's thread cost about as much as a
                // small query (issue 15's load script: `/api/v1/venues` 1,224 req/s with it).
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| Box::pin(async move { stable_plans(conn).await }))
                    .connect_with(options)
                    .await?;
                Ok(Self::Sqlite(pool))
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations from the backend's migration folder.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Answers whether the database takes queries (for `/readyz`).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    /// Begins a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails with
    /// `SQLITE_BUSY` instead of waiting when another writer got there in between.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }

    /// Writes a consistent copy of a SQLite database to the new file `to` while the service
    /// keeps serving (`VACUUM INTO` reads one snapshot: every transaction committed before it
    /// began is in the copy, none that commit during it). Returns the copy's size. PostgreSQL has
    /// its own tool for this: `pg_dump`.
    pub async fn backup_to(&self, to: &Path) -> anyhow::Result<u64> {
        match self {
            Self::Sqlite(pool) => {
                anyhow::ensure!(!to.exists(), "{} exists; write the backup to a new file", to.display());
                if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                sqlx::query("VACUUM INTO $1").bind(to.to_string_lossy().into_owned()).execute(pool).await?;
                Ok(std::fs::metadata(to)?.len())
            }
            Self::Postgres(_) => anyhow::bail!(
                "for PostgreSQL use its own tools: pg_dump --format=custom --file=debut.dump \"$DEBUT_DATABASE_URL\" \
                 to back up, pg_restore --clean --dbname=\"$DEBUT_DATABASE_URL\" debut.dump to restore"
            ),
        }
    }
}

/// Restores a SQLite backup made by [`Db::backup_to`] as the database at `url`, after checking
/// that it is an intact Debut database; then applies any newer migrations. Refuses to replace an
/// existing database unless `replace` (stop the service first: the file is swapped whole).
pub async fn restore_sqlite(backup: &Path, url: &str, replace: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        Backend::from_url(url)? == Backend::Sqlite,
        "restore works on SQLite files; for PostgreSQL use pg_restore --clean --dbname=... debut.dump"
    );
    anyhow::ensure!(backup.is_file(), "{} is not a file", backup.display());
    let check = SqliteConnectOptions::new().filename(backup).read_only(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(check).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await?;
    let migrations: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&pool).await;
    pool.close().await;
    anyhow::ensure!(integrity == "ok", "{} fails its integrity check: {integrity}", backup.display());
    anyhow::ensure!(
        migrations.is_ok(),
        "{} is not a Debut database (it has no migrations)",
        backup.display()
    );
    let target = SqliteConnectOptions::from_str(url)?.get_filename().to_owned();
    if target.exists() {
        anyhow::ensure!(
            replace,
            "{} exists; stop the service and pass --replace to swap it for the backup",
            target.display()
        );
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", target.display());
            if Path::new(&file).exists() {
                std::fs::remove_file(&file)?;
            }
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(backup, &target)?;
    let db = Db::connect(url).await?;
    db.migrate().await?;
    db.close().await;
    Ok(())
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Postgres(tx) => tx.commit().await,
        }
    }
}

/// True when the error is a unique-constraint violation (on either backend).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// True when the error is a CHECK or foreign-key violation: a rule the schema enforces itself.
pub fn is_rule_violation(err: &sqlx::Error) -> bool {
    use sqlx::error::ErrorKind;
    matches!(err, sqlx::Error::Database(e) if matches!(e.kind(), ErrorKind::CheckViolation | ErrorKind::ForeignKeyViolation))
}

/// A database URL without its password, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact_url("postgres://debut:s3cret@db:5432/debut"), "postgres://debut:***@db:5432/debut");
        assert_eq!(redact_url("sqlite://data/debut.db"), "sqlite://data/debut.db");
    }

    #[test]
    fn an_unsupported_url_is_named_without_its_password() {
        let err = Backend::from_url("mysql://debut:s3cret@db/debut").unwrap_err().to_string();
        assert!(err.contains("mysql://debut:***@db/debut"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}
