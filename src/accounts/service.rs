//! What people do with their accounts, shared by the JSON API and the web sign-in: register,
//! log in and out, change or reset a password. One place for each rule.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use super::{
    OrgKind, Password, Principal, auth,
    store::{self, Client, UserRow},
    throttle::LoginThrottle,
    two_factor::{self, Step},
};
use crate::{
    error::{ApiError, ApiResult, Violations},
    notifications::{self, Message},
    state::AppState,
    values::{
        Lang,
        text::{Email, required_text},
    },
};

/// A deliberately slow answer to "who is this?" for unknown e-mails, so response time does not
/// reveal which accounts exist.
pub(super) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hq8OAkMF0tCVcfbx4vLVkXXQ2JYrFuzzJAdEu7IcS4Y";

/// How long a password reset link works.
pub const RESET_TTL: TimeDelta = TimeDelta::hours(1);

/// A new organization with its first user, its owner.
#[derive(Debug, Clone)]
pub struct Registration {
    pub organization_name: String,
    pub organization_kind: OrgKind,
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub lang: Lang,
}

pub async fn register(state: &AppState, input: Registration) -> ApiResult<UserRow> {
    let mut v = Violations::default();
    let org_name = v.check("organization_name", required_text(&input.organization_name, 200));
    let email = v.check("email", Email::parse(&input.email));
    let password = v.check("password", Password::parse(&input.password));
    let display_name = v.check("display_name", required_text(&input.display_name, 200));
    let (Some(org_name), Some(email), Some(password), Some(display_name)) =
        (org_name, email, password, display_name)
    else {
        return Err(v.into_error());
    };
    let hash = auth::hash_password(password.expose().to_owned()).await?;
    let new = store::NewOrganization {
        kind: input.organization_kind,
        name: &org_name,
        email: email.as_str(),
        password_hash: &hash,
        display_name: &display_name,
        lang: input.lang,
    };
    let user_id = store::register(&state.db, &new, state.clock.now()).await?;
    store::find_user(&state.db, user_id).await?.ok_or_else(|| ApiError::not_found("The new user"))
}

/// A login: the token to hand out (once), when it expires, and who it is.
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserRow,
}

/// Where a login stands after its password.
pub enum LoginOutcome {
    SignedIn(Session),
    /// The account has a second factor: a code is due, within the challenge's ten minutes.
    NeedsCode {
        challenge: String,
        user: UserRow,
    },
    /// The account's role requires a second factor that is not set up yet.
    NeedsEnrolment {
        challenge: String,
        user: UserRow,
    },
}

fn wrong_code() -> ApiError {
    ApiError::Unauthorized(
        "The code is wrong, expired or used already; enter the current code of your authenticator app, \
         or an unused recovery code."
            .to_owned(),
    )
}

/// Checks the password and, for accounts with a second factor, the code when one is given.
/// Failures (a wrong password or a wrong code) are throttled per account and per address (429
/// with the wait), and an unknown e-mail costs as much time as a known one.
pub async fn login(
    state: &AppState,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    code: Option<&str>,
    client: &Client,
    address: Option<IpAddr>,
) -> ApiResult<LoginOutcome> {
    let now = state.clock.now();
    // Malformed addresses share one throttle key.
    let email = Email::parse(email).map(|e| e.as_str().to_owned()).unwrap_or_default();
    throttle.attempt(&email, address, now).await?;
    let user = if email.is_empty() { None } else { store::find_user_by_email(&state.db, &email).await? };
    let stored_hash = user.as_ref().map_or(DUMMY_HASH, |u| u.password_hash.as_str()).to_owned();
    let matches = auth::verify_password(password.to_owned(), stored_hash).await?;
    // A member an owner removed cannot sign in.
    let Some(user) = user.filter(|u| matches && u.removed_at.is_none()) else {
        return Err(ApiError::Unauthorized("The e-mail or password is wrong.".to_owned()));
    };
    if user.has_second_factor() {
        // The password was right; the code is counted on its own, which the password never clears.
        throttle.succeeded(&email, address).await?;
        match code.filter(|c| !c.trim().is_empty()) {
            Some(code) => {
                throttle.code_attempt(user.id, address, now).await?;
                if !two_factor::verify(state, &user, code).await? {
                    return Err(wrong_code());
                }
                throttle.code_succeeded(user.id, address).await?;
                return Ok(LoginOutcome::SignedIn(open_session(state, user, client).await?));
            }
            None => {
                let challenge = two_factor::open_challenge(state, user.id, Step::Code).await?;
                return Ok(LoginOutcome::NeedsCode { challenge, user });
            }
        }
    } else if two_factor::requirement(&state.db).await?.applies_to(user.role) {
        throttle.succeeded(&email, address).await?;
        let challenge = two_factor::open_challenge(state, user.id, Step::Enrol).await?;
        return Ok(LoginOutcome::NeedsEnrolment { challenge, user });
    }
    throttle.succeeded(&email, address).await?;
    Ok(LoginOutcome::SignedIn(open_session(state, user, client).await?))
}

