//! SQL for accounts, shared by both backends.

use chrono::{DateTime, Utc};

use super::{OrgKind, OrgRef, OrgRole, OrganizationView, Principal, Role, UserView};
use crate::{
    db::{Db, Tx, is_unique_violation},
    error::{ApiError, ApiResult},
    on_db, on_tx,
    values::Lang,
};

mod members;
mod sessions;

pub use self::members::{
    InvitationRow, MemberRow, accept_invitation, find_organization, insert_invitation, invitation_by_token,
    members, pending_invitations, remove_member, rename_organization, revoke_invitation,
};
pub use self::sessions::{
    Client, SessionRow, end_sessions, end_sessions_in, end_staff_sessions_in, insert_session, live_sessions,
    mark_session_verified, principal_for_token, revoke_session,
};

#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub lang: Lang,
    pub org_role: Option<OrgRole>,
    pub removed_at: Option<DateTime<Utc>>,
    pub organization_id: Option<i64>,
    pub organization_kind: Option<OrgKind>,
    pub organization_name: Option<String>,
    /// The TOTP key (hex) once a second factor is set up.
    pub totp_secret: Option<String>,
    /// The key being set up, until a first code confirms it.
    pub totp_pending_secret: Option<String>,
    pub totp_enabled_at: Option<DateTime<Utc>>,
}

/// The user columns [`UserRow`] reads, as a literal so queries can `concat!` onto it.
macro_rules! select_user {
    () => {
        "SELECT u.id, u.email, u.password_hash, u.display_name, u.role, u.lang, u.org_role, u.removed_at, u.organization_id, \
         o.kind AS organization_kind, o.name AS organization_name, u.totp_secret, u.totp_pending_secret, u.totp_enabled_at \
         FROM users u LEFT JOIN organizations o ON o.id = u.organization_id "
    };
}

impl UserRow {
    fn organization(&self) -> Option<OrganizationView> {
        Some(OrganizationView {
            id: self.organization_id?,
            kind: self.organization_kind?,
            name: self.organization_name.clone()?,
        })
    }

    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            role: self.role,
            organization: self.organization().map(|o| OrgRef { id: o.id, kind: o.kind }),
            session: None,
        }
    }

    pub fn has_second_factor(&self) -> bool {
        self.totp_secret.is_some()
    }

    pub fn view(&self) -> UserView {
        UserView {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            organization: self.organization(),
        }
    }
}

fn email_taken() -> ApiError {
    ApiError::conflict(crate::error::Reason::new("email-taken"))
}

/// Creates an organization and its first (member) user in one transaction.
/// An organization and its first member, its owner, as stored.
pub struct NewOrganization<'a> {
    pub kind: OrgKind,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub lang: Lang,
}

pub async fn register(db: &Db, new: &NewOrganization<'_>, now: DateTime<Utc>) -> ApiResult<i64> {
    let mut tx = db.begin().await?;
    let user_id: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
        let organization_id: i64 = sqlx::query_scalar(
            "INSERT INTO organizations (kind, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(new.kind)
        .bind(new.name)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, display_name, role, org_role, lang, organization_id, created_at) \
             VALUES ($1, $2, $3, 'member', 'owner', $6, $4, $5) RETURNING id",
        )
        .bind(new.email)
        .bind(new.password_hash)
        .bind(new.display_name)
        .bind(organization_id)
        .bind(now)
        .bind(new.lang)
        .fetch_one(&mut *conn)
        .await
    });
    let user_id = user_id.map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })?;
    tx.commit().await?;
    Ok(user_id)
}

/// Creates a staff (or admin) user.
pub async fn create_staff(
    db: &Db,
    email: &str,
    password_hash: &str,
    display_name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let result: Result<i64, sqlx::Error> = on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, role, organization_id, created_at) \
         VALUES ($1, $2, $3, $4, NULL, $5) RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(display_name)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(pool)
    .await);
    result.map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })
}

pub async fn find_user_by_email(db: &Db, email: &str) -> ApiResult<Option<UserRow>> {
    const SQL: &str = concat!(select_user!(), "WHERE u.email = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, UserRow>(SQL).bind(email).fetch_optional(pool).await)?)
}

pub async fn find_user(db: &Db, user_id: i64) -> ApiResult<Option<UserRow>> {
    const SQL: &str = concat!(select_user!(), "WHERE u.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, UserRow>(SQL).bind(user_id).fetch_optional(pool).await)?)
}

/// Sets a user's password and ends their sessions, all but the one `keep` names.
pub async fn set_password(
    db: &Db,
    user_id: i64,
    password_hash: &str,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    set_password_in(&mut tx, user_id, password_hash, keep, now).await?;
    Ok(tx.commit().await?)
}

pub async fn set_password_in(
    tx: &mut Tx,
    user_id: i64,
    password_hash: &str,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
             AND ($3 IS NULL OR token_hash <> $3)",
        )
        .bind(user_id)
        .bind(now)
        .bind(keep)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn set_lang(db: &Db, user_id: i64, lang: Lang) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE users SET lang = $2 WHERE id = $1")
        .bind(user_id)
        .bind(lang)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_password_reset(
    tx: &mut Tx,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a live reset token used and returns its user; `None` if it is unknown, used or expired.
pub async fn use_password_reset(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> ApiResult<Option<i64>> {
    Ok(on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await)?)
}

pub async fn password_reset_is_live(db: &Db, token_hash: &str, now: DateTime<Utc>) -> ApiResult<bool> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await)?
    .is_some())
}

/// A staff or admin account, as the staff accounts page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub removed_at: Option<DateTime<Utc>>,
    pub totp_enabled_at: Option<DateTime<Utc>>,
    /// The language of the e-mails this member reads.
    pub lang: Lang,
}

pub async fn staff(db: &Db) -> ApiResult<Vec<StaffRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, StaffRow>(
        "SELECT id, email, display_name, role, removed_at, totp_enabled_at, lang FROM users \
         WHERE role IN ('staff', 'admin') ORDER BY id",
    )
    .fetch_all(pool)
    .await)?)
}

/// Disables (`Some(now)`) or re-enables (`None`) a staff account; disabling ends its sessions.
pub async fn set_staff_disabled(
    db: &Db,
    user_id: i64,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, conn => {
        let changed = sqlx::query("UPDATE users SET removed_at = $2 WHERE id = $1 AND role IN ('staff', 'admin')")
            .bind(user_id)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        // Only a staff account that was disabled here loses its sessions.
        if at.is_some() && changed == 1 {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
        Ok::<_, sqlx::Error>(changed)
    })?;
    tx.commit().await?;
    Ok(changed == 1)
}
