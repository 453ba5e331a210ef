//! Mock of the BHXH appraisal portal (`egw.baohiemxahoi.gov.vn`), per BHXH-API.md:
//! token, card lookup, check-in and dossier submission at the QĐ 4750 and QĐ 3176 endpoints (each
//! file checked against the amendment it was sent to), error lists, and a modelled
//! appraisal-outcome query (the real one is not public; see `mocks/README.md`).

use crate::dossier::{self, Amendment, ReceivedRecord, Refusal, refuse};
use crate::faults::{FaultConfig, Faults};
use crate::registry::{CardEntry, CardQuery, Officer, Registry};
use crate::server::{self, Running, may_act_for, md5_upper, vietnam_timestamp};
use crate::tokens::{TokenError, TokenStore};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub password: String,
}

/// How the modelled appraisal decides: after `delay_ms`, a seeded share of clean records is
/// rejected or partially approved; records with content errors are always rejected.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AppraisalConfig {
    pub delay_ms: u64,
    pub reject_rate: f64,
    pub partial_rate: f64,
    pub seed: u64,
}

impl Default for AppraisalConfig {
    fn default() -> Self {
        AppraisalConfig { delay_ms: 2_000, reject_rate: 0.05, partial_rate: 0.10, seed: 1 }
    }
}

#[derive(Debug, Clone)]
pub struct BhxhConfig {
    pub accounts: Vec<Account>,
    /// When set, any `<MA_CSKCB>_BV` or `<province>_SYT` account logs in with this password.
    pub shared_password: Option<String>,
    pub token_ttl_seconds: i64,
    pub cards: Vec<CardEntry>,
    pub officers: Vec<Officer>,
    pub appraisal: AppraisalConfig,
    /// Serve the modelled `layKetQuaGiamDinh`; `false` answers HTTP 404, as the real portal does.
    pub appraisal_api: bool,
    /// Refuse a QĐ 3176 file of more than one `HOSO` (code 123). The guide is quoted as asking for
    /// one dossier per file (REGULATORY-2026.md §1.6, UNCERTAIN), so this is **modelled** and off
    /// by default.
    pub one_hoso_per_file_3176: bool,
    /// Answer `1001` (file too large for the hour) to a file whose decoded size is over this.
    pub max_file_bytes: Option<usize>,
    /// Answer `701` to a dossier whose `NAM_QT`/`THANG_QT` is closed: before last month, or last
    /// month after the 5th (BHXH-API.md §4.3). Off by default: synthetic data has older months.
    pub settlement_window: bool,
    /// Answer card lookups whose `maThe` is a citizen ID or social-insurance number (modelled:
    /// see `registry`); `false` answers them `051` like a portal that takes only card numbers.
    pub card_lookup_by_id: bool,
    pub faults: FaultConfig,
}

impl Default for BhxhConfig {
    fn default() -> Self {
        BhxhConfig {
            accounts: Vec::new(),
            shared_password: Some("hisgate-demo".to_owned()),
            token_ttl_seconds: 3600,
            cards: Vec::new(),
            officers: vec![Officer { name: "Nguyễn Thị Lan".to_owned(), cccd: "083190000001".to_owned() }],
            appraisal: AppraisalConfig::default(),
            appraisal_api: true,
            one_hoso_per_file_3176: false,
            max_file_bytes: None,
            settlement_window: false,
            card_lookup_by_id: true,
            faults: FaultConfig::default(),
        }
    }
}