/// The second step of a sign-in: the code for a challenge [`login`] opened. Wrong codes are
/// throttled with the account's password failures.
pub async fn complete_with_code(
    state: &AppState,
    throttle: &LoginThrottle,
    challenge: &str,
    code: &str,
    client: &Client,
    address: Option<IpAddr>,
) -> ApiResult<Session> {
    let user = live_challenge(state, challenge, Step::Code).await?;
    throttle.code_attempt(user.id, address, state.now()).await?;
    if !two_factor::verify(state, &user, code).await? {
        return Err(wrong_code());
    }
    if !two_factor::close_challenge(state, challenge).await? {
        return Err(expired_challenge());
    }
    throttle.code_succeeded(user.id, address).await?;
    open_session(state, user, client).await
}

/// The second step of a sign-in whose role requires a second factor not set up yet: the first
/// code of the new one. Returns the session and the recovery codes, to show once.
pub async fn complete_with_enrolment(
    state: &AppState,
    throttle: &LoginThrottle,
    challenge: &str,
    code: &str,
    client: &Client,
    address: Option<IpAddr>,
) -> ApiResult<(Session, Vec<String>)> {
    let user = live_challenge(state, challenge, Step::Enrol).await?;
    throttle.code_attempt(user.id, address, state.now()).await?;
    let codes = two_factor::confirm_enrolment(state, user.id, code).await?;
    if !two_factor::close_challenge(state, challenge).await? {
        return Err(expired_challenge());
    }
    throttle.code_succeeded(user.id, address).await?;
    let user = store::find_user(&state.db, user.id).await?.ok_or_else(|| ApiError::not_found("Your user"))?;
    Ok((open_session(state, user, client).await?, codes))
}

fn expired_challenge() -> ApiError {
    ApiError::NotFound("This sign-in has expired or was used; sign in again with your password.".to_owned())
}

/// The user of a live challenge for `step`.
pub async fn live_challenge(state: &AppState, challenge: &str, step: Step) -> ApiResult<UserRow> {
    match two_factor::challenge(state, challenge).await? {
        Some((user, found)) if found == step => Ok(user),
        _ => Err(expired_challenge()),
    }
}

/// Opens a session for a user who has just proved who they are (a login or a registration).
pub async fn open_session(state: &AppState, user: UserRow, client: &Client) -> ApiResult<Session> {
    let now = state.clock.now();
    let token = auth::new_token();
    let ttl = TimeDelta::from_std(state.settings.session_ttl).unwrap_or(TimeDelta::days(30));
    let expires_at = now + ttl;
    store::insert_session(&state.db, user.id, &auth::token_hash(&token), now, expires_at, client).await?;
    Ok(Session { token, expires_at, user })
}

