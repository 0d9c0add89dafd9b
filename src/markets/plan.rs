//! A market's stall plan as the organizer writes it, and the checks on it as a whole.

use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use super::{MAX_GRID, MAX_STALLS};
use crate::{
    error::{ApiResult, Invalid, Violations},
    values::text::required_text,
};

/// A stall class as the organizer writes it.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct StallClassInput {
    /// Unique within the market, e.g. `Food 3×3`.
    pub name: String,
    pub size_m2: i64,
    #[oai(default)]
    #[serde(default)]
    pub power: bool,
    #[oai(default)]
    #[serde(default)]
    pub water: bool,
    #[oai(default)]
    #[serde(default)]
    pub food_allowed: bool,
    /// Fee per date, in fen.
    pub fee_fen: i64,
}

/// A stall as the organizer writes it: a code, its class by name, and a grid position.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct StallInput {
    /// `A01`
    pub code: String,
    /// The name of one of the plan's classes.
    pub class: String,
    pub x: i64,
    pub y: i64,
}

/// The whole stall plan: `PUT` replaces it, keeping stalls and classes by code and name.
#[derive(Debug, Clone, Default, Object, Deserialize)]
pub struct StallPlanInput {
    pub classes: Vec<StallClassInput>,
    pub stalls: Vec<StallInput>,
}

fn stall_code(raw: &str) -> Result<String, Invalid> {
    let code = raw.trim().to_ascii_uppercase();
    let ok = (1..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok { Ok(code) } else { Err(Invalid::new("stall-code")) }
}

/// Checks a plan as a whole: unique names, codes and positions, known classes, sane numbers.
pub fn validate_plan(input: &StallPlanInput) -> ApiResult<StallPlanInput> {
    let mut v = Violations::default();
    if input.classes.len() > 50 {
        v.add("classes", Invalid::new("too-many-classes").with("max", 50));
    }
    if input.stalls.len() > MAX_STALLS {
        v.add("stalls", Invalid::new("too-many-stalls").with("max", MAX_STALLS));
    }
    let mut classes: Vec<StallClassInput> = Vec::new();
    for (i, class) in input.classes.iter().enumerate() {
        let name = v.check(format!("classes[{i}].name"), required_text(&class.name, 60));
        if !(1..=1000).contains(&class.size_m2) {
            v.add(format!("classes[{i}].size_m2"), Invalid::new("between").with("min", 1).with("max", 1000));
        }
        if !(0..=100_000_000).contains(&class.fee_fen) {
            v.add(
                format!("classes[{i}].fee_fen"),
                Invalid::new("between").with("min", "¥0").with("max", "¥1,000,000"),
            );
        }
        if let Some(name) = name {
            if classes.iter().any(|c| c.name == name) {
                v.add(format!("classes[{i}].name"), Invalid::new("named-twice").with("name", name.as_str()));
            }
            classes.push(StallClassInput { name, ..class.clone() });
        }
    }
    let mut stalls: Vec<StallInput> = Vec::new();
    for (i, stall) in input.stalls.iter().enumerate() {
        let code = v.check(format!("stalls[{i}].code"), stall_code(&stall.code));
        let class = stall.class.trim();
        if !classes.iter().any(|c| c.name == class) && !input.classes.is_empty() {
            v.add(format!("stalls[{i}].class"), Invalid::new("not-a-class").with("class", class));
        } else if input.classes.is_empty() {
            v.add(format!("stalls[{i}].class"), Invalid::new("plan-no-classes"));
        }
        for (axis, value) in [("x", stall.x), ("y", stall.y)] {
            if !(0..=MAX_GRID).contains(&value) {
                v.add(format!("stalls[{i}].{axis}"), Invalid::new("outside-grid").with("max", MAX_GRID));
            }
        }
        if let Some(code) = code {
            if stalls.iter().any(|s| s.code == code) {
                v.add(format!("stalls[{i}].code"), Invalid::new("used-twice").with("code", code.as_str()));
            } else if stalls.iter().any(|s| (s.x, s.y) == (stall.x, stall.y)) {
                v.add(
                    format!("stalls[{i}].x"),
                    format!("another stall already stands at ({}, {})", stall.x, stall.y),
                );
            }
            stalls.push(StallInput { code, class: class.to_owned(), x: stall.x, y: stall.y });
        }
    }
    v.finish(|| StallPlanInput { classes, stalls })
}