/// What the mock remembers of one MA_LK.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EpisodeState {
    /// Dossiers received for this MA_LK (every delivery, duplicates included).
    pub received: u32,
    /// Deliveries whose content equalled an earlier one.
    pub duplicates: u32,
    /// Distinct contents received (corrections make new versions).
    pub versions: u32,
    /// Check-ins received for this MA_LK (every delivery).
    pub check_ins: u32,
    /// Check-in deliveries whose content equalled an earlier one.
    pub check_in_duplicates: u32,
    /// Sequence number (over every delivery to this mock) of the first check-in and of the first
    /// dossier of this MA_LK: which came first.
    pub first_check_in_seq: Option<u64>,
    pub first_dossier_seq: Option<u64>,
    #[serde(skip)]
    check_in_contents: Vec<String>,
    pub last_transaction: Option<String>,
    /// Every file received with this MA_LK, oldest first (the *Danh sách tiếp nhận* screen).
    pub receipts: Vec<ReceiptRow>,
    /// Every check-in file received with this MA_LK, oldest first (`loaiHoSo=0` on that screen).
    pub check_in_receipts: Vec<ReceiptRow>,
    #[serde(skip)]
    contents: Vec<String>,
}

/// One received file of an MA_LK.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptRow {
    /// The `maCSKCB` it was sent for: an MA_LK is unique per facility, not nationally.
    pub facility: String,
    pub transaction: String,
    pub received_at: String,
    pub content_sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineOutcome {
    pub table: String,
    pub stt: String,
    pub claimed: Decimal,
    pub approved: Decimal,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub ma_lk: String,
    /// `CHAP_NHAN` accepted, `TU_CHOI` rejected, `CHAP_NHAN_MOT_PHAN` partially approved.
    pub status: &'static str,
    pub claimed: Decimal,
    pub approved: Decimal,
    pub reasons: Vec<String>,
    pub lines: Vec<LineOutcome>,
}

#[derive(Debug, Clone)]
struct Transaction {
    facility: String,
    ready_at: DateTime<Utc>,
    records: Vec<ReceivedRecord>,
    outcomes: Vec<Outcome>,
}

pub struct BhxhState {
    config: BhxhConfig,
    pub faults: Faults,
    pub tokens: TokenStore,
    registry: Registry,
    episodes: Mutex<BTreeMap<String, EpisodeState>>,
    transactions: Mutex<HashMap<String, Transaction>>,
    card_lookups: AtomicU64,
    sequence: AtomicU64,
    /// Check-in and dossier deliveries so far.
    deliveries: AtomicU64,
    /// Calls answered per endpoint path (after faults).
    calls: Mutex<BTreeMap<String, u64>>,
    /// The last dossier files received, as sent, newest last (tests verify their signatures).
    recent_files: Mutex<std::collections::VecDeque<Vec<u8>>>,
}

/// How many received files `recent_files` keeps.
const RECENT_FILES: usize = 16;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn result(code: &str, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "maKetQua": code, "thongDiep": message }))
}

impl BhxhState {
    pub fn new(config: BhxhConfig) -> Self {
        BhxhState {
            faults: Faults::new(config.faults.clone()),
            tokens: TokenStore::new(config.token_ttl_seconds),
            registry: Registry::new(config.cards.clone(), config.officers.clone(), config.card_lookup_by_id),
            config,
            episodes: Mutex::new(BTreeMap::new()),
            transactions: Mutex::new(HashMap::new()),
            card_lookups: AtomicU64::new(0),
            sequence: AtomicU64::new(0),
            deliveries: AtomicU64::new(0),
            calls: Mutex::new(BTreeMap::new()),
            recent_files: Mutex::new(std::collections::VecDeque::new()),
        }
    }

    fn count_call(&self, req: &HttpRequest) {
        *lock(&self.calls).entry(req.path().to_owned()).or_default() += 1;
    }

    /// The last dossier files received (up to 16), as sent, oldest first.
    pub fn recent_files(&self) -> Vec<Vec<u8>> {
        lock(&self.recent_files).iter().cloned().collect()
    }

    /// How many calls an endpoint answered (after faults), e.g. `/api/qd130/guiHoSoXmlQD3176`.
    pub fn calls(&self, path: &str) -> u64 {
        lock(&self.calls).get(path).copied().unwrap_or(0)
    }

    /// The MD5 of the account's password, if the account exists.
    fn password_md5(&self, username: &str) -> Option<String> {
        if let Some(a) = self.config.accounts.iter().find(|a| a.username == username) {
            return Some(md5_upper(&a.password));
        }
        let shaped = username.strip_suffix("_BV").is_some_and(|c| c.len() == 5)
            || username.strip_suffix("_SYT").is_some_and(|p| p.len() == 2);
        self.config.shared_password.as_deref().filter(|_| shaped).map(md5_upper)
    }

