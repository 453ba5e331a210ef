//! The states of claims and of their outbox jobs, as stored in the `status` columns.

/// A claim's state (`claims.status`).
pub mod claim {
    /// Accepted and waiting in the outbox for dispatch.
    pub const QUEUED: &str = "queued";
}

/// An outbox job's state (`outbox.status`).
pub mod job {
    pub const PENDING: &str = "pending";
    pub const IN_FLIGHT: &str = "in_flight";
    /// BHXH received the file (`maGiaoDich` stored); its appraisal is awaited.
    pub const SENT: &str = "sent";
    /// MoH received the file; nothing more to wait for.
    pub const DELIVERED: &str = "delivered";
    pub const ACCEPTED: &str = "accepted";
    pub const PARTIALLY_APPROVED: &str = "partially_approved";
    pub const REJECTED: &str = "rejected";
    pub const DEAD_LETTER: &str = "dead_letter";
    /// Withdrawn because a newer version of the claim replaced it before it was sent.
    pub const SUPERSEDED: &str = "superseded";
}
