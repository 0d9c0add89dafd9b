//! Time-based one-time passwords (RFC 6238, the defaults every authenticator app speaks:
//! HMAC-SHA-1, 30-second steps, 6 digits) and single-use recovery codes.
//!
//! Only the arithmetic lives here; which code was used last, and the recovery codes' hashes, are
//! kept by [`super::two_factor`].

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Codes one step early or late are accepted too: phone clocks drift, and typing takes time.
pub const WINDOW_STEPS: i64 = 1;
const DIGITS: u32 = 6;
/// 160 bits, as RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;

/// A TOTP key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).expect("the OS random number generator is available");
        Self(bytes)
    }

    /// As stored in the database.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    pub fn from_hex(stored: &str) -> Option<Self> {
        hex::decode(stored).ok().filter(|b| !b.is_empty()).map(Self)
    }

    /// As people type it into an authenticator app: RFC 4648 base32 without padding.
    pub fn to_base32(&self) -> String {
        base32(&self.0)
    }

    /// The code for time step `step`.
    pub fn code_at_step(&self, step: i64) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        // RFC 4226 §5.3, dynamic truncation.
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let value =
            u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]])
                & 0x7fff_ffff;
        format!("{:0width$}", value % 10u32.pow(DIGITS), width = DIGITS as usize)
    }

    /// The step a correct `code` belongs to, within [`WINDOW_STEPS`] of `unix_seconds` and after
    /// `after_step` (the last one used), so a code never works twice.
    pub fn matching_step(&self, code: &str, unix_seconds: i64, after_step: Option<i64>) -> Option<i64> {
        let code = normalize(code);
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = unix_seconds.div_euclid(STEP_SECONDS);
        (now - WINDOW_STEPS..=now + WINDOW_STEPS)
            .filter(|step| after_step.is_none_or(|last| *step > last))
            .find(|step| constant_time_eq(self.code_at_step(*step).as_bytes(), code.as_bytes()))
    }

    /// The `otpauth://` URI an authenticator app reads from the QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        use crate::http::url_encode;
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            url_encode(issuer),
            url_encode(account),
            self.to_base32(),
            url_encode(issuer),
        )
    }
}

/// Spaces and dashes people type or copy along with a code are ignored.
pub fn normalize(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_lowercase()
}

/// Ten recovery codes: ten characters from an alphabet without look-alikes (about 50 bits
/// each), shown as `xxxxx-xxxxx`.
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..10)
        .map(|_| {
            let mut bytes = [0u8; 10];
            getrandom::fill(&mut bytes).expect("the OS random number generator is available");
            let chars: String =
                bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What is stored for a recovery code. The codes are random with about 50 bits each, so a fast
/// hash suffices (as for login tokens); spacing and case do not matter.
pub fn recovery_code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalize(code).as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RFC 4648 base32 without padding.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::qr_svg;

    fn rfc_secret() -> Secret {
        Secret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B (SHA-1), the last six of its eight digits.
        let secret = rfc_secret();
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(secret.code_at_step(time / STEP_SECONDS), eight_digits[2..], "time {time}");
        }
    }

    #[test]
    fn a_code_works_one_step_either_side_and_never_twice() {
        let secret = rfc_secret();
        let code = secret.code_at_step(1000);
        let at = 1000 * STEP_SECONDS + 5;
        assert_eq!(secret.matching_step(&code, at, None), Some(1000));
        assert_eq!(secret.matching_step(&code, at + STEP_SECONDS, None), Some(1000), "one step late");
        assert_eq!(secret.matching_step(&code, at - STEP_SECONDS, None), Some(1000), "one step early");
        assert_eq!(secret.matching_step(&code, at + 2 * STEP_SECONDS, None), None, "two steps late");
        assert_eq!(secret.matching_step(&code, at, Some(1000)), None, "used already");
        assert_eq!(secret.matching_step(&code, at, Some(1001)), None, "a later code was used");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.matching_step(&spaced, at, None), Some(1000));
        assert_eq!(secret.matching_step("12345", at, None), None);
        assert_eq!(secret.matching_step("abcdef", at, None), None);
    }

    #[test]
    fn base32_follows_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn secrets_round_trip_and_uris_carry_them() {
        let secret = Secret::generate();
        assert_eq!(Secret::from_hex(&secret.to_hex()), Some(secret.clone()));
        let uri = secret.otpauth_uri("Debut", "a@b.cn");
        assert!(uri.starts_with("otpauth://totp/Debut:a%40b.cn?secret="), "{uri}");
        assert!(uri.contains(&secret.to_base32()));
        assert!(qr_svg(&uri).starts_with("<?xml"));
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_regardless_of_spacing() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        assert_eq!(
            recovery_code_hash(&codes[0]),
            recovery_code_hash(&codes[0].replace('-', " ").to_uppercase())
        );
    }
}