    fn password_ok(&self, username: &str, md5: &str) -> bool {
        self.password_md5(username).is_some_and(|expected| expected.eq_ignore_ascii_case(md5))
    }

    /// Checks a session: the token is live, belongs to `username`, and the password hash matches.
    fn authorise(
        &self,
        access: &str,
        id_token: &str,
        username: Option<&str>,
        md5: &str,
    ) -> Result<String, &'static str> {
        let session = self.tokens.check(access, Some(id_token)).map_err(|e| match e {
            TokenError::Expired => "Token đã hết hạn",
            TokenError::Unknown => "Token không hợp lệ",
        })?;
        if username.is_some_and(|u| u != session.username) || !self.password_ok(&session.username, md5) {
            return Err("Sai tài khoản hoặc mật khẩu");
        }
        Ok(session.username)
    }

    /// Per-MA_LK state, for tests and `/_admin/state`.
    pub fn episode(&self, ma_lk: &str) -> Option<EpisodeState> {
        lock(&self.episodes).get(ma_lk).cloned()
    }

    pub fn episodes(&self) -> BTreeMap<String, EpisodeState> {
        lock(&self.episodes).clone()
    }

    /// Card lookups answered (after faults), to prove caching and coalescing upstream.
    pub fn card_lookups(&self) -> u64 {
        self.card_lookups.load(Ordering::Relaxed)
    }

    /// Every appraisal outcome decided so far (ready or not), by MA_LK, latest transaction last.
    pub fn outcomes(&self) -> Vec<Outcome> {
        let transactions = lock(&self.transactions);
        let mut all: Vec<(DateTime<Utc>, Outcome)> =
            transactions.values().flat_map(|t| t.outcomes.iter().map(|o| (t.ready_at, o.clone()))).collect();
        all.sort_by_key(|(at, _)| *at);
        all.into_iter().map(|(_, o)| o).collect()
    }

    fn next_transaction_id(&self) -> String {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        format!("GD{}{n:06}", vietnam_timestamp())
    }

    fn decide(&self, record: &ReceivedRecord) -> Outcome {
        let claimed = record.claimed_total;
        let line = |l: &dossier::ClaimedLine, approved: Decimal, reason: Option<String>| LineOutcome {
            table: l.table.clone(),
            stt: l.stt.clone(),
            claimed: l.claimed,
            approved,
            reason,
        };
        if !record.errors.is_empty() {
            return Outcome {
                ma_lk: record.ma_lk.clone(),
                status: "TU_CHOI",
                claimed,
                approved: Decimal::ZERO,
                reasons: record.errors.iter().map(|(c, m)| format!("{c}: {m}")).collect(),
                lines: record.lines.iter().map(|l| line(l, Decimal::ZERO, None)).collect(),
            };
        }
        let a = &self.config.appraisal;
        let digest = Sha256::digest(format!("{}:{}:{}", a.seed, record.ma_lk, record.content_sha256).as_bytes());
        let draw = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) as f64 / u64::MAX as f64;
        if draw < a.reject_rate {
            let reason = "Hồ sơ không đủ điều kiện thanh toán BHYT (mô phỏng)".to_owned();
            return Outcome {
                ma_lk: record.ma_lk.clone(),
                status: "TU_CHOI",
                claimed,
                approved: Decimal::ZERO,
                reasons: vec![reason],
                lines: record.lines.iter().map(|l| line(l, Decimal::ZERO, None)).collect(),
            };
        }
        if draw < a.reject_rate + a.partial_rate && !record.lines.is_empty() {
            let cut = (digest[8] as usize) % record.lines.len();
            let reason = "Dịch vụ không đúng quy định thanh toán (mô phỏng)".to_owned();
            let lines: Vec<LineOutcome> = record
                .lines
                .iter()
                .enumerate()
                .map(
                    |(i, l)| {
                        if i == cut { line(l, Decimal::ZERO, Some(reason.clone())) } else { line(l, l.claimed, None) }
                    },
                )
                .collect();
            let approved = claimed - record.lines[cut].claimed;
            return Outcome {
                ma_lk: record.ma_lk.clone(),
                status: "CHAP_NHAN_MOT_PHAN",
                claimed,
                approved,
                reasons: vec![reason],
                lines,
            };
        }
        Outcome {
            ma_lk: record.ma_lk.clone(),
            status: "CHAP_NHAN",
            claimed,
            approved: claimed,
            reasons: Vec::new(),
            lines: record.lines.iter().map(|l| line(l, l.claimed, None)).collect(),
        }
    }
}

