//! The second factor of a sign-in: a TOTP authenticator app with ten single-use recovery codes,
//! who must use one, and the short-lived challenge between a right password and its code.
//!
//! A code works once: accepting one records its time step with a guarded `UPDATE` (only a later
//! step may follow), so two requests racing with the same code cannot both win, on either
//! backend. Recovery codes are marked used the same way. Wrong codes are throttled with the
//! password guesses of the account ([`super::throttle::LoginThrottle`]).

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    Principal, Role, auth,
    store::{self, UserRow},
    totp::{self, Secret},
};
use crate::{
    audit::{self, Subject},
    db::Db,
    error::{ApiError, ApiResult},
    on_db, on_tx,
    state::AppState,
};

/// How long a sign-in waits for its code (or for the second factor to be set up).
pub const CHALLENGE_TTL: TimeDelta = TimeDelta::minutes(10);

/// Who must sign in with a second factor. Admins always; all staff when an admin says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Admins,
    Staff,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admins => "admins",
            Self::Staff => "staff",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "admins" => Ok(Self::Admins),
            "staff" => Ok(Self::Staff),
            _ => Err("must be admins (admins only) or staff (every staff member and admin)".into()),
        }
    }

    /// Whether `role` must have a second factor under this requirement.
    pub fn applies_to(self, role: Role) -> bool {
        match role {
            Role::Admin => true,
            Role::Staff => self == Self::Staff,
            Role::Member => false,
        }
    }
}

const REQUIREMENT_KEY: &str = "second_factor_required_for";

pub async fn requirement(db: &Db) -> ApiResult<Requirement> {
    let value = on_db!(db, pool => sqlx::query_scalar::<_, String>("SELECT value FROM site_settings WHERE key = $1")
        .bind(REQUIREMENT_KEY)
        .fetch_optional(pool)
        .await)?;
    Ok(value.and_then(|v| Requirement::parse(&v).ok()).unwrap_or(Requirement::Admins))
}

/// Admins decide whether every staff member needs a second factor. Those without one set it up
/// at their next sign-in.
pub async fn set_requirement(state: &AppState, admin: &Principal, to: Requirement) -> ApiResult<()> {
    admin.require_admin()?;
    admin.require_recent_sign_in(state.now())?;
    let from = requirement(&state.db).await?;
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO site_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
    )
    .bind(REQUIREMENT_KEY)
    .bind(to.as_str())
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        Subject::User(admin.user_id),
        admin.user_id,
        state.now(),
        from.as_str(),
        to.as_str(),
        "second factor required for",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an authenticator app needs: the key as text, the `otpauth://` URI and its QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32, as people type it into an app.
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

impl Enrolment {
    fn of(secret: &Secret, account: &str) -> Self {
        let uri = secret.otpauth_uri("Debut", account);
        Self { secret: secret.to_base32(), qr_svg: crate::http::qr_svg(&uri), uri }
    }
}

/// Starts (or shows again) setting up a second factor: a new key waits until a first code
/// confirms it, so an app that was never set up cannot lock anyone out.
pub async fn begin_enrolment(state: &AppState, user: &UserRow) -> ApiResult<Enrolment> {
    if user.has_second_factor() {
        return Err(ApiError::conflict(crate::error::Reason::new("second-factor-on")));
    }
    if let Some(pending) = user.totp_pending_secret.as_deref().and_then(Secret::from_hex) {
        return Ok(Enrolment::of(&pending, &user.email));
    }
    let secret = Secret::generate();
    on_db!(&state.db, pool => sqlx::query("UPDATE users SET totp_pending_secret = $2 WHERE id = $1")
        .bind(user.id)
        .bind(secret.to_hex())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(Enrolment::of(&secret, &user.email))
}

fn wrong_code() -> ApiError {
    ApiError::invalid("code", crate::error::Invalid::new("totp-wrong"))
}

/// Confirms the key being set up with a first code from the app; returns the ten recovery
/// codes, shown this once.
pub async fn confirm_enrolment(state: &AppState, user_id: i64, code: &str) -> ApiResult<Vec<String>> {
    let user = store::find_user(&state.db, user_id).await?.ok_or_else(|| ApiError::not_found("Your user"))?;
    let Some(pending) = user.totp_pending_secret.as_deref().and_then(Secret::from_hex) else {
        return Err(ApiError::conflict(crate::error::Reason::new("second-factor-start")));
    };
    let now = state.now();
    let step = pending.matching_step(code, now.timestamp(), None).ok_or_else(wrong_code)?;
    let codes = totp::recovery_codes();
    let mut tx = state.db.begin().await?;
    let moved = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_enabled_at = $3, \
         totp_last_step = $4 WHERE id = $1 AND totp_pending_secret = $2 AND totp_secret IS NULL",
    )
    .bind(user_id)
    .bind(pending.to_hex())
    .bind(now)
    .bind(step)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if moved != 1 {
        return Err(ApiError::conflict(crate::error::Reason::new("second-factor-changed")));
    }
    replace_recovery_codes(&mut tx, user_id, &codes, now).await?;
    audit::record(&mut tx, Subject::User(user_id), user_id, now, "", "second factor", "set up").await?;
    tx.commit().await?;
    Ok(codes)
}

