//! The `debut` command: serve the API, run migrations, administer accounts.

use std::{
    io::{IsTerminal, Read},
    path::PathBuf,
    time::Duration,
};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use debut::{
    accounts::{Password, Role, auth, store},
    clock::Clock,
    config::Settings,
    db::{Db, redact_url},
    demo,
    startup::{Application, shutdown_signal},
    values::text::Email,
};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "debut",
    version,
    about = "Debut: debut launches, pop-up markets and first-store incentives"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DatabaseArgs {
    /// sqlite://path/to/file.db (created when missing) or postgres://user@host/db
    /// [default: sqlite://data/debut.db; the generic DATABASE_URL is read when DEBUT_DATABASE_URL is unset]
    #[arg(long, env = "DEBUT_DATABASE_URL")]
    database_url: Option<String>,
}

impl DatabaseArgs {
    /// The flag, else `DEBUT_DATABASE_URL`, else the generic `DATABASE_URL` (which other tools on
    /// the machine may set for themselves, so ours wins), else the embedded SQLite default.
    fn url(&self) -> String {
        self.database_url
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "sqlite://data/debut.db".to_owned())
    }
}

// Parsed once at start-up; the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (migrations run at start).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "DEBUT_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Folder for uploaded media.
        #[arg(long, env = "DEBUT_MEDIA_DIR", default_value = "media")]
        media_dir: PathBuf,
        /// Keep media in an S3-compatible object store instead, e.g. s3://bucket/prefix; endpoint
        /// and keys from AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
        /// (AWS_ALLOW_HTTP=true for an endpoint without TLS).
        #[arg(long, env = "DEBUT_MEDIA_URL")]
        media_url: Option<String>,
        /// Public base URL used in feeds and pages.
        #[arg(long, env = "DEBUT_PUBLIC_URL")]
        public_url: Option<String>,
        /// How long a login token stays valid, in hours.
        #[arg(long, env = "DEBUT_SESSION_HOURS", default_value_t = 720)]
        session_hours: u64,
        /// Load demo venues and accounts (idempotent) and print their credentials.
        #[arg(long, env = "DEBUT_DEMO")]
        demo: bool,
        /// The longest a booking's public event may last, in hours.
        #[arg(long, env = "DEBUT_MAX_BOOKING_HOURS", default_value_t = 14 * 24)]
        max_booking_hours: i64,
        /// Webhook that receives every notification as a signed JSON POST.
        #[arg(long, env = "DEBUT_WEBHOOK_URL")]
        webhook_url: Option<String>,
        /// SMTP relay for notification e-mails, e.g. smtp://relay.internal:25 (plain SMTP).
        #[arg(long, env = "DEBUT_SMTP_URL")]
        smtp_url: Option<String>,
        /// Sender of notification e-mails.
        #[arg(long, env = "DEBUT_MAIL_FROM", default_value = "Debut <noreply@debut.local>")]
        mail_from: String,
        /// Secret for the `X-Debut-Signature: sha256=<HMAC>` header of webhook posts.
        #[arg(long, env = "DEBUT_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: Option<String>,
        /// Largest image upload, in bytes.
        #[arg(long, env = "DEBUT_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024)]
        max_upload_bytes: usize,
        /// Most pixels an uploaded image may declare.
        #[arg(long, env = "DEBUT_MAX_UPLOAD_PIXELS", default_value_t = 50_000_000)]
        max_upload_pixels: u64,
        /// Domain part of iCalendar UIDs; keep it fixed once calendars subscribe.
        #[arg(long, env = "DEBUT_UID_DOMAIN", default_value = "debut.local")]
        uid_domain: String,
        /// The highest first-store award cap a fund may set, in fen (default 2,000,000 CNY).
        #[arg(long, env = "DEBUT_MAX_AWARD_CAP_FEN", default_value_t = debut::config::DEFAULT_MAX_AWARD_CAP_FEN)]
        max_award_cap_fen: i64,
        /// Most connections open at once; at the cap the longest-idle one is closed for a new one.
        #[arg(long, env = "DEBUT_MAX_CONNECTIONS", default_value_t = 4096)]
        max_connections: usize,
        /// Seconds a client has to send a whole request head (also the longest wait for the next
        /// request on a kept-alive connection).
        #[arg(long, env = "DEBUT_HEADER_TIMEOUT_SECS", default_value_t = 10)]
        header_timeout_secs: u64,
        /// Seconds a connection with nothing in flight and no bytes moving stays open.
        #[arg(long, env = "DEBUT_IDLE_TIMEOUT_SECS", default_value_t = 60)]
        idle_timeout_secs: u64,
        /// Memory for decoding uploaded images, in MiB, shared by all uploads at once; an image
        /// whose pixels alone need more is refused.
        #[arg(long, env = "DEBUT_IMAGE_MEMORY_MIB", default_value_t = 320)]
        image_memory_mib: u64,
        /// Memory for built feeds and pages, in MiB; past it the least recently used go first.
        #[arg(long, env = "DEBUT_CACHE_MIB", default_value_t = 64)]
        cache_mib: usize,
        /// Seconds a request waits for a database connection before it is answered 503.
        #[arg(long, env = "DEBUT_DB_TIMEOUT_SECS", default_value_t = 5)]
        db_timeout_secs: u64,
        /// The lowest four-eyes threshold a fund may set, in fen (0: any).
        #[arg(long, env = "DEBUT_FOUR_EYES_FLOOR_FEN", default_value_t = 0)]
        four_eyes_floor_fen: i64,
        /// Most address-confirmation, password-reset and invitation e-mails sent in an hour, all
        /// clients together.
        #[arg(long, env = "DEBUT_MAILS_PER_HOUR", default_value_t = 600)]
        mails_per_hour: u32,
        /// Days a delivered message keeps its recipient and body (links in it included).
        #[arg(long, env = "DEBUT_OUTBOX_RETENTION_DAYS", default_value_t = 30)]
        outbox_retention_days: u32,
    },
    /// Run database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write an online backup of a SQLite database to a new file (PostgreSQL: use pg_dump).
    Backup {
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Restore a SQLite backup as the database (stop the service first).
    Restore {
        /// The backup file `debut backup` wrote.
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database file.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Administer accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff user; the password comes from DEBUT_PASSWORD or stdin. Prints the user id.
    CreateStaff {
        #[arg(long)]
        email: String,
        /// Make the user an admin (may create staff).
        #[arg(long)]
        admin: bool,
        /// Name shown to colleagues; defaults to the e-mail.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// See Cargo.toml: less memory kept after large builds, and cheaper allocation, than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); libmimalloc-sys does not name it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Freed memory goes back to the system at once instead of after mimalloc's default 10 ms:
    // with the delay, the decoded pixels of one large upload were still held while the next
    // was decoded, and eight 7000×7000 uploads peaked at 416 MiB (319 MiB with glibc).
    // SAFETY: sets a process-wide option before any thread is started; no pointers involved.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // One JSON object a line for log collectors; else text, coloured only on a terminal.
    if std::env::var("DEBUT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
    match Cli::parse().command {
        Command::Serve {
            bind,
            database,
            media_dir,
            media_url,
            public_url,
            session_hours,
            demo,
            max_booking_hours,
            webhook_url,
            webhook_secret,
            smtp_url,
            mail_from,
            max_award_cap_fen,
            max_upload_bytes,
            max_upload_pixels,
            uid_domain,
            max_connections,
            header_timeout_secs,
            idle_timeout_secs,
            image_memory_mib,
            cache_mib,
            db_timeout_secs,
            four_eyes_floor_fen,
            mails_per_hour,
            outbox_retention_days,
        } => {
            let mut settings = Settings::new(bind.clone(), database.url());
            settings.public_url = public_url.unwrap_or_else(|| format!("http://{bind}"));
            settings.media_dir = media_dir;
            settings.media_url = media_url;
            settings.session_ttl = Duration::from_secs(session_hours * 3600);
            settings.max_booking_hours = max_booking_hours;
            settings.notify.webhook_url = webhook_url;
            settings.notify.webhook_secret = webhook_secret;
            settings.notify.smtp_url = smtp_url;
            settings.notify.mail_from = mail_from;
            settings.max_award_cap_fen = max_award_cap_fen;
            settings.max_upload_bytes = max_upload_bytes;
            settings.max_upload_pixels = max_upload_pixels;
            settings.uid_domain = uid_domain;
            settings.connections = debut::config::ConnectionLimits {
                max_connections,
                header_timeout: Duration::from_secs(header_timeout_secs),
                idle_timeout: Duration::from_secs(idle_timeout_secs),
            };
            settings.image_memory_bytes = image_memory_mib.saturating_mul(1024 * 1024);
            settings.cache_bytes = cache_mib.saturating_mul(1024 * 1024);
            settings.db_acquire_timeout = Duration::from_secs(db_timeout_secs.max(1));
            settings.four_eyes_floor_fen = four_eyes_floor_fen.max(0);
            settings.mails_per_hour = mails_per_hour;
            settings.outbox_retention = Duration::from_secs(u64::from(outbox_retention_days) * 24 * 3600);
            let app = Application::build(settings.clone(), Clock::System).await?;
            let addr = app.local_addr();
            tracing::info!(database = %redact_url(&settings.database_url), "database ready");
            if demo {
                let lines =
                    demo::load(app.state()).await.map_err(|e| anyhow::anyhow!("loading demo data: {e}"))?;
                println!("Demo data loaded. Log in with:");
                for line in lines {
                    println!("  {line}");
                }
            }
            println!("Debut listening on http://{addr} (API docs: http://{addr}/api/docs)");
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate { database } => {
            let db = Db::connect(&database.url()).await?;
            db.migrate().await?;
            db.close().await;
            println!("migrations applied to {}", redact_url(&database.url()));
        }
        Command::Backup { to, database } => {
            let db = Db::connect(&database.url()).await?;
            let bytes = db.backup_to(&to).await?;
            db.close().await;
            println!("backup of {} written to {} ({bytes} bytes)", redact_url(&database.url()), to.display());
        }
        Command::Restore { from, replace, database } => {
            debut::db::restore_sqlite(&from, &database.url(), replace).await?;
            println!("{} restored as {}", from.display(), redact_url(&database.url()));
        }
        Command::Admin { command: AdminCommand::CreateStaff { email, admin, name, database } } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            let raw = match std::env::var("DEBUT_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut input = String::new();
                    std::io::stdin().read_to_string(&mut input).context("reading the password from stdin")?;
                    input.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let password = match Password::parse(&raw) {
                Ok(password) => password,
                Err(e) => bail!("password {e}"),
            };
            let db = Db::connect(&database.url()).await?;
            db.migrate().await?;
            let hash = auth::hash_password(password.expose().to_owned())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let role = if admin { Role::Admin } else { Role::Staff };
            let display_name = name.unwrap_or_else(|| email.as_str().to_owned());
            let id =
                store::create_staff(&db, email.as_str(), &hash, &display_name, role, Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            db.close().await;
            println!("{id}");
        }
    }
    Ok(())
}
