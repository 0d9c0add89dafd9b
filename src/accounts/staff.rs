//! Staff accounts, managed by admins: invite (the new colleague sets a password through a
//! link), disable and re-enable, send a password reset. Every action is in the audit trail with
//! the admin who took it.

use chrono::TimeDelta;
use serde_json::json;

use super::{Principal, Role, auth, store};
use crate::{
    audit::{self, Subject},
    error::{ApiError, ApiResult},
    notifications::{self, Message},
    state::AppState,
    values::{
        Lang,
        text::{Email, required_text},
    },
    words,
};

/// How long the link that sets a new staff member's first password works.
pub const INVITATION_TTL: TimeDelta = TimeDelta::days(7);

/// Creates a staff (or admin) account and e-mails its owner the link to set a password.
pub async fn invite(
    state: &AppState,
    admin: &Principal,
    email: &str,
    name: &str,
    role: Role,
) -> ApiResult<i64> {
    admin.require_admin()?;
    admin.require_recent_sign_in(state.now())?;
    let mut v = crate::error::Violations::default();
    let email = v.check("email", Email::parse(email));
    let name = v.check("display_name", required_text(name, 200));
    let (Some(email), Some(name)) = (email, name) else { return Err(v.into_error()) };
    if role == Role::Member {
        return Err(ApiError::invalid("role", crate::error::Invalid::new("staff-role")));
    }
    // Nobody knows this password: the account is usable once its owner sets one.
    let hash = auth::hash_password(auth::new_token()).await?;
    let now = state.now();
    let id =
        store::create_staff(&state.db, email.as_str(), &hash, &name, role, now).await.map_err(
            |e| match e {
                ApiError::Conflict { detail, .. } => ApiError::invalid("email", detail),
                other => other,
            },
        )?;
    let token = auth::new_token();
    let link = format!("{}/password/reset/{token}", state.settings.public_url);
    let message = {
        // Nobody has chosen a language yet: the message is in both, Chinese first.
        let args = [("link", link.into())];
        let both = |part| {
            let key = format!("mail-staff-invitation-{part}");
            [Lang::Zh, Lang::En].map(|lang| words::text_with(lang, &key, &args))
        };
        Message::to_address(
            format!("staff-invitation:{id}"),
            email.as_str().to_owned(),
            both("subject").join(" · "),
            both("body").join("\n\n"),
            json!({"kind": "staff_invitation", "user_id": id}),
        )
    };
    let mut tx = state.db.begin().await?;
    store::insert_password_reset(&mut tx, id, &auth::token_hash(&token), now, now + INVITATION_TTL).await?;
    notifications::enqueue(&mut tx, &message, now, std::time::Duration::ZERO).await?;
    audit::record(
        &mut tx,
        Subject::User(id),
        admin.user_id,
        now,
        "",
        role.as_str(),
        &format!("invited {}", email.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Disables or re-enables a staff account; an admin cannot disable themselves.
pub async fn set_disabled(
    state: &AppState,
    admin: &Principal,
    user_id: i64,
    disabled: bool,
) -> ApiResult<()> {
    admin.require_admin()?;
    if disabled && user_id == admin.user_id {
        return Err(ApiError::conflict(crate::error::Reason::new("disable-self")));
    }
    let now = state.now();
    if !store::set_staff_disabled(&state.db, user_id, disabled.then_some(now), now).await? {
        return Err(ApiError::not_found(format!("Staff account {user_id}")));
    }
    let (from, to) = if disabled { ("enabled", "disabled") } else { ("disabled", "enabled") };
    let mut tx = state.db.begin().await?;
    audit::record(&mut tx, Subject::User(user_id), admin.user_id, now, from, to, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a staff member a password reset link.
pub async fn reset_password(state: &AppState, admin: &Principal, user_id: i64) -> ApiResult<()> {
    admin.require_admin()?;
    let user = store::find_user(&state.db, user_id)
        .await?
        .filter(|u| u.role != Role::Member)
        .ok_or_else(|| ApiError::not_found(format!("Staff account {user_id}")))?;
    super::service::request_password_reset(state, &user.email, None).await?;
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Subject::User(user_id),
        admin.user_id,
        state.now(),
        "",
        "",
        "password reset link sent",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