async fn replace_recovery_codes(
    tx: &mut crate::db::Tx,
    user_id: i64,
    codes: &[String],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    for code in codes {
        on_tx!(tx, conn => sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(totp::recovery_code_hash(code))
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Whether `code` (from the app, or a recovery code) is right for the user, using it up.
pub async fn verify(state: &AppState, user: &UserRow, code: &str) -> ApiResult<bool> {
    let Some(secret) = user.totp_secret.as_deref().and_then(Secret::from_hex) else { return Ok(false) };
    let now = state.now();
    let normalized = totp::normalize(code);
    if normalized.len() > 64 {
        return Ok(false);
    }
    if normalized.bytes().all(|b| b.is_ascii_digit()) {
        let Some(step) = secret.matching_step(&normalized, now.timestamp(), None) else { return Ok(false) };
        // Only a step after the last one used: the same code twice, or an older one, fails.
        let used = on_db!(&state.db, pool => sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(user.id)
        .bind(step)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        return Ok(used == 1);
    }
    let used = on_db!(&state.db, pool => sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user.id)
    .bind(totp::recovery_code_hash(&normalized))
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(used == 1)
}

/// A user's second factor as their account page and `GET /api/v1/auth/two-factor` show it.
#[derive(Debug, Clone)]
pub struct Status {
    pub enabled_at: Option<DateTime<Utc>>,
    pub required: bool,
    pub recovery_codes_left: i64,
}

pub async fn status(state: &AppState, user: &UserRow) -> ApiResult<Status> {
    let left = on_db!(&state.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user.id)
    .fetch_one(pool)
    .await)?;
    let required = requirement(&state.db).await?.applies_to(user.role);
    Ok(Status { enabled_at: user.totp_enabled_at, required, recovery_codes_left: left })
}

/// Ten new recovery codes in place of the old ones (a sensitive action).
pub async fn new_recovery_codes(state: &AppState, principal: &Principal) -> ApiResult<Vec<String>> {
    principal.require_recent_sign_in(state.now())?;
    let user = own_user(state, principal).await?;
    if !user.has_second_factor() {
        return Err(ApiError::conflict(crate::error::Reason::new("second-factor-first")));
    }
    let codes = totp::recovery_codes();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    replace_recovery_codes(&mut tx, user.id, &codes, now).await?;
    audit::record(&mut tx, Subject::User(user.id), user.id, now, "", "", "new recovery codes").await?;
    tx.commit().await?;
    Ok(codes)
}

async fn own_user(state: &AppState, principal: &Principal) -> ApiResult<UserRow> {
    store::find_user(&state.db, principal.user_id).await?.ok_or_else(|| ApiError::not_found("Your user"))
}

/// Turns the caller's second factor off (a sensitive action). Not while their role requires
/// one: an admin can reset it instead, and it is set up anew at the next sign-in.
pub async fn turn_off(state: &AppState, principal: &Principal) -> ApiResult<()> {
    principal.require_recent_sign_in(state.now())?;
    let user = own_user(state, principal).await?;
    if !user.has_second_factor() {
        return Err(ApiError::conflict(crate::error::Reason::new("second-factor-off")));
    }
    if requirement(&state.db).await?.applies_to(user.role) {
        return Err(ApiError::conflict(
            "Your role must sign in with a second factor, so it cannot be turned off; to move to a new \
             phone, ask an admin to reset it and set it up again at your next sign-in.",
        ));
    }
    clear(state, user.id, Whose::Own, principal.user_id, "turned off", principal.session.map(|s| s.id))
        .await?;
    Ok(())
}

/// An admin resets a colleague's second factor (a lost phone): it is set up anew at their next
/// sign-in, and every session of theirs ends.
pub async fn reset(state: &AppState, admin: &Principal, user_id: i64) -> ApiResult<()> {
    admin.require_admin()?;
    admin.require_recent_sign_in(state.now())?;
    if !clear(state, user_id, Whose::Staff, admin.user_id, "reset by an admin", None).await? {
        return Err(ApiError::not_found(format!("Staff account {user_id}")));
    }
    Ok(())
}

/// Whose second factor [`clear`] may remove: the caller's own, or a staff account's (an admin's
/// reset); the role is part of the statement, so a brand's id changes nothing through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    Own,
    Staff,
}

/// Removes the user's second factor and recovery codes and ends their sessions (but `keep`),
/// all in one transaction and only when the account is `whose`; false when it is not.
async fn clear(
    state: &AppState,
    user_id: i64,
    whose: Whose,
    actor: i64,
    note: &str,
    keep: Option<i64>,
) -> ApiResult<bool> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let cleared = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, \
         totp_last_step = NULL WHERE id = $1 AND ($2 = 'own' OR role IN ('staff', 'admin'))",
    )
    .bind(user_id)
    .bind(if whose == Whose::Own { "own" } else { "staff" })
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if cleared != 1 {
        return Ok(false);
    }
    on_tx!(&mut tx, conn => sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    store::end_sessions_in(&mut tx, user_id, None, keep, now).await?;
    audit::record(&mut tx, Subject::User(user_id), actor, now, "second factor", "", note).await?;
    tx.commit().await?;
    Ok(true)
}

/// What a sign-in still needs after a right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A code from the app, or a recovery code.
    Code,
    /// Setting up a second factor, which the user's role requires.
    Enrol,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Enrol => "enrol",
        }
    }
}