fn form(body: &[u8]) -> Result<HashMap<String, String>, Refusal> {
    crate::form::parse(body).ok_or_else(|| refuse("205", "Lỗi sai định dạng tham số"))
}

async fn token_take(state: web::Data<BhxhState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    let f = match form(&body) {
        Ok(f) => f,
        Err(r) => return refused(r),
    };
    let (Some(username), Some(password)) = (f.get("username"), f.get("password")) else {
        return result("205", "Thiếu username hoặc password");
    };
    if !state.password_ok(username, password) {
        return HttpResponse::Ok().json(json!({ "maKetQua": "401", "thongDiep": "Lỗi xác thực tài khoản" }));
    }
    let (access, session) = state.tokens.issue(username);
    HttpResponse::Ok().json(json!({
        "maKetQua": "200",
        "APIKey": {
            "access_token": access,
            "id_token": session.id_token,
            "token_type": "bearer",
            "username": username,
            "expires_in": session.expires_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }))
}

#[derive(Deserialize)]
struct QueryAuth {
    #[serde(default)]
    token: String,
    #[serde(default)]
    id_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(rename = "maCSKCB", default)]
    facility: String,
    #[serde(rename = "maGiaoDich", default)]
    transaction: String,
}

async fn card_history(
    req: HttpRequest,
    state: web::Data<BhxhState>,
    q: web::Query<QueryAuth>,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    if let Err(message) = state.authorise(&q.token, &q.id_token, Some(&q.username), &q.password) {
        return HttpResponse::Ok().json(json!({ "maKetQua": "401", "ghiChu": message }));
    }
    let is_json = req.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"));
    let query: Result<CardQuery, ()> = if is_json {
        serde_json::from_slice(&body).map_err(|_| ())
    } else {
        serde_urlencoded::from_bytes(&body).map_err(|_| ())
    };
    let Ok(query) = query else {
        return HttpResponse::Ok().json(json!({ "maKetQua": "205", "ghiChu": "Lỗi sai định dạng tham số" }));
    };
    state.card_lookups.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok().json(state.registry.lookup(&query))
}

/// Header auth of `/api/qd130/*` and the form every submission carries.
fn submission(req: &HttpRequest, state: &BhxhState, body: &[u8]) -> Result<(String, HashMap<String, String>), Refusal> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let f = form(body)?;
    let username = state
        .authorise(
            &header("accessToken"),
            &header("tokenId"),
            f.get("username").map(String::as_str),
            &header("passwordHash"),
        )
        .map_err(|m| refuse("401", m))?;
    let facility = f.get("maCSKCB").cloned().unwrap_or_default();
    if !may_act_for(&username, &facility) {
        return Err(refuse("403", format!("Tài khoản {username} không được gửi hồ sơ của cơ sở {facility}")));
    }
    if f.get("maTinh").map(String::as_str) != facility.get(..2) {
        return Err(refuse("205", "maTinh phải là 2 ký tự đầu của maCSKCB"));
    }
    Ok((facility, f))
}

fn refused(r: Refusal) -> HttpResponse {
    result(r.code, &r.message)
}

