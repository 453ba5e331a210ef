//! The alerts job: finds what the Department of Health must hear about — a live facility gone
//! silent, a spike of dead letters, a signing certificate close to expiry, callbacks to a HIS given
//! up in the last day, remote signatures refused or expired with none signed since — keeps one open alert
//! per cause, closes it when the cause is gone, and posts new alerts to the configured webhook.

use super::{JobContext, JobError};
use crate::config::AlertSettings;
use crate::domain::time::vietnam_day;
use crate::store::alerts::{self, Finding};
use crate::store::facilities::{self, FacilityFilter};
use crate::store::{AnyConnection, StoreError, now_ms, signatures, stats, webhooks};

pub const KINDS: [&str; 5] =
    ["facility_silent", "dead_letter_spike", "certificate_expiring", "callbacks_failing", "signature_failing"];

fn findings(conn: &mut AnyConnection, settings: &AlertSettings) -> Result<Vec<Finding>, StoreError> {
    let now = now_ms();
    let mut found = Vec::new();
    for f in stats::silent_facilities(conn, now - i64::from(settings.silent_days) * 86_400_000)? {
        let since = f.last_received_at.map_or("never".to_owned(), |t| vietnam_day(t).to_string());
        found.push((
            "facility_silent".to_owned(),
            Some(f.code),
            format!("{}: no record received for {} days (last: {since})", f.name, settings.silent_days),
        ));
    }
    let per_facility = stats::dead_letters_per_facility(conn, now - 3_600_000)?;
    for (code, n) in per_facility.into_iter().filter(|(_, n)| *n >= settings.dead_letters_per_hour.max(1)) {
        found.push((
            "dead_letter_spike".to_owned(),
            Some(code),
            format!("{n} submissions dead-lettered in the last hour"),
        ));
    }
    for (code, n) in webhooks::given_up_per_facility(conn, now - 86_400_000)? {
        found.push((
            "callbacks_failing".to_owned(),
            Some(code.to_string()),
            format!(
                "{n} callbacks to the facility's HIS given up in the last day \
                 (GET /api/v1/webhooks/deliveries?status=dead_letter; an admin replays them)"
            ),
        ));
    }
    for (code, n, reason) in signatures::failing_per_facility(conn, now - 86_400_000)? {
        found.push((
            "signature_failing".to_owned(),
            Some(code),
            format!(
                "{n} files not signed by the facility's remote signing service in the last day, none signed \
                 since (last reason: {reason}); its files are not going out"
            ),
        ));
    }
    let horizon = vietnam_day(now) + chrono::Duration::days(i64::from(settings.certificate_days));
    for f in facilities::list(conn, &FacilityFilter::default())? {
        let expiry =
            f.certificate_expires_on.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if let Some(expiry) = expiry
            && f.status != "suspended"
            && expiry <= horizon
        {
            found.push((
                "certificate_expiring".to_owned(),
                Some(f.code.clone()),
                format!("{}: the signing certificate expires on {expiry}", f.name),
            ));
        }
    }
    Ok(found)
}

pub async fn run(ctx: &JobContext) -> Result<String, JobError> {
    let settings = ctx.alerts.clone();
    let raised = ctx
        .db
        .write(move |c| {
            let found = findings(c, &settings)?;
            alerts::reconcile(c, &KINDS, &found)
        })
        .await?;
    let mut delivered = 0;
    if let Some(url) = &ctx.alerts.webhook_url {
        for alert in ctx.db.read(alerts::undelivered).await? {
            let sent = ctx.http.post(url).json(&alert).send().await;
            match sent {
                Ok(r) if r.status().is_success() => {
                    let id = alert.id;
                    ctx.db.write(move |c| alerts::mark_delivered(c, id)).await?;
                    delivered += 1;
                }
                Ok(r) => tracing::warn!(status = %r.status(), "the alert webhook refused an alert; retried next run"),
                Err(e) => tracing::warn!(error = %e, "the alert webhook is unreachable; retried next run"),
            }
        }
    }
    for a in &raised {
        tracing::warn!(kind = %a.kind, facility = ?a.facility_code, detail = %a.detail, "alert raised");
    }
    Ok(format!("{} alerts raised, {delivered} posted to the webhook", raised.len()))
}
