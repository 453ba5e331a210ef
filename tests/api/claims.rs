//! Ingest: durability, idempotency, versions, batches, reading and listing.

use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, episodes, spawn_app};
use crate::on_both_backends;
use serde_json::{Value, json};

on_both_backends!(
    accepted_episode_is_durable_across_restart,
    resending_identical_content_changes_nothing,
    changed_content_becomes_a_new_version,
    batch_with_mixed_items,
    concurrent_posts_keep_their_own_results,
    a_batch_naming_one_episode_twice_keeps_the_order,
    a_large_batch_is_written_in_several_statements_and_read_back_whole,
    listing_filters_and_pages,
    facility_keys_are_scoped_to_their_facility,
);

async fn accepted_episode_is_durable_across_restart(backend: Backend) {
    let Some(mut app) = spawn_app(backend, "accepted_episode_is_durable_across_restart").await else {
        return;
    };
    let episode = &episodes(FACILITY, 1, 1)[0];
    let response = app.post_claim(&app.facility_key, episode).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["version"], 1);
    assert_eq!(receipt["status"], "queued");
    assert_eq!(receipt["outcome"], "created");
    assert_eq!(location, format!("/api/v1/claims/{}", receipt["id"].as_str().unwrap()));

    app.restart().await;

    let stored: Value = app.get(&location, &app.facility_key).await.json().await.unwrap();
    assert_eq!(stored["id"], receipt["id"]);
    assert_eq!(stored["episode_key"], episode.episode_key());
    let sent: Value = serde_json::to_value(episode).unwrap();
    assert_eq!(stored["episode"], sent, "the stored episode is exactly what was sent");
    let destinations: Vec<&str> =
        stored["submissions"].as_array().unwrap().iter().map(|s| s["destination"].as_str().unwrap()).collect();
    assert_eq!(destinations, ["bhxh", "moh"], "one outbox entry per destination, written with the claim");
    assert!(stored["submissions"].as_array().unwrap().iter().all(|s| s["status"] == "pending"));
    assert_eq!(stored["timeline"][0]["kind"], "received");
    assert_eq!(app.counts().await, (1, 1, 2));
}

async fn resending_identical_content_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, "resending_identical_content_changes_nothing").await else {
        return;
    };
    let episode = &episodes(FACILITY, 2, 1)[0];
    let first: Value = app.post_claim(&app.facility_key, episode).await.json().await.unwrap();
    // The same content with other formatting: keys reordered, money as strings with trailing zeros.
    let mut reformatted = serde_json::to_value(episode).unwrap();
    let total = reformatted["summary"]["T_TONGCHI_BV"].as_str().unwrap().to_owned();
    reformatted["summary"]["T_TONGCHI_BV"] = json!(format!("{total}.00"));
    let second = app.post_claim(&app.facility_key, &reformatted).await;
    assert_eq!(second.status(), 202);
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["version"], 1);
    assert_eq!(second["outcome"], "unchanged");
    assert_eq!(app.counts().await, (1, 1, 2), "nothing duplicated");
}

