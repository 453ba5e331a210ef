//! What a broken rule says: its code, severity, where, a message and the offending value, each
//! bounded so that nothing repeats an input whole. Validation produces them; answers, logs and
//! stored warnings carry them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the episode: it is refused with 422 and never submitted.
    Critical,
    /// Stored with the episode and shown to the facility; the episode is accepted.
    Warning,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "critical" => Some(Severity::Critical),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Violation {
    pub rule: String,
    pub severity: Severity,
    /// Where in the episode, e.g. `drugs[3].THANH_TIEN_BV`.
    pub path: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Severity::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown severity `{text}`")))
    }
}

/// `text` cut to `max` characters, with an ellipsis and its full length when it was longer, so
/// that an answer, a log line or a stored row never repeats an input of any size.
pub fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}… ({} characters)", &text[..end], text.chars().count()),
    }
}
