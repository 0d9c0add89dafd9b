//! Authentication: password hashing and opaque bearer tokens.
//!
//! A token is 32 random bytes shown to the client once; we keep only its SHA-256, so a leaked
//! database holds no usable token. Password hashing is CPU-heavy and runs on the blocking pool.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};
use sha2::{Digest, Sha256};

use super::{Principal, store};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// Tokens carry a recognizable prefix so secret scanners can spot leaked ones.
const TOKEN_PREFIX: &str = "dbt_";

/// A fresh random token, as shown to the client.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// What we store for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?
    .map_err(ApiError::Internal)
}

/// Whether `password` matches the stored hash. A malformed stored hash never matches.
pub async fn verify_password(password: String, stored_hash: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored_hash)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
}

/// Where a request comes from, for the session it opens.
pub fn client_of(req: &Request) -> store::Client {
    let agent = req
        .headers()
        .get(poem::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect());
    store::Client { address: req.remote_addr().as_socket_addr().map(|a| a.ip().to_string()), agent }
}

/// `Authorization: Bearer <token>` from `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "authenticate")]
pub struct BearerAuth(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req.data::<AppState>().expect("AppState is attached to every route");
    let principal =
        store::principal_for_token(&state.db, &token_hash(&bearer.token), state.clock.now()).await?;
    principal.ok_or_else(|| {
        ApiError::Unauthorized(
            "This token is unknown, expired or revoked; log in again at POST /api/v1/auth/login.".to_owned(),
        )
        .into()
    })
}

/// A staff member's (or an admin's) bearer token. Staff-only operations take this instead of
/// [`BearerAuth`], before their body: poem-openapi extracts parameters in order, so anyone else
/// is refused with 403 before the body is read or validated (a brand posting a venue learns
/// nothing about what a venue needs). The same scheme in the OpenAPI document.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "BearerAuth", checker = "authenticate_staff")]
pub struct StaffAuth(pub Principal);

async fn authenticate_staff(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let principal = authenticate(req, bearer).await?;
    principal.require_staff()?;
    Ok(principal)
}

/// The principal of the request's bearer token, if it has a valid one: for operations anyone
/// may call that show staff more (a fund's register before it is published, `/metrics`).
pub async fn bearer_principal(req: &Request, state: &AppState) -> ApiResult<Option<Principal>> {
    let token = req
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(token) => store::principal_for_token(&state.db, &token_hash(token), state.now()).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