/// The caller gives their password (or, with a second factor, a code) again, so the session may
/// take sensitive actions for another 15 minutes. Wrong answers are throttled like logins.
pub async fn reauthenticate(
    state: &AppState,
    throttle: &LoginThrottle,
    principal: &Principal,
    password: Option<&str>,
    code: Option<&str>,
    address: Option<IpAddr>,
) -> ApiResult<()> {
    let Some(session) = principal.session else { return Ok(()) };
    let user = store::find_user(&state.db, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Your user"))?;
    let (password, code) = (password.filter(|p| !p.is_empty()), code.filter(|c| !c.trim().is_empty()));
    if password.is_none() && code.is_none() {
        return Err(ApiError::invalid("password", crate::error::Invalid::new("password-or-code")));
    }
    // A password and a code are counted each under its own key (see `LoginThrottle`).
    let right = match (password, code) {
        (Some(password), _) => {
            throttle.attempt(&user.email, address, state.now()).await?;
            let right = auth::verify_password(password.to_owned(), user.password_hash.clone()).await?;
            if right {
                throttle.succeeded(&user.email, address).await?;
            }
            right
        }
        (None, Some(code)) => {
            throttle.code_attempt(user.id, address, state.now()).await?;
            let right = two_factor::verify(state, &user, code).await?;
            if right {
                throttle.code_succeeded(user.id, address).await?;
            }
            right
        }
        (None, None) => false,
    };
    if !right {
        let field = if password.is_some() { "password" } else { "code" };
        return Err(ApiError::invalid(field, "is not right; try again"));
    }
    store::mark_session_verified(&state.db, session.id, state.now()).await
}

/// Ends one of the caller's own sessions; not the one in use (that is a logout).
pub async fn end_session(state: &AppState, principal: &Principal, session_id: i64) -> ApiResult<()> {
    if principal.session.is_some_and(|s| s.id == session_id) {
        return Err(ApiError::conflict(crate::error::Reason::new("own-session")));
    }
    if store::end_sessions(&state.db, principal.user_id, Some(session_id), None, state.now()).await? == 0 {
        return Err(ApiError::not_found(format!("Session {session_id}")));
    }
    Ok(())
}

/// Ends every session of the caller but the one in use; returns how many ended.
pub async fn end_other_sessions(state: &AppState, principal: &Principal) -> ApiResult<u64> {
    store::end_sessions(&state.db, principal.user_id, None, principal.session.map(|s| s.id), state.now())
        .await
}

/// An admin ends every session of a staff member (a lost laptop, someone leaving).
pub async fn end_staff_sessions(state: &AppState, admin: &Principal, user_id: i64) -> ApiResult<u64> {
    admin.require_admin()?;
    let keep = if user_id == admin.user_id { admin.session.map(|s| s.id) } else { None };
    let mut tx = state.db.begin().await?;
    let ended = store::end_staff_sessions_in(&mut tx, user_id, keep, state.now())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Staff account {user_id}")))?;
    crate::audit::record(
        &mut tx,
        crate::audit::Subject::User(user_id),
        admin.user_id,
        state.now(),
        "",
        "",
        &format!("{ended} sessions ended by an admin"),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Ends the session the token opened.
pub async fn logout(state: &AppState, token: &str) -> ApiResult<()> {
    store::revoke_session(&state.db, &auth::token_hash(token), state.clock.now()).await
}

/// Changes the caller's password after checking the current one; every other session of the
/// user ends (the one in `keep_token` stays).
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    current: &str,
    new: &str,
    keep_token: &str,
) -> ApiResult<()> {
    let user = store::find_user(&state.db, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Your user"))?;
    let mut v = Violations::default();
    let new = v.check("new_password", Password::parse(new));
    if !auth::verify_password(current.to_owned(), user.password_hash.clone()).await? {
        v.add("current_password", crate::error::Invalid::new("not-current-password"));
    }
    let Some(new) = new else { return Err(v.into_error()) };
    v.finish(|| ())?;
    let hash = auth::hash_password(new.expose().to_owned()).await?;
    store::set_password(&state.db, user.id, &hash, Some(&auth::token_hash(keep_token)), state.clock.now())
        .await
}

/// Sends a single-use reset link (valid for [`RESET_TTL`]) to the address if it has an account.
/// The answer is the same either way, so the form does not reveal who has an account.
///
/// `client` is the address the request came from, which may ask for a few an hour; `None` for an
/// admin's request, which counts only against the hourly cap of all (`notifications::allowance`).
pub async fn request_password_reset(state: &AppState, email: &str, client: Option<IpAddr>) -> ApiResult<()> {
    let Ok(email) = Email::parse(email) else {
        return Err(ApiError::invalid("email", crate::error::Invalid::new("email")));
    };
    let kind = notifications::allowance::MailKind::PasswordReset;
    notifications::allowance::take(&state.db, kind, client, state.settings.mails_per_hour, state.now())
        .await?;
    let Some(user) = store::find_user_by_email(&state.db, email.as_str()).await? else { return Ok(()) };
    let now = state.clock.now();
    let token = auth::new_token();
    let link = format!("{}/password/reset/{token}", state.settings.public_url);
    let message = Message::to_reader(
        format!("password-reset:{}:{}", user.id, &auth::token_hash(&token)[..12]),
        user.email.clone(),
        user.lang,
        "mail-password-reset",
        &vec![("link", link.into())],
        json!({"kind": "password_reset", "user_id": user.id}),
    );
    let mut tx = state.db.begin().await?;
    store::insert_password_reset(&mut tx, user.id, &auth::token_hash(&token), now, now + RESET_TTL).await?;
    notifications::enqueue(&mut tx, &message, now, std::time::Duration::ZERO).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password with a reset link's token: it works once and within its hour; every
/// session of the user ends.
pub async fn reset_password(state: &AppState, token: &str, new: &str) -> ApiResult<()> {
    let new = Password::parse(new).map_err(|m| ApiError::invalid("new_password", m))?;
    let hash = auth::hash_password(new.expose().to_owned()).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(user_id) = store::use_password_reset(&mut tx, &auth::token_hash(token), now).await? else {
        return Err(ApiError::NotFound(
            "This reset link is unknown, used or expired; ask for a new one.".to_owned(),
        ));
    };
    store::set_password_in(&mut tx, user_id, &hash, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the reset link's token is live (for showing the form), without using it.
pub async fn reset_link_is_live(state: &AppState, token: &str) -> ApiResult<bool> {
    store::password_reset_is_live(&state.db, &auth::token_hash(token), state.clock.now()).await
}

/// The caller's language for notifications.
pub async fn set_language(state: &AppState, principal: &Principal, lang: Lang) -> ApiResult<()> {
    store::set_lang(&state.db, principal.user_id, lang).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dummy_hash_is_a_real_argon2_hash_so_unknown_emails_cost_as_much_as_known_ones() {
        assert!(argon2::PasswordHash::new(super::DUMMY_HASH).is_ok());
    }
}