async fn check_in(req: HttpRequest, state: web::Data<BhxhState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    state.count_call(&req);
    let (facility, f) = match submission(&req, &state, &body) {
        Ok(x) => x,
        Err(r) => return refused(r),
    };
    if f.get("loaiHoSo").map(String::as_str) != Some("0") {
        return result("205", "loaiHoSo của check-in phải là 0");
    }
    let (file_sha256, items) = match dossier::decode_file(f.get("fileHSBase64").map_or("", String::as_str))
        .and_then(|xml| Ok((hex::encode(Sha256::digest(&xml)), dossier::read_check_in(&xml, &facility)?)))
    {
        Ok(read) => read,
        Err(r) => return refused(r),
    };
    let id = state.next_transaction_id();
    let seq = state.deliveries.fetch_add(1, Ordering::Relaxed);
    let received_at = vietnam_timestamp();
    let mut episodes = lock(&state.episodes);
    for item in items {
        let e = episodes.entry(item.ma_lk).or_default();
        e.check_in_receipts.push(ReceiptRow {
            facility: facility.clone(),
            transaction: id.clone(),
            received_at: received_at.clone(),
            content_sha256: file_sha256.clone(),
        });
        e.check_ins += 1;
        e.first_check_in_seq.get_or_insert(seq);
        if e.check_in_contents.contains(&item.content_sha256) {
            e.check_in_duplicates += 1;
        } else {
            e.check_in_contents.push(item.content_sha256);
        }
    }
    HttpResponse::Ok().json(json!({
        "maKetQua": "200", "maGiaoDich": id, "thoiGianTiepNhan": received_at, "thongDiep": "Tiếp nhận thành công"
    }))
}

/// The amendment an endpoint path belongs to.
fn amendment_of(req: &HttpRequest) -> Amendment {
    if req.path().ends_with("3176") { Amendment::Qd3176 } else { Amendment::Qd4750 }
}

async fn send_dossier(req: HttpRequest, state: web::Data<BhxhState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    state.count_call(&req);
    let (facility, f) = match submission(&req, &state, &body) {
        Ok(x) => x,
        Err(r) => return refused(r),
    };
    if f.get("loaiHoSo").map(String::as_str) != Some("130") {
        return result("205", "loaiHoSo của hồ sơ QĐ 130 phải là 130");
    }
    let amendment = amendment_of(&req);
    let xml = match dossier::decode_file(f.get("fileHSBase64").map_or("", String::as_str)) {
        Ok(xml) => xml,
        Err(r) => return refused(r),
    };
    if state.config.max_file_bytes.is_some_and(|max| xml.len() > max) {
        return result("1001", "Dung lượng file vượt quá giới hạn cho phép trong khung giờ này");
    }
    {
        let mut recent = lock(&state.recent_files);
        if recent.len() == RECENT_FILES {
            recent.pop_front();
        }
        recent.push_back(xml.to_vec());
    }
    let dossier = match dossier::read_dossier(&xml, &facility, amendment) {
        Ok(d) => d,
        Err(r) => return refused(r),
    };
    if amendment == Amendment::Qd3176 && state.config.one_hoso_per_file_3176 && dossier.records.len() > 1 {
        return result("123", "Mỗi file chỉ được chứa một hồ sơ (QĐ 3176, mô phỏng)");
    }
    if state.config.settlement_window
        && let Some(record) = dossier.records.iter().find(|r| !dossier::settlement_open(r.settlement, Utc::now()))
    {
        return result("701", &format!("MA_LK {}: ngoài thời gian quyết toán", record.ma_lk));
    }
    let id = state.next_transaction_id();
    let received_at = vietnam_timestamp();
    let outcomes: Vec<Outcome> = dossier.records.iter().map(|r| state.decide(r)).collect();
    let errors: usize = dossier.records.iter().map(|r| r.errors.len()).sum();
    {
        let seq = state.deliveries.fetch_add(1, Ordering::Relaxed);
        let mut episodes = lock(&state.episodes);
        for record in &dossier.records {
            let e = episodes.entry(record.ma_lk.clone()).or_default();
            e.first_dossier_seq.get_or_insert(seq);
            e.received += 1;
            if e.contents.contains(&record.content_sha256) {
                e.duplicates += 1;
            } else {
                e.versions += 1;
                e.contents.push(record.content_sha256.clone());
            }
            e.last_transaction = Some(id.clone());
            e.receipts.push(ReceiptRow {
                facility: facility.clone(),
                transaction: id.clone(),
                received_at: received_at.clone(),
                content_sha256: record.content_sha256.clone(),
            });
        }
    }
    let ready_at = Utc::now() + chrono::Duration::milliseconds(state.config.appraisal.delay_ms as i64);
    lock(&state.transactions)
        .insert(id.clone(), Transaction { facility: facility.clone(), ready_at, records: dossier.records, outcomes });
    let message = if errors == 0 {
        "Tiếp nhận thành công".to_owned()
    } else {
        format!("Tiếp nhận; phát hiện {errors} lỗi, xem nhanChiTietLoiHS")
    };
    if let Some(r) = state.faults.lose_reply().await {
        return r;
    }
    HttpResponse::Ok().json(json!({
        "maKetQua": "200", "maGiaoDich": id, "thoiGianTiepNhan": received_at, "thongDiep": message
    }))
}