/// Opens the step between a right password and a session; returns its token (shown once).
pub async fn open_challenge(state: &AppState, user_id: i64, step: Step) -> ApiResult<String> {
    let token = auth::new_token();
    let now = state.now();
    // Challenges live minutes; the table keeps no more than a day of them.
    on_db!(&state.db, pool => sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at < $1")
        .bind(now - TimeDelta::days(1))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    on_db!(&state.db, pool => sqlx::query(
        "INSERT INTO sign_in_challenges (user_id, token_hash, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(auth::token_hash(&token))
    .bind(step.as_str())
    .bind(now)
    .bind(now + CHALLENGE_TTL)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(token)
}

/// The user and step of a live challenge.
pub async fn challenge(state: &AppState, token: &str) -> ApiResult<Option<(UserRow, Step)>> {
    let row = on_db!(&state.db, pool => sqlx::query_as::<_, (i64, String)>(
        "SELECT user_id, purpose FROM sign_in_challenges WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(auth::token_hash(token))
    .bind(state.now())
    .fetch_optional(pool)
    .await)?;
    let Some((user_id, purpose)) = row else { return Ok(None) };
    let step = if purpose == "enrol" { Step::Enrol } else { Step::Code };
    Ok(store::find_user(&state.db, user_id).await?.filter(|u| u.removed_at.is_none()).map(|u| (u, step)))
}

/// Uses the challenge up; `false` if another request did first.
pub async fn close_challenge(state: &AppState, token: &str) -> ApiResult<bool> {
    let closed = on_db!(&state.db, pool => sqlx::query(
        "UPDATE sign_in_challenges SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(auth::token_hash(token))
    .bind(state.now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(closed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_always_need_a_second_factor_staff_when_required_members_never() {
        assert!(Requirement::Admins.applies_to(Role::Admin));
        assert!(!Requirement::Admins.applies_to(Role::Staff));
        assert!(Requirement::Staff.applies_to(Role::Staff));
        assert!(!Requirement::Staff.applies_to(Role::Member));
        assert_eq!(Requirement::parse("staff"), Ok(Requirement::Staff));
        assert!(Requirement::parse("everyone").is_err());
    }
}
