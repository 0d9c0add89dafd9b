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

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// A connection pool to either backend, and what the service knows of its reachability.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
    health: Arc<Health>,
}

/// The pool of the backend in use.
#[derive(Clone, Debug)]
pub enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`). `$body`
/// is a `Result<_, sqlx::Error>`: while the database is known to be out of reach it is not run
/// at all (the error comes at once), and an error that says the database is away marks it so
/// (see [`Health`]).
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {{
        let db: &$crate::db::Db = $db;
        match db.gate() {
            Err(unreachable) => Err(unreachable),
            Ok(pools) => db.observe(match pools {
                $crate::db::Pools::Sqlite($pool) => $body,
                $crate::db::Pools::Postgres($pool) => $body,
            }),
        }
    }};
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

/// Whether the database answers, as the last statements found it.
///
/// Once a statement finds the database out of reach (`error::is_unreachable`), every statement
/// fails at once instead of waiting for the pool's acquire timeout, and a probe in the
/// background (`SELECT 1`, one every [`Health::COOL_DOWN`] at most) marks the database up again
/// when it answers. So while the database is away only the request that found it so waits (at
/// most the acquire timeout); every later one is answered 503 at once.
#[derive(Debug)]
pub struct Health {
    started: Instant,
    /// Milliseconds since `started` until which no probe starts; 0 while the database is up.
    down_until_ms: AtomicU64,
    acquire_timeout: Duration,
}

/// What [`Health::admit`] says of a statement.
enum Admit {
    /// Run it: the database is up.
    Yes,
    /// Fail it at once: the database is known to be away.
    No,
    /// Fail it at once, and start a probe: the last one is long enough ago.
    Probe,
}

impl Health {
    /// How long after a failed probe (or the failure that marked the database away) the next
    /// probe starts.
    pub const COOL_DOWN: Duration = Duration::from_secs(1);

    fn new(acquire_timeout: Duration) -> Self {
        Self { started: Instant::now(), down_until_ms: AtomicU64::new(0), acquire_timeout }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
    }

    fn admit(&self) -> Admit {
        let until = self.down_until_ms.load(Ordering::Relaxed);
        if until == 0 {
            return Admit::Yes;
        }
        let now = self.now_ms();
        if now < until {
            return Admit::No;
        }
        // One caller wins the right to start the probe; it gets its acquire timeout to answer.
        let next = now + u64::try_from((self.acquire_timeout + Self::COOL_DOWN).as_millis()).unwrap_or(0);
        match self.down_until_ms.compare_exchange(until, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => Admit::Probe,
            Err(_) => Admit::No,
        }
    }

    fn mark(&self, reachable: bool) {
        if reachable {
            if self.down_until_ms.load(Ordering::Relaxed) != 0 {
                self.down_until_ms.store(0, Ordering::Relaxed);
            }
        } else {
            let until = self.now_ms() + u64::try_from(Self::COOL_DOWN.as_millis()).unwrap_or(0);
            self.down_until_ms.store(until, Ordering::Relaxed);
        }
    }

    /// Whether statements fail at once right now.
    pub fn is_down(&self) -> bool {
        self.down_until_ms.load(Ordering::Relaxed) != 0
    }
}

/// How long a request waits for a database connection by default (`--db-timeout-secs`).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// Connects to the database the URL names, waiting at most [`DEFAULT_ACQUIRE_TIMEOUT`] for a
    /// connection later on.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// Connects to the database the URL names; a request waits at most `acquire_timeout` for a
    /// connection. A SQLite file and its folder are created when missing, at this call only: a
    /// file that goes missing later makes the service answer 503 rather than start a new empty
    /// database. SQLite runs with WAL, foreign keys on and a busy timeout so concurrent writers
    /// wait for each other instead of failing.
    pub async fn connect_with(url: &str, acquire_timeout: Duration) -> anyhow::Result<Self> {
        let pools = match Backend::from_url(url)? {
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
                // Created here, once; later connections open the same file or fail.
                sqlx::Connection::close(sqlx::ConnectOptions::connect(&options).await?).await?;
                let options = options.create_if_missing(false);
                let file = SqliteFile::of(options.get_filename());
                // No ping before each acquire: a connection to a local file does not go stale,
                // and the ping's round trip to the connection's thread cost about as much as a
                // small query (issue 15's load script: `/api/v1/venues` 1,224 req/s with it).
                // A `stat` of the file does instead: a connection to a file that was deleted or
                // replaced would read and write a file nobody else sees.
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(acquire_timeout)
                    .test_before_acquire(false)
                    .before_acquire(move |_, _| {
                        let same = file.unchanged();
                        Box::pin(async move { Ok(same) })
                    })
                    .after_connect(|conn, _| Box::pin(async move { stable_plans(conn).await }))
                    .connect_with(options)
                    .await?;
                Pools::Sqlite(pool)
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(acquire_timeout)
                    .connect(url)
                    .await?;
                Pools::Postgres(pool)
            }
        };
        Ok(Self { pools, health: Arc::new(Health::new(acquire_timeout)) })
    }

    /// The pools, for [`on_db!`] once the database may be asked: an error at once while it is
    /// known to be out of reach.
    pub fn gate(&self) -> Result<&Pools, sqlx::Error> {
        match self.health.admit() {
            Admit::Yes => return Ok(&self.pools),
            Admit::No => {}
            Admit::Probe => self.probe(),
        }
        Err(sqlx::Error::PoolTimedOut)
    }

    /// Asks the database, in the background, whether it is back (see [`Health`]).
    fn probe(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let db = self.clone();
        runtime.spawn(async move {
            let ask = async {
                match &db.pools {
                    Pools::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()),
                    Pools::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()),
                }
            };
            // A connection that hangs is an answer too.
            let within = db.health.acquire_timeout + Health::COOL_DOWN;
            let answer = tokio::time::timeout(within, ask).await.unwrap_or(Err(sqlx::Error::PoolTimedOut));
            let _ = db.observe(answer);
        });
    }

    /// Notes what a statement found (see [`Health`]) and passes its result on.
    ///
    /// A pool that timed out with every connection it may hold open and lent out is busy, not
    /// cut off (a burst of slow requests): a 503 for the request that waited, but not an outage
    /// for everyone. A timeout with room to connect means no connection could be made.
    pub fn observe<T>(&self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        match &result {
            Ok(_) => self.health.mark(true),
            Err(sqlx::Error::PoolTimedOut) if self.all_lent_out() => {}
            Err(err) if crate::error::is_unreachable(err) => self.health.mark(false),
            Err(_) => {}
        }
        result
    }

    /// Whether the pool holds as many connections as it may and none is idle: busy. (A connect
    /// in progress counts in `size`, so `size > 0` alone would call a pool that cannot connect
    /// busy.)
    fn all_lent_out(&self) -> bool {
        match &self.pools {
            Pools::Sqlite(pool) => {
                pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0
            }
            Pools::Postgres(pool) => {
                pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0
            }
        }
    }

    /// The pools without asking the database anything (pool statistics, closing).
    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    /// Whether the database is known to be out of reach right now.
    pub fn is_down(&self) -> bool {
        self.health.is_down()
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations from the backend's migration folder.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pools {
            Pools::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Pools::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Answers whether the database takes queries within `within` (for `/readyz`).
    pub async fn ping(&self, within: Duration) -> Result<(), sqlx::Error> {
        let ping = async { on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ())) };
        match tokio::time::timeout(within, ping).await {
            Ok(result) => result,
            Err(_) => self.observe(Err(sqlx::Error::PoolTimedOut)),
        }
    }

    /// Begins a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails with
    /// `SQLITE_BUSY` instead of waiting when another writer got there in between.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let tx = match self.gate()? {
            Pools::Sqlite(pool) => pool.begin_with("BEGIN IMMEDIATE").await.map(Tx::Sqlite),
            Pools::Postgres(pool) => pool.begin().await.map(Tx::Postgres),
        };
        self.observe(tx)
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite(pool) => pool.close().await,
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// Writes a consistent copy of a SQLite database to the new file `to` while the service
    /// keeps serving (`VACUUM INTO` reads one snapshot: every transaction committed before it
    /// began is in the copy, none that commit during it). Returns the copy's size. PostgreSQL has
    /// its own tool for this: `pg_dump`.
    pub async fn backup_to(&self, to: &Path) -> anyhow::Result<u64> {
        match &self.pools {
            Pools::Sqlite(pool) => {
                anyhow::ensure!(!to.exists(), "{} exists; write the backup to a new file", to.display());
                if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                sqlx::query("VACUUM INTO $1").bind(to.to_string_lossy().into_owned()).execute(pool).await?;
                Ok(std::fs::metadata(to)?.len())
            }
            Pools::Postgres(_) => anyhow::bail!(
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

/// The SQLite file a pool opened, as it was then: a connection is lent only while the file at
/// that path is still the same file (same device and inode).
#[derive(Debug, Clone)]
struct SqliteFile {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl SqliteFile {
    fn of(path: &Path) -> Self {
        Self { path: path.to_owned(), identity: Self::identity(path) }
    }

    fn identity(path: &Path) -> Option<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }

    /// False when the file was deleted or replaced since the pool opened it. An in-memory
    /// database has no file and is always unchanged.
    fn unchanged(&self) -> bool {
        self.identity.is_none() || Self::identity(&self.path) == self.identity
    }
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