/// Most MA_LK in one receipt query (modelled).
const MAX_RECEIPT_KEYS: usize = 500;

/// Modelled `layDanhSachTiepNhan`: the files received for a `;`-list of MA_LK of a facility, the
/// dossiers (`loaiHoSo` 130, the default) or the check-ins (`loaiHoSo` 0).
async fn receipt_list(req: HttpRequest, state: web::Data<BhxhState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    state.count_call(&req);
    let (facility, f) = match submission(&req, &state, &body) {
        Ok(x) => x,
        Err(r) => return refused(r),
    };
    let keys: Vec<&str> = f.get("dsMaLk").map_or("", String::as_str).split(';').filter(|k| !k.is_empty()).collect();
    if keys.is_empty() || keys.len() > MAX_RECEIPT_KEYS {
        return result("205", "dsMaLk phải có từ 1 đến 500 MA_LK, phân cách bởi dấu ;");
    }
    let check_ins = match f.get("loaiHoSo").map_or("130", String::as_str) {
        "130" => false,
        "0" => true,
        other => return result("205", &format!("loaiHoSo {other} không hợp lệ (130 hoặc 0)")),
    };
    let episodes = lock(&state.episodes);
    let rows: Vec<Value> = keys
        .iter()
        .filter_map(|k| episodes.get(*k).map(|e| (k, e)))
        .flat_map(|(k, e)| {
            let received = if check_ins { &e.check_in_receipts } else { &e.receipts };
            received
                .iter()
                .filter(|r| r.facility == facility)
                .map(move |r| {
                    json!({ "maLk": k, "maGiaoDich": r.transaction, "thoiGianTiepNhan": r.received_at, "maBam": r.content_sha256 })
                })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "maKetQua": "200", "dsTiepNhan": rows }))
}

async fn error_list(req: HttpRequest, state: web::Data<BhxhState>, q: web::Query<QueryAuth>) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    state.count_call(&req);
    let username = match state.authorise(&q.token, &q.id_token, Some(&q.username), &q.password) {
        Ok(u) => u,
        Err(m) => return result("401", m),
    };
    let transactions = lock(&state.transactions);
    let Some(t) =
        transactions.get(&q.transaction).filter(|t| t.facility == q.facility && may_act_for(&username, &t.facility))
    else {
        return result("404", "Không tìm thấy giao dịch (mô phỏng)");
    };
    let ds_loi: Vec<Value> = t
        .records
        .iter()
        .flat_map(|r| {
            r.errors.iter().map(move |(code, text)| json!({ "maLoi": code, "moTaLoi": format!("{}: {text}", r.ma_lk) }))
        })
        .collect();
    HttpResponse::Ok().json(json!({ "maKetQua": "200", "dsLoi": ds_loi }))
}

