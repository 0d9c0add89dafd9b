//! SQL for accounts, shared by both backends.

use chrono::{DateTime, Utc};

use super::{OrgKind, OrgRef, OrgRole, OrganizationView, Principal, Role, SessionRef, UserView};
use crate::{
    db::{Db, Tx, is_unique_violation},
    error::{ApiError, ApiResult},
    on_db, on_tx,
    values::Lang,
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

/// Where a session was opened from, as its owner sees it in their list of sessions.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub address: Option<String>,
    /// The `User-Agent`, cut to 200 characters.
    pub agent: Option<String>,
}

pub async fn insert_session(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    client: &Client,
) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at, verified_at, last_used_at, address, client) \
         VALUES ($1, $2, $3, $4, $3, $3, $5, $6)",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .bind(client.address.as_deref())
    .bind(client.agent.as_deref())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    session_id: i64,
    created_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

/// How stale a session's "last used" may get before a request writes it again: one write a
/// minute per session, not one per request.
const LAST_USED_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The principal behind a live (unexpired, unrevoked) session token.
pub async fn principal_for_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<Principal>> {
    const SQL: &str = "SELECT u.id, u.email, u.password_hash, u.display_name, u.role, u.lang, u.org_role, \
         u.removed_at, u.organization_id, o.kind AS organization_kind, o.name AS organization_name, u.totp_secret, \
         u.totp_pending_secret, u.totp_enabled_at, s.id AS session_id, s.created_at, s.verified_at, s.last_used_at \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN organizations o ON o.id = u.organization_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.removed_at IS NULL";
    let Some(row) = on_db!(db, pool => sqlx::query_as::<_, SessionUserRow>(SQL)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await)?
    else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|at| now - at >= LAST_USED_RESOLUTION) {
        on_db!(db, pool => sqlx::query("UPDATE sessions SET last_used_at = $2 WHERE id = $1")
            .bind(row.session_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let mut principal = row.user.principal();
    principal.session =
        Some(SessionRef { id: row.session_id, verified_at: row.verified_at.unwrap_or(row.created_at) });
    Ok(Some(principal))
}

pub async fn revoke_session(db: &Db, token_hash: &str, now: DateTime<Utc>) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A live session as its owner sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub address: Option<String>,
    pub client: Option<String>,
}

/// The user's live sessions, most recently used first.
pub async fn live_sessions(db: &Db, user_id: i64, now: DateTime<Utc>) -> ApiResult<Vec<SessionRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, SessionRow>(
        "SELECT id, created_at, last_used_at, expires_at, address, client FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY COALESCE(last_used_at, created_at) DESC, id DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await)?)
}

/// Ends the user's sessions: the one with id `only`, or all but the one with id `except`.
/// Returns how many ended.
pub async fn end_sessions(
    db: &Db,
    user_id: i64,
    only: Option<i64>,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let mut tx = db.begin().await?;
    let ended = end_sessions_in(&mut tx, user_id, only, except, now).await?;
    tx.commit().await?;
    Ok(ended)
}

/// [`end_sessions`] inside the caller's transaction (a second-factor reset ends them with it).
pub async fn end_sessions_in(
    tx: &mut Tx,
    user_id: i64,
    only: Option<i64>,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    Ok(on_tx!(tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
         AND ($3 IS NULL OR id = $3) AND ($4 IS NULL OR id <> $4)",
    )
    .bind(user_id)
    .bind(now)
    .bind(only)
    .bind(except)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?)
}

/// The password (or a code) was given again in this session.
pub async fn mark_session_verified(db: &Db, session_id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE sessions SET verified_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct OrganizationRow {
    id: i64,
    kind: OrgKind,
    name: String,
}

pub async fn find_organization(db: &Db, id: i64) -> ApiResult<Option<OrganizationView>> {
    let row = on_db!(db, pool => sqlx::query_as::<_, OrganizationRow>(
        "SELECT id, kind, name FROM organizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|r| OrganizationView { id: r.id, kind: r.kind, name: r.name }))
}

pub async fn rename_organization(db: &Db, id: i64, name: &str) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE organizations SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a staff or admin account but `keep`, in the caller's transaction;
/// `None` when `user_id` is not a staff account (nothing is touched then). The role is part of
/// the statement, so no id reaches a brand's sessions through it.
pub async fn end_staff_sessions_in(
    tx: &mut Tx,
    user_id: i64,
    keep: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Option<u64>> {
    let staff: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM users WHERE id = $1 AND role IN ('staff', 'admin')",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await)?;
    if staff.is_none() {
        return Ok(None);
    }
    Ok(Some(on_tx!(tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE revoked_at IS NULL AND ($3 IS NULL OR id <> $3) \
         AND user_id = (SELECT id FROM users WHERE id = $1 AND role IN ('staff', 'admin'))",
    )
    .bind(user_id)
    .bind(now)
    .bind(keep)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?))
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

/// A member of an organization, as the organization's page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub org_role: OrgRole,
}

/// The organization's current members, owners first.
pub async fn members(db: &Db, organization_id: i64) -> ApiResult<Vec<MemberRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, MemberRow>(
        "SELECT id, email, display_name, org_role FROM users \
         WHERE organization_id = $1 AND removed_at IS NULL ORDER BY org_role DESC, id",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await)?)
}

/// Removes a member: they can no longer sign in, and their sessions and feed links end. Only a
/// member of `organization_id` is touched: the sessions and feeds end only when the membership
/// row was removed, in its transaction (by user id alone, any owner could sign anyone out).
pub async fn remove_member(
    db: &Db,
    organization_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let mut tx = db.begin().await?;
    let removed = on_tx!(&mut tx, conn => {
        let removed = sqlx::query(
            "UPDATE users SET removed_at = $3 WHERE id = $1 AND organization_id = $2 AND removed_at IS NULL",
        )
        .bind(user_id)
        .bind(organization_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if removed == 1 {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE feed_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
        Ok::<_, sqlx::Error>(removed)
    })?;
    tx.commit().await?;
    Ok(removed == 1)
}

/// A pending or answered invitation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub email: String,
    pub invited_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl InvitationRow {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

const SELECT_INVITATION: &str = "SELECT i.id, i.organization_id, o.name AS organization_name, i.email, i.invited_by, \
     i.created_at, i.expires_at, i.accepted_at, i.revoked_at FROM invitations i \
     JOIN organizations o ON o.id = i.organization_id ";

pub async fn insert_invitation(
    tx: &mut Tx,
    organization_id: i64,
    email: &str,
    token_hash: &str,
    invited_by: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> ApiResult<i64> {
    Ok(on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "INSERT INTO invitations (organization_id, email, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(organization_id)
    .bind(email)
    .bind(token_hash)
    .bind(invited_by)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await)?)
}

/// The organization's invitations nobody answered yet.
pub async fn pending_invitations(
    db: &Db,
    organization_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<Vec<InvitationRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT_INVITATION} WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
         AND i.expires_at > $2 ORDER BY i.id"
    ));
    Ok(
        on_db!(db, pool => sqlx::query_as::<_, InvitationRow>(sql).bind(organization_id).bind(now).fetch_all(pool).await)?,
    )
}

pub async fn invitation_by_token(db: &Db, token_hash: &str) -> ApiResult<Option<InvitationRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT_INVITATION} WHERE i.token_hash = $1"));
    Ok(
        on_db!(db, pool => sqlx::query_as::<_, InvitationRow>(sql).bind(token_hash).fetch_optional(pool).await)?,
    )
}

pub async fn revoke_invitation(
    db: &Db,
    organization_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    Ok(on_db!(db, pool => sqlx::query(
        "UPDATE invitations SET revoked_at = $3 WHERE id = $1 AND organization_id = $2 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(organization_id)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected() == 1))?)
}

/// Creates the invited member's account and marks the invitation used, if it still is live.
/// Returns the new user's id, or `None` when the invitation was answered meanwhile.
pub async fn accept_invitation(
    db: &Db,
    invitation: &InvitationRow,
    password_hash: &str,
    display_name: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> ApiResult<Option<i64>> {
    let mut tx = db.begin().await?;
    let claimed = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL \
         AND expires_at > $2",
    )
    .bind(invitation.id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if claimed != 1 {
        return Ok(None);
    }
    let user_id: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, role, org_role, lang, organization_id, created_at) \
         VALUES ($1, $2, $3, 'member', 'member', $4, $5, $6) RETURNING id",
    )
    .bind(&invitation.email)
    .bind(password_hash)
    .bind(display_name)
    .bind(lang)
    .bind(invitation.organization_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await);
    let user_id = user_id.map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })?;
    tx.commit().await?;
    Ok(Some(user_id))
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
