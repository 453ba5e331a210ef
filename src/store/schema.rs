//! Diesel table definitions, shared by both backends (see `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    facilities (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        status -> Text,
        created_at -> BigInt,
        district -> Nullable<Text>,
        commune -> Nullable<Text>,
        parent_code -> Nullable<Text>,
        connected_on -> Nullable<Text>,
        contact -> Nullable<Text>,
        certificate_expires_on -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        secret_sha256 -> Text,
        role -> Text,
        facility_code -> Nullable<Text>,
        label -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        sensitive_reader -> Bool,
    }
}

diesel::table! {
    claims (id) {
        id -> Text,
        facility_code -> Text,
        episode_key -> Text,
        current_version -> Integer,
        status -> Text,
        received_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    claim_versions (id) {
        id -> BigInt,
        claim_id -> Text,
        version -> Integer,
        content_sha256 -> Text,
        warnings_json -> Text,
        visit_type -> Text,
        admitted_at -> BigInt,
        discharged_at -> BigInt,
        settlement_year -> Nullable<Integer>,
        settlement_month -> Nullable<Integer>,
        total_cost_cents -> BigInt,
        claimed_cents -> BigInt,
        received_at -> BigInt,
        received_by -> Text,
        superseded_at -> Nullable<BigInt>,
        payload_dropped_at -> Nullable<BigInt>,
        card_checked_at -> Nullable<BigInt>,
        card_check_code -> Nullable<Text>,
    }
}

diesel::table! {
    episode_payloads (version_id) {
        version_id -> BigInt,
        month -> Integer,
        sealed_with -> Text,
        body -> Text,
    }
}

diesel::table! {
    claim_events (id) {
        id -> BigInt,
        claim_id -> Text,
        version -> Integer,
        at -> BigInt,
        kind -> Text,
        detail -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        claim_version_id -> BigInt,
        destination -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        leased_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        transaction_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        next_poll_at -> Nullable<BigInt>,
        replay_of -> Nullable<BigInt>,
        uncertain_since -> Nullable<BigInt>,
        portal_received_at -> Nullable<BigInt>,
        signature_request_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    claim_outcomes (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        claim_version_id -> BigInt,
        transaction_id -> Text,
        status -> Text,
        claimed_cents -> BigInt,
        approved_cents -> BigInt,
        reasons_json -> Text,
        lines_json -> Text,
        decided_at -> BigInt,
    }
}

diesel::table! {
    submission_errors (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        code -> Text,
        message -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    rule_overrides (code) {
        code -> Text,
        severity -> Text,
        updated_at -> BigInt,
        updated_by -> Text,
    }
}

diesel::table! {
    queue_control (name) {
        name -> Text,
        value -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor -> Text,
        role -> Text,
        action -> Text,
        target -> Text,
        detail -> Text,
    }
}

diesel::table! {
    facility_daily (facility_code, day) {
        facility_code -> Text,
        day -> Text,
        received -> Integer,
        submitted -> Integer,
        accepted -> Integer,
        partially_approved -> Integer,
        rejected -> Integer,
        dead_lettered -> Integer,
        claimed_cents -> BigInt,
        approved_cents -> BigInt,
        computed_at -> BigInt,
        refused_at_ingest -> Integer,
        rules_json -> Text,
        reasons_json -> Text,
        delays_json -> Text,
        last_sent_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    daily_snapshots (day) {
        day -> Text,
        computed_at -> BigInt,
    }
}

diesel::table! {
    job_runs (id) {
        id -> BigInt,
        job -> Text,
        instance -> Text,
        started_at -> BigInt,
        finished_at -> BigInt,
        ok -> Bool,
        detail -> Text,
    }
}

diesel::table! {
    ingest_rejections (id) {
        id -> BigInt,
        facility_code -> Text,
        episode_key -> Nullable<Text>,
        at -> BigInt,
        rules_json -> Text,
        violations_json -> Nullable<Text>,
    }
}

diesel::table! {
    alerts (id) {
        id -> BigInt,
        kind -> Text,
        facility_code -> Nullable<Text>,
        raised_at -> BigInt,
        detail -> Text,
        resolved_at -> Nullable<BigInt>,
        delivered_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    dashboard_sessions (token_sha256) {
        token_sha256 -> Text,
        key_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    reference_lists (list, facility) {
        list -> Text,
        facility -> Text,
        entries -> BigInt,
        sha256 -> Text,
        loaded_at -> BigInt,
        loaded_by -> Text,
        versions -> Text,
    }
}

diesel::table! {
    reference_entries (list, facility, field, code, valid_from) {
        list -> Text,
        facility -> Text,
        field -> Text,
        code -> Text,
        valid_from -> Text,
        valid_to -> Text,
        name -> Text,
        strength -> Nullable<Text>,
        registration -> Nullable<Text>,
        max_price -> Nullable<Text>,
        level -> Nullable<Text>,
        parent -> Nullable<Text>,
        successor -> Nullable<Text>,
        status -> Nullable<Text>,
    }
}

diesel::table! {
    check_ins (id) {
        id -> Text,
        facility_code -> Text,
        episode_key -> Text,
        record_json -> Text,
        ordered_at -> BigInt,
        received_at -> BigInt,
        received_by -> Text,
        sealed_with -> Nullable<Text>,
    }
}

diesel::table! {
    check_in_outbox (id) {
        id -> BigInt,
        check_in_id -> Text,
        destination -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        leased_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        transaction_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        uncertain_since -> Nullable<BigInt>,
    }
}

diesel::table! {
    front_door_accounts (username) {
        username -> Text,
        facility_code -> Nullable<Text>,
        province_code -> Nullable<Text>,
        password_hash -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    front_door_sessions (access_token_sha256) {
        access_token_sha256 -> Text,
        id_token_sha256 -> Text,
        password_sha256 -> Text,
        username -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    front_door_receipts (transaction_id) {
        transaction_id -> Text,
        username -> Text,
        facility_code -> Text,
        received_at -> BigInt,
        errors -> Text,
        claims -> Text,
    }
}

diesel::table! {
    webhook_endpoints (facility_code) {
        facility_code -> Text,
        url -> Text,
        secret -> Text,
        secret_key_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        event_id -> Text,
        facility_code -> Text,
        event -> Text,
        claim_id -> Nullable<Text>,
        episode_key -> Nullable<Text>,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        window_started_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    signature_requests (id) {
        id -> BigInt,
        facility_code -> Text,
        document_digest -> Text,
        file_date -> Text,
        transaction_id -> Text,
        status -> Text,
        signature -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> BigInt,
        deadline_at -> BigInt,
        next_poll_at -> BigInt,
        settled_at -> Nullable<BigInt>,
        updated_at -> BigInt,
    }
}

diesel::joinable!(front_door_sessions -> front_door_accounts (username));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (facility_code));
diesel::joinable!(check_in_outbox -> check_ins (check_in_id));
diesel::joinable!(claim_versions -> claims (claim_id));
diesel::joinable!(episode_payloads -> claim_versions (version_id));
diesel::joinable!(outbox -> claim_versions (claim_version_id));
diesel::joinable!(claim_outcomes -> outbox (outbox_id));
diesel::joinable!(submission_errors -> outbox (outbox_id));
diesel::allow_tables_to_appear_in_same_query!(
    facilities,
    api_keys,
    claims,
    claim_versions,
    episode_payloads,
    claim_events,
    outbox,
    audit_log,
    claim_outcomes,
    submission_errors,
    queue_control,
    rule_overrides,
    facility_daily,
    job_runs,
    ingest_rejections,
    alerts,
    dashboard_sessions,
    daily_snapshots,
    reference_lists,
    reference_entries,
    check_ins,
    check_in_outbox,
    front_door_accounts,
    front_door_sessions,
    front_door_receipts,
    webhook_endpoints,
    webhook_deliveries,
    signature_requests
);