async fn appraisal_result(req: HttpRequest, state: web::Data<BhxhState>, body: web::Bytes) -> HttpResponse {
    state.count_call(&req);
    if !state.config.appraisal_api {
        return HttpResponse::NotFound().finish();
    }
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    let (facility, f) = match submission(&req, &state, &body) {
        Ok(x) => x,
        Err(r) => return refused(r),
    };
    let id = f.get("maGiaoDich").cloned().unwrap_or_default();
    let transactions = lock(&state.transactions);
    let Some(t) = transactions.get(&id).filter(|t| t.facility == facility) else {
        return result("404", "Không tìm thấy giao dịch (mô phỏng)");
    };
    if Utc::now() < t.ready_at {
        let pending: Vec<Value> =
            t.records.iter().map(|r| json!({ "maLk": r.ma_lk, "trangThai": "CHO_GIAM_DINH" })).collect();
        return HttpResponse::Ok()
            .json(json!({ "maKetQua": "200", "maGiaoDich": id, "trangThai": "DANG_GIAM_DINH", "dsHoSo": pending }));
    }
    let records: Vec<Value> = t
        .outcomes
        .iter()
        .map(|o| {
            json!({
                "maLk": o.ma_lk,
                "trangThai": o.status,
                "soTienDeNghi": o.claimed.to_string(),
                "soTienDuyet": o.approved.to_string(),
                "lyDo": o.reasons,
                "dsChiTiet": o.lines.iter().map(|l| json!({
                    "bang": l.table, "stt": l.stt, "soTienDeNghi": l.claimed.to_string(),
                    "soTienDuyet": l.approved.to_string(), "lyDo": l.reason,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    HttpResponse::Ok()
        .json(json!({ "maKetQua": "200", "maGiaoDich": id, "trangThai": "DA_GIAM_DINH", "dsHoSo": records }))
}

async fn admin_state(state: web::Data<BhxhState>) -> HttpResponse {
    let outcomes = state.outcomes();
    let claimed: Decimal = outcomes.iter().map(|o| o.claimed).sum();
    let approved: Decimal = outcomes.iter().map(|o| o.approved).sum();
    HttpResponse::Ok().json(json!({
        "episodes": state.episodes(),
        "outcomes": outcomes,
        "totals": { "claimed": claimed.to_string(), "approved": approved.to_string() },
        "card_lookups": state.card_lookups(),
        "calls": lock(&state.calls).clone(),
        "faults": state.faults.stats(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/token/take", web::post().to(token_take))
        .route("/api/egw/KQNhanLichSuKCB2024", web::post().to(card_history))
        .route("/api/qd130/checkInKcbQd4750", web::post().to(check_in))
        .route("/api/qd130/checkInKcbQd3176", web::post().to(check_in))
        .route("/api/qd130/guiHoSoXmlQD4750", web::post().to(send_dossier))
        .route("/api/qd130/guiHoSoXmlQD3176", web::post().to(send_dossier))
        .route("/api/egw/nhanChiTietLoiHS", web::post().to(error_list))
        .route("/api/qd130/layKetQuaGiamDinh", web::post().to(appraisal_result))
        .route("/api/qd130/layDanhSachTiepNhan", web::post().to(receipt_list))
        .route("/_admin/state", web::get().to(admin_state));
    crate::admin::configure::<BhxhState>(cfg);
}

impl crate::admin::Controlled for BhxhState {
    fn faults(&self) -> &Faults {
        &self.faults
    }
    fn tokens(&self) -> &TokenStore {
        &self.tokens
    }
}

/// A running BHXH mock.
pub struct BhxhMock {
    pub server: Running,
    pub state: web::Data<BhxhState>,
}

impl BhxhMock {
    pub fn url(&self) -> &str {
        &self.server.url
    }
}

/// Starts the mock on `bind` (`127.0.0.1:0` for a free port) on the current runtime.
pub fn start(config: BhxhConfig, bind: &str) -> std::io::Result<BhxhMock> {
    let state = web::Data::new(BhxhState::new(config));
    let server = server::serve(state.clone(), configure, bind)?;
    Ok(BhxhMock { server, state })
}