async fn changed_content_becomes_a_new_version(backend: Backend) {
    let Some(app) = spawn_app(backend, "changed_content_becomes_a_new_version").await else {
        return;
    };
    let mut episode = episodes(FACILITY, 3, 1)[0].clone();
    let first: Value = app.post_claim(&app.facility_key, &episode).await.json().await.unwrap();
    episode.summary.note = Some("Tái khám sau 7 ngày".to_owned());
    let second: Value = app.post_claim(&app.facility_key, &episode).await.json().await.unwrap();
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["version"], 2);
    assert_eq!(second["outcome"], "new_version");

    let stored: Value =
        app.get(&format!("/api/v1/claims/{}", first["id"].as_str().unwrap()), &app.doh_key).await.json().await.unwrap();
    assert_eq!(stored["current_version"], 2);
    let versions = stored["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "history kept");
    assert!(versions[0]["superseded_at"].is_i64());
    assert!(versions[1]["superseded_at"].is_null());
    assert_ne!(versions[0]["content_sha256"], versions[1]["content_sha256"]);
    assert_eq!(stored["episode"]["summary"]["GHI_CHU"], "Tái khám sau 7 ngày");
    let statuses: Vec<(i64, &str)> = stored["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["version"].as_i64().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [(1, "superseded"), (1, "superseded"), (2, "pending"), (2, "pending")]);
    let kinds: Vec<&str> = stored["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["received", "superseded", "new_version"]);
    assert_eq!(app.counts().await, (1, 2, 4));
}

async fn batch_with_mixed_items(backend: Backend) {
    let Some(app) = spawn_app(backend, "batch_with_mixed_items").await else {
        return;
    };
    let good = episodes(FACILITY, 4, 3);
    let mut invalid = serde_json::to_value(&good[0]).unwrap();
    invalid["summary"]["MA_LK"] = json!("83001.other");
    invalid["summary"]["T_BHTT"] = json!("1.00");
    let mut wrong_type = serde_json::to_value(&good[1]).unwrap();
    wrong_type["summary"]["GIOI_TINH"] = json!("male");
    let foreign = episodes(OTHER_FACILITY, 4, 1).remove(0);
    let body = json!({ "episodes": [good[0], invalid, good[1], wrong_type, foreign, good[2]] });
    let response = app.post_json("/api/v1/claims/batch", &app.facility_key, &body).await;
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    let statuses: Vec<i64> =
        result["items"].as_array().unwrap().iter().map(|i| i["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [202, 422, 202, 400, 403, 202]);
    assert_eq!(result["accepted"], 3);
    assert_eq!(result["rejected"], 3);
    assert!(result["items"][1]["error"]["violations"].as_array().unwrap().iter().any(|v| v["rule"] == "TOTAL_T_BHTT"));
    assert!(result["items"][3]["error"]["detail"].as_str().unwrap().contains("summary.GIOI_TINH"));
    assert_eq!(app.counts().await, (3, 3, 6));

    let too_many = json!({ "episodes": vec![json!({}); app.settings.max_batch + 1] });
    let response = app.post_json("/api/v1/claims/batch", &app.facility_key, &too_many).await;
    assert_eq!(response.status(), 400);
}

/// A batch of 150 episodes (~1.5 MB) is written in several `INSERT`s of claim versions (at most
/// 256 KiB each, `store::claims`); every answer still names its own claim with its own content.
async fn a_large_batch_is_written_in_several_statements_and_read_back_whole(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_large_batch_is_written_in_several_statements_and_read_back_whole").await
    else {
        return;
    };
    let sent = episodes(FACILITY, 12, 150);
    let body = json!({ "episodes": sent });
    assert!(body.to_string().len() > 4 * 256 * 1024, "the batch spans several statements");
    let result: Value = app.post_json("/api/v1/claims/batch", &app.facility_key, &body).await.json().await.unwrap();
    assert_eq!(result["accepted"], 150, "{result}");
    for (episode, item) in sent.iter().zip(result["items"].as_array().unwrap()) {
        assert_eq!(item["status"], 202, "{item}");
        assert_eq!(item["ma_lk"], episode.episode_key());
        let path = format!("/api/v1/claims/{}", item["receipt"]["id"].as_str().unwrap());
        let stored: Value = app.get(&path, &app.facility_key).await.json().await.unwrap();
        assert_eq!(stored["episode_key"], episode.episode_key());
        assert_eq!(stored["episode"], serde_json::to_value(episode).unwrap());
        assert_eq!(stored["submissions"].as_array().unwrap().len(), 2, "{stored}");
    }
    assert_eq!(app.counts().await, (150, 150, 300));
}

/// Concurrent POSTs share commits (see `ingest::commit`): each still gets its own answer, an
/// episode sent several times at once is stored once, and refusals stay with their requests.
async fn concurrent_posts_keep_their_own_results(backend: Backend) {
    let Some(app) = spawn_app(backend, "concurrent_posts_keep_their_own_results").await else {
        return;
    };
    let distinct = episodes(FACILITY, 7, 48);
    let repeated = episodes(FACILITY, 8, 1).remove(0);
    // A station of the national facility list that is not registered with this gateway.
    let unregistered = episodes("83240", 9, 8);
    let mut requests = tokio::task::JoinSet::new();
    let mut send = |kind: &'static str, key: &str, episode: &hisgate::domain::Episode| {
        let request = app.client.post(app.url("/api/v1/claims")).bearer_auth(key).json(episode);
        requests.spawn(async move {
            let response = request.send().await.expect("request");
            (kind, response.status().as_u16(), response.json::<Value>().await.expect("a JSON answer"))
        });
    };
    for e in &distinct {
        send("distinct", &app.facility_key, e);
    }
    for _ in 0..8 {
        send("repeated", &app.facility_key, &repeated);
    }
    for e in &unregistered {
        send("unregistered", &app.admin_key, e);
    }
    let answers = requests.join_all().await;
    let of = |kind: &'static str| answers.iter().filter(move |(k, _, _)| *k == kind);

    assert!(of("distinct").all(|(_, status, body)| *status == 202 && body["outcome"] == "created"));
    let mut ids: Vec<&str> = of("distinct").map(|(_, _, body)| body["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 48, "one claim per episode");

    assert!(of("repeated").all(|(_, status, _)| *status == 202));
    let repeated_ids: Vec<&Value> = of("repeated").map(|(_, _, body)| &body["id"]).collect();
    assert!(repeated_ids.iter().all(|id| *id == repeated_ids[0]), "the same episode is one claim");
    let outcomes: Vec<&str> = of("repeated").map(|(_, _, body)| body["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "created").count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == "unchanged").count(), 7, "{outcomes:?}");

    for (_, status, body) in of("unregistered") {
        assert_eq!(*status, 422);
        assert_eq!(body["violations"][0]["rule"], "FACILITY_UNKNOWN");
    }
    assert_eq!(app.counts().await, (49, 49, 98), "claims, versions, submissions: nothing twice, nothing lost");
}

async fn a_batch_naming_one_episode_twice_keeps_the_order(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_batch_naming_one_episode_twice_keeps_the_order").await else {
        return;
    };
    let [first, other] = <[_; 2]>::try_from(episodes(FACILITY, 10, 2)).unwrap();
    let mut changed = first.clone();
    changed.summary.note = Some("Bổ sung kết quả xét nghiệm".to_owned());
    let body = json!({ "episodes": [first, changed, other, first, first] });
    let result: Value = app.post_json("/api/v1/claims/batch", &app.facility_key, &body).await.json().await.unwrap();
    let items = result["items"].as_array().unwrap();
    let seen: Vec<(&str, i64)> = items
        .iter()
        .map(|i| (i["receipt"]["outcome"].as_str().unwrap(), i["receipt"]["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [("created", 1), ("new_version", 2), ("created", 1), ("new_version", 3), ("unchanged", 3)],
        "each item sees what the items before it stored"
    );
    assert_eq!(items[0]["receipt"]["id"], items[4]["receipt"]["id"]);
    let stored: Value = app
        .get(&format!("/api/v1/claims/{}", items[0]["receipt"]["id"].as_str().unwrap()), &app.facility_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["episode"], serde_json::to_value(&first).unwrap());
    assert_eq!(app.counts().await, (2, 4, 8));
}

async fn listing_filters_and_pages(backend: Backend) {
    let Some(app) = spawn_app(backend, "listing_filters_and_pages").await else {
        return;
    };
    for e in episodes(FACILITY, 5, 5) {
        assert_eq!(app.post_claim(&app.facility_key, &e).await.status(), 202);
    }
    for e in episodes(OTHER_FACILITY, 5, 2) {
        assert_eq!(app.post_claim(&app.other_facility_key, &e).await.status(), 202);
    }
    let page: Value = app.get("/api/v1/claims?limit=3", &app.doh_key).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value =
        app.get(&format!("/api/v1/claims?limit=10&cursor={cursor}"), &app.doh_key).await.json().await.unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 4);
    assert!(rest["next_cursor"].is_null());
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let before = ids.clone();
    ids.sort_by(|a, b| b.cmp(a));
    ids.dedup();
    assert_eq!(ids, before, "newest first, no repeats across pages");

    let other: Value =
        app.get(&format!("/api/v1/claims?facility={OTHER_FACILITY}"), &app.doh_key).await.json().await.unwrap();
    assert_eq!(other["items"].as_array().unwrap().len(), 2);
    let queued: Value =
        app.get("/api/v1/claims?status=queued&from=2020-01-01", &app.admin_key).await.json().await.unwrap();
    assert_eq!(queued["items"].as_array().unwrap().len(), 7);
    let future: Value = app.get("/api/v1/claims?from=2999-01-01", &app.admin_key).await.json().await.unwrap();
    assert!(future["items"].as_array().unwrap().is_empty());
    let past: Value = app.get("/api/v1/claims?to=2020-01-01T00:00:00Z", &app.admin_key).await.json().await.unwrap();
    assert!(past["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/api/v1/claims?from=yesterday", &app.doh_key).await.status(), 400);
    assert_eq!(app.get("/api/v1/claims?limit=0", &app.doh_key).await.status(), 400);
}

async fn facility_keys_are_scoped_to_their_facility(backend: Backend) {
    let Some(app) = spawn_app(backend, "facility_keys_are_scoped_to_their_facility").await else {
        return;
    };
    let own = &episodes(FACILITY, 6, 1)[0];
    let foreign = &episodes(OTHER_FACILITY, 6, 1)[0];
    let response = app.post_claim(&app.facility_key, foreign).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains(OTHER_FACILITY));

    let receipt: Value = app.post_claim(&app.facility_key, own).await.json().await.unwrap();
    let path = format!("/api/v1/claims/{}", receipt["id"].as_str().unwrap());
    assert_eq!(app.get(&path, &app.facility_key).await.status(), 200);
    assert_eq!(app.get(&path, &app.other_facility_key).await.status(), 403);
    assert_eq!(app.get(&path, &app.doh_key).await.status(), 200);
    assert_eq!(app.get(&path, &app.eligibility_key).await.status(), 403);
    assert_eq!(app.get("/api/v1/claims/does-not-exist", &app.doh_key).await.status(), 404);

    let mine: Value = app.get("/api/v1/claims", &app.other_facility_key).await.json().await.unwrap();
    assert!(mine["items"].as_array().unwrap().is_empty(), "a facility lists only its own claims");
    assert_eq!(app.get(&format!("/api/v1/claims?facility={FACILITY}"), &app.other_facility_key).await.status(), 403);
    assert_eq!(app.post_claim(&app.doh_key, own).await.status(), 403, "DoH reads, never writes");
    assert_eq!(app.post_claim(&app.admin_key, foreign).await.status(), 202, "admin may send for any facility");
}
