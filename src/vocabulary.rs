//! The gateway's vocabulary: the states, destinations and roles it keeps in text columns and shows in
//! its API, and the ids that cross the store's boundary. Each word is spelt here once; [`text_enum!`]
//! derives from that spelling how the value is written to and read from a column (diesel `Text`),
//! JSON, the OpenAPI document and the command line; [`text_id!`] types an id the same way.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stored or requested word that names no value of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a known {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    /// The word, cut to 40 characters.
    pub value: String,
}

/// How a value with `as_str` and `TryFrom<String>` is shown and kept in a text column: the one
/// mapping both the enums and the ids below use (an id takes the column's string as it is).
macro_rules! text_column {
    ($name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<B: Backend> ToSql<Text, B> for $name
        where
            str: ToSql<Text, B>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, B>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<B: Backend> FromSql<Text, B> for $name
        where
            String: FromSql<Text, B>,
        {
            fn from_sql(bytes: B::RawValue<'_>) -> deserialize::Result<Self> {
                Ok($name::try_from(String::from_sql(bytes)?)?)
            }
        }
    };
}

macro_rules! text_enum {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident ($kind:literal) {
            $( $(#[doc = $variant_doc:literal])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow, clap::ValueEnum)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $( $(#[doc = $variant_doc])* #[serde(rename = $text)] #[value(name = $text)] $variant, )*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(text: &str) -> Result<Self, UnknownValue> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| UnknownValue { kind: $kind, value: text.chars().take(40).collect() })
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(text: String) -> Result<Self, UnknownValue> {
                text.parse()
            }
        }

        text_column!($name);
    };
}

text_enum! {
    /// Where a claim or check-in goes.
    pub enum Destination ("destination") {
        /// Vietnam Social Security's appraisal portal.
        Bhxh = "bhxh",
        /// The Ministry of Health's health-data portal.
        Moh = "moh",
    }
}

text_enum! {
    /// A claim's state (`claims.status`): the BHXH outcome of its current version once there is
    /// one, else how far its submissions got.
    pub enum ClaimStatus ("claim status") {
        /// Accepted and waiting in the outbox for dispatch.
        Queued = "queued",
        /// Every destination took its file; the appraisal is awaited.
        Submitted = "submitted",
        Accepted = "accepted",
        PartiallyApproved = "partially_approved",
        Rejected = "rejected",
        /// A destination gave up on it after its retries.
        DeadLetter = "dead_letter",
    }
}

text_enum! {
    /// A queued job's state (`outbox.status`, `check_in_outbox.status`).
    pub enum JobStatus ("job status") {
        Pending = "pending",
        InFlight = "in_flight",
        /// Its file waits for the facility's remote signing service (the key holder's confirmation).
        AwaitingSignature = "awaiting_signature",
        /// BHXH received the file (`maGiaoDich` stored); its appraisal is awaited.
        Sent = "sent",
        /// The portal took it and there is nothing more to wait for (MoH files, check-ins).
        Delivered = "delivered",
        Accepted = "accepted",
        PartiallyApproved = "partially_approved",
        Rejected = "rejected",
        DeadLetter = "dead_letter",
        /// Withdrawn because a newer version of the claim replaced it before it was sent.
        Superseded = "superseded",
    }
}

text_enum! {
    /// What happened to a claim (`claim_events.kind`), as its timeline shows it.
    pub enum ClaimEventKind ("claim event") {
        /// First version stored.
        Received = "received",
        /// Changed content stored as a new version.
        NewVersion = "new_version",
        /// A newer version withdrew this one's unsent submissions.
        Superseded = "superseded",
        /// A portal took the file.
        Submitted = "submitted",
        /// A sending failed and will be retried.
        AttemptFailed = "attempt_failed",
        /// A sending failed for good.
        DeadLettered = "dead_lettered",
        /// An unanswered sending turned out to have reached BHXH.
        FoundReceived = "found_received",
        /// BHXH's error list was read and named no error for the record: the portal holds it.
        PortalReceived = "portal_received",
        /// BHXH's error list named errors for the record.
        PortalErrors = "portal_errors",
        /// BHXH's appraisal was reconciled.
        Appraised = "appraised",
        /// A dead-lettered submission was queued again.
        ReplayQueued = "replay_queued",
        /// The card was checked with the BHXH lookup after ingest.
        CardChecked = "card_checked",
        /// Retention dropped the version's content.
        PayloadDropped = "payload_dropped",
    }
}

text_enum! {
    /// What a facility's HIS is told by callback (`webhook_deliveries.event`, the `event` of its body).
    pub enum WebhookEvent ("webhook event") {
        /// hisgate stored a version of the claim and queued it for the portals.
        ClaimAccepted = "claim.accepted",
        /// hisgate refused an episode at ingest (the rules it broke are in the detail).
        ClaimRefused = "claim.refused",
        /// A portal took a file holding the claim's version, under its transaction id.
        ClaimSent = "claim.sent",
        /// BHXH holds the record: its error list names no error for it, or an unanswered sending
        /// was found in its receipt list.
        PortalReceived = "portal.received",
        /// BHXH's error list named errors for the record.
        PortalErrors = "portal.errors",
        /// BHXH's appraisal: accepted, partially approved (with the cut lines) or rejected.
        ClaimAppraised = "claim.appraised",
        /// A sending failed for good; an administrator may replay it.
        ClaimDeadLettered = "claim.dead_lettered",
        /// A portal took a check-in (XML0).
        CheckInSent = "checkin.sent",
    }
}

text_enum! {
    /// Where a request to a remote signing service stands (`signature_requests.status`).
    pub enum SignatureStatus ("signature status") {
        /// Asked; the key holder has not answered.
        Awaiting = "awaiting",
        Signed = "signed",
        /// The key holder (or the service) refused.
        Refused = "refused",
        /// Not confirmed in time.
        Expired = "expired",
    }
}

text_enum! {
    /// Where a callback stands (`webhook_deliveries.status`).
    pub enum DeliveryStatus ("delivery status") {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Being posted by an instance under a lease.
        InFlight = "in_flight",
        /// The HIS answered 2xx.
        Delivered = "delivered",
        /// Not answered 2xx within the delivery window; an administrator may replay it.
        DeadLetter = "dead_letter",
    }
}

text_enum! {
    /// Why a claim is on its facility's worklist: what the facility must do about it.
    pub enum WorkKind ("worklist kind") {
        /// Refused at ingest: correct the fields named and send the episode again.
        Refused = "refused",
        /// A portal listed errors for the current version, not yet decided.
        PortalErrors = "portal_errors",
        /// BHXH rejected the current version: correct it and send a new version.
        Rejected = "rejected",
        /// BHXH approved less than claimed: the cut lines and amounts are to be checked.
        PartiallyApproved = "partially_approved",
        /// A sending failed for good: once its cause is fixed, it can be sent again.
        DeadLettered = "dead_lettered",
    }
}

text_enum! {
    /// What an API key may do (`api_keys.role`).
    pub enum Role ("role") {
        /// A facility's HIS: pushes and reads its own claims.
        Facility = "facility",
        /// Department of Health staff: read everything.
        Doh = "doh",
        /// Reception and insurance staff: card eligibility checks.
        Eligibility = "eligibility",
        /// Operators: everything, including other facilities' claims.
        Admin = "admin",
    }
}

/// A string identifier kept in a text column, typed so that one kind of id cannot be passed for
/// another: JSON and the OpenAPI document see a plain string.
macro_rules! text_id {
    ($(#[doc = $doc:literal])* pub struct $name:ident;) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.to_owned())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        text_column!($name);
    };
}

text_id! {
    /// A claim's id (`claims.id`): one per episode, that is per facility and `MA_LK`.
    pub struct ClaimId;
}

text_id! {
    /// A check-in's id (`check_ins.id`), derived from its facility and content.
    pub struct CheckInId;
}

text_id! {
    /// A facility's code (`MA_CSKCB`, 5 digits), as claims, check-ins and keys name it.
    pub struct FacilityCode;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself() {
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>(), Ok(*status));
            assert_eq!(serde_json::to_value(status).unwrap(), serde_json::json!(status.as_str()));
        }
        assert_eq!("dead_letter".parse(), Ok(ClaimStatus::DeadLetter));
        assert_eq!(serde_json::from_str::<Destination>("\"moh\"").unwrap(), Destination::Moh);
        let unknown = "x".repeat(100).parse::<Role>().unwrap_err();
        assert_eq!((unknown.kind, unknown.value.len()), ("role", 40));
    }
}
