//! The Department of Health's figures, checked against a known data set sent through the API.

use crate::dispatch::{clean_appraisal, fast, send, settle};
use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, episodes, refused_episodes, send_refused, spawn_app_with};
use crate::jobs::run;
use crate::on_both_backends;
use mocks::bhxh::{AppraisalConfig, BhxhConfig};
use mocks::moh::MohConfig;
use serde_json::{Value, json};

on_both_backends!(
    the_figures_match_what_was_sent_and_decided,
    ended_days_read_from_snapshots_give_the_same_figures,
    days_and_delays_are_counted_at_their_edges
);

async fn the_figures_match_what_was_sent_and_decided(backend: Backend) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(backend, "the_figures_match_what_was_sent_and_decided", |s| fast(s, &bhxh, &moh)).await
    else {
        return;
    };
    // 6 good episodes and 2 refused ones (one alone, one in a batch) from 83001, 3 from 83002,
    // and a live facility 83003 that sends nothing.
    let (_, mut ids) = send(&app, 100, 6).await;
    let bad = refused_episodes(101, 2);
    assert_eq!(app.post_claim(&app.facility_key, &bad[0]).await.status(), 422);
    let batch: Value = app
        .post_json("/api/v1/claims/batch", &app.facility_key, &json!({ "episodes": [bad[1]] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(batch["rejected"], 1);
    for e in episodes(OTHER_FACILITY, 102, 3) {
        let r: Value = app.post_claim(&app.other_facility_key, &e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let silent =
        json!({ "code": "83003", "name": "Bệnh viện Sản - Nhi tỉnh", "kind": "hospital_tier2", "status": "live" });
    assert_eq!(app.post_json("/api/v1/facilities", &app.admin_key, &silent).await.status(), 201);
    settle(&app, &ids).await;

    let summary: Value = app.get("/api/v1/stats/summary", &app.doh_key).await.json().await.unwrap();
    let funnel = &summary["figures"]["funnel"];
    assert_eq!(
        funnel,
        &json!({ "received": 11, "refused_at_ingest": 2, "valid": 9, "submitted": 9, "accepted": 9,
                 "partially_approved": 0, "rejected": 0, "dead_lettered": 0 }),
        "{summary}"
    );
    assert_eq!(summary["figures"]["rejection_rate_percent"], 0.0);
    let per_day: u64 = summary["figures"]["per_day"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(per_day, 9);
    for period in ["per_week", "per_month"] {
        let total: u64 = summary["figures"][period].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(total, 9, "{period}");
    }
    assert_eq!(summary["figures"]["delay_to_acknowledgement"]["samples"], 9);
    assert!(summary["figures"]["delay_to_acknowledgement"]["median_seconds"].is_u64());
    assert_eq!(
        summary["figures"]["ageing"],
        json!({ "days_0_7": 0, "days_8_15": 0, "days_16_30": 0, "over_30_days": 0 })
    );
    assert_eq!(
        summary["figures"]["top_validation_rules"][0],
        json!({ "code": "CARD_LENGTH", "count": 2, "cumulative_percent": 100.0 })
    );
    let silent_codes: Vec<&str> =
        summary["silent"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(silent_codes, ["83003"]);
    assert_eq!(summary["facilities"]["total"], 3);
    assert_eq!(summary["facilities"]["by_kind"]["hospital_tier2"], 3);

    let own: Value =
        app.get(&format!("/api/v1/facilities/{FACILITY}/stats"), &app.facility_key).await.json().await.unwrap();
    assert_eq!(own["facility"]["code"], FACILITY);
    assert_eq!(
        (own["figures"]["funnel"]["received"].as_u64(), own["figures"]["funnel"]["valid"].as_u64()),
        (Some(8), Some(6))
    );
    assert_eq!(own["figures"]["funnel"]["accepted"], 6);
    assert!(own["figures"]["last_received_at"].is_i64() && own["figures"]["last_acknowledged_at"].is_i64());
    let other: Value =
        app.get(&format!("/api/v1/facilities/{OTHER_FACILITY}/stats"), &app.doh_key).await.json().await.unwrap();
    assert_eq!(other["figures"]["funnel"]["valid"], 3);
    assert!(other["figures"]["top_validation_rules"].as_array().unwrap().is_empty());

    // A period without the data: nothing in it.
    let past: Value =
        app.get("/api/v1/stats/summary?from=2020-01-01&to=2020-01-31", &app.doh_key).await.json().await.unwrap();
    assert_eq!(past["figures"]["funnel"]["received"], 0);
    assert_eq!(app.get("/api/v1/stats/summary?from=2020-13-01", &app.doh_key).await.status(), 400);
    assert_eq!(app.get("/api/v1/stats/summary?from=2000-01-01&to=2026-01-01", &app.doh_key).await.status(), 400);
    assert_eq!(app.get("/api/v1/stats/summary", &app.facility_key).await.status(), 403);
    assert_eq!(app.get(&format!("/api/v1/facilities/{FACILITY}/stats"), &app.other_facility_key).await.status(), 403);
}

/// Once the snapshot job has made ended days final, the figures read them from `facility_daily`
/// instead of counting the claims, and the answers do not change.
async fn ended_days_read_from_snapshots_give_the_same_figures(backend: Backend) {
    let appraisal = AppraisalConfig { delay_ms: 0, reject_rate: 0.3, partial_rate: 0.3, seed: 5 };
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(backend, "ended_days_read_from_snapshots_give_the_same_figures", |s| fast(s, &bhxh, &moh)).await
    else {
        return;
    };
    let (_, mut ids) = send(&app, 200, 8).await;
    send_refused(&app, 201, 2).await;
    for e in episodes(OTHER_FACILITY, 202, 4) {
        let r: Value = app.post_claim(&app.other_facility_key, &e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    settle(&app, &ids).await;

    // Everything happened three days ago: ended days, not yet final.
    let shift = 3 * 86_400_000;
    let moved = format!(
        "UPDATE claims SET received_at = received_at - {shift}, updated_at = updated_at - {shift};
         UPDATE claim_versions SET received_at = received_at - {shift}, discharged_at = discharged_at - {shift};
         UPDATE outbox SET sent_at = sent_at - {shift}, updated_at = updated_at - {shift}, created_at = created_at - {shift};
         UPDATE claim_outcomes SET decided_at = decided_at - {shift};
         UPDATE submission_errors SET at = at - {shift};
         UPDATE ingest_rejections SET at = at - {shift};"
    );
    let sql = |statements: String| {
        app.db
            .write_blocking(move |c| {
                use diesel::connection::SimpleConnection;
                c.batch_execute(&statements).map_err(hisgate::store::StoreError::from)
            })
            .unwrap()
    };
    sql(moved);
    let today = hisgate::domain::time::vietnam_day(hisgate::store::now_ms());
    let period = format!("from={}&to={today}", today - chrono::Duration::days(6));
    let paths = [
        format!("/api/v1/stats/summary?{period}"),
        format!("/api/v1/facilities/{FACILITY}/stats?{period}"),
        format!("/api/v1/facilities/{OTHER_FACILITY}/stats?{period}"),
        format!("/api/v1/stats/facilities?{period}"),
    ];
    let mut counted = Vec::new();
    for path in &paths {
        counted.push(app.get(path, &app.doh_key).await.json::<Value>().await.unwrap());
    }
    let funnel = &counted[0]["figures"]["funnel"];
    assert_eq!((funnel["received"].as_u64(), funnel["refused_at_ingest"].as_u64()), (Some(14), Some(2)), "{funnel}");
    assert!(funnel["rejected"].as_u64().unwrap() > 0 && funnel["partially_approved"].as_u64().unwrap() > 0);
    assert!(!counted[0]["figures"]["top_portal_reasons"].as_array().unwrap().is_empty());

    let result = run(&app, "daily_snapshot").await;
    assert!(result["detail"].as_str().unwrap().starts_with("400 ended days made final"), "{result}");
    let again = run(&app, "daily_snapshot").await;
    assert!(again["detail"].as_str().unwrap().starts_with("0 ended days made final"), "{again}");
    // The claims' own rows no longer decide: take the refusals away, the figures keep them.
    sql("DELETE FROM ingest_rejections".to_owned());
    for (path, before) in paths.iter().zip(&counted) {
        let after: Value = app.get(path, &app.doh_key).await.json().await.unwrap();
        assert_eq!(&after, before, "{path}");
    }
    let day = today - chrono::Duration::days(3);
    let rows: Value = app.get(&format!("/api/v1/snapshots/daily?day={day}"), &app.doh_key).await.json().await.unwrap();
    let own = rows.as_array().unwrap().iter().find(|r| r["facility_code"] == FACILITY).unwrap();
    assert_eq!((own["received"].as_i64(), own["refused_at_ingest"].as_i64()), (Some(8), Some(2)), "{own}");
}

/// Each claim counts on its Vietnamese day and in its delay bucket (three significant digits of
/// minutes), checked at their edges on both backends.
async fn days_and_delays_are_counted_at_their_edges(backend: Backend) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(backend, "days_and_delays_are_counted_at_their_edges", |s| fast(s, &bhxh, &moh)).await
    else {
        return;
    };
    let (_, ids) = send(&app, 300, 7).await;
    settle(&app, &ids).await;

    // Milliseconds from discharge to BHXH's acknowledgement, and the minutes each counts as.
    let minute = 60_000_i64;
    let delays = [
        (-5_000, 0),
        (minute - 1, 0),
        (999 * minute + 59_999, 999),
        (1_000 * minute, 1_000),
        (12_345 * minute, 12_300),
        (123_456 * minute + 1, 123_000),
        (12_345_678_901_234 * minute, 12_300_000_000_000),
    ];
    // Two claims received either side of midnight in Vietnam (17:00 UTC).
    let today = hisgate::domain::time::vietnam_day(hisgate::store::now_ms());
    let midnight = hisgate::domain::time::day_start_ms(today);
    let mut statements = format!(
        "UPDATE claim_versions SET received_at = {} WHERE claim_id = '{}';
         UPDATE claim_versions SET received_at = {midnight} WHERE claim_id = '{}';",
        midnight - 1,
        ids[0],
        ids[1]
    );
    for (id, (delay, _)) in ids.iter().zip(delays) {
        statements += &format!(
            "UPDATE claim_versions SET discharged_at = (SELECT sent_at FROM outbox \
             WHERE outbox.claim_version_id = claim_versions.id AND outbox.destination = 'bhxh') - {delay} \
             WHERE claim_id = '{id}';"
        );
    }
    app.db
        .write_blocking(move |c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute(&statements).map_err(hisgate::store::StoreError::from)
        })
        .unwrap();

    let tallies =
        app.db.read_blocking(|c| hisgate::store::stats::count_interval(c, None, 0, midnight + 86_400_000)).unwrap();
    let t = &tallies[FACILITY];
    let mut expected_delays = std::collections::BTreeMap::new();
    for (_, minutes) in delays {
        *expected_delays.entry(minutes).or_insert(0_u64) += 1;
    }
    assert_eq!(t.delays, expected_delays);
    let yesterday = today - chrono::Duration::days(1);
    assert_eq!(t.per_day, std::collections::BTreeMap::from([(yesterday, 1), (today, 6)]));
    assert_eq!((t.valid, t.submitted_anywhere, t.accepted, t.rejected), (7, 14, 7, 0));
    let latest: Option<i64> = app
        .db
        .read_blocking(|c| {
            use diesel::prelude::*;
            use diesel::sql_types::{BigInt, Nullable};
            Ok(diesel::select(diesel::dsl::sql::<Nullable<BigInt>>("(SELECT MAX(sent_at) FROM outbox)"))
                .get_result(c)?)
        })
        .unwrap();
    assert_eq!(t.last_sent_at, latest);
    assert!(t.claimed_cents > 0 && t.claimed_cents == t.approved_cents, "{t:?}");
}
