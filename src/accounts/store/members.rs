//! SQL for organizations, their members and invitations.

use chrono::{DateTime, Utc};

use crate::accounts::{OrgKind, OrgRole, OrganizationView};
use crate::{
    db::{Db, Tx, is_unique_violation},
    error::ApiResult,
    on_db, on_tx,
    values::Lang,
};

use super::email_taken;

#[derive(sqlx::FromRow)]
pub(super) struct OrganizationRow {
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
