//! The BHXH appraisal portal (BHXH-API.md): `token/take`, check-in and dossier submission to the
//! endpoints of the configured amendment (QĐ 4750 or QĐ 3176), error lists, and the appraisal-outcome
//! query (modelled, asked only when `HISGATE_BHXH_APPRAISAL_API=modelled`; see `mocks/README.md`).

use super::guard::{Lane, PortalGuard};
use super::{PortalError, status_error, transient_status};
use crate::config::PortalSettings;
use crate::domain::spec::Profile;
use crate::vocabulary::Destination;
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Debug, Clone)]
struct Session {
    access_token: String,
    id_token: String,
    /// Refresh a minute before the portal's expiry (QLBV does the same).
    renew_at: Instant,
}

pub struct BhxhClient {
    http: reqwest::Client,
    base: String,
    username: String,
    password_md5: String,
    session: Mutex<Option<Session>>,
    guard: PortalGuard,
    profile: Profile,
}

/// The portal's receipt for a submitted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `maGiaoDich`.
    pub transaction_id: String,
    /// `thoiGianTiepNhan`, `yyyyMMddHHmmss`.
    pub received_at: String,
    pub message: String,
}

/// A card lookup (`KQNhanLichSuKCB2024`), as sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CardQuery {
    #[serde(rename = "maThe")]
    pub card: String,
    #[serde(rename = "hoTen")]
    pub name: String,
    /// `dd/MM/yyyy`, or `yyyy` when day and month are unknown.
    #[serde(rename = "ngaySinh")]
    pub birth: String,
    #[serde(rename = "hoTenCb")]
    pub officer_name: String,
    #[serde(rename = "cccdCb")]
    pub officer_cccd: String,
}

/// Most `MA_LK` the receipt list takes in one query.
const RECEIPT_KEYS_PER_QUERY: usize = 500;

/// `loaiHoSo` of a QĐ 130 dossier file (`GIAMDINHHS`).
const DOSSIER_FILE_TYPE: &str = "130";
/// `loaiHoSo` of a check-in file (`CHI_TIEU_TRANG_THAI_KCB`, XML0).
const CHECK_IN_FILE_TYPE: &str = "0";

/// A file the portal lists as received for an `MA_LK` (modelled `layDanhSachTiepNhan`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ReceiptEntry {
    #[serde(rename = "maLk")]
    pub episode_key: String,
    #[serde(rename = "maGiaoDich")]
    pub transaction_id: String,
    /// SHA-256 (hex) of the record's tables as received: each `LOAIHOSO` followed by its decoded
    /// `NOIDUNGFILE`, in file order.
    #[serde(rename = "maBam")]
    pub content_sha256: String,
}

/// One line of an appraisal outcome.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct OutcomeLine {
    #[serde(rename = "bang")]
    pub table: String,
    pub stt: String,
    #[serde(rename = "soTienDeNghi")]
    pub claimed: String,
    #[serde(rename = "soTienDuyet")]
    pub approved: String,
    #[serde(rename = "lyDo", default)]
    pub reason: Option<String>,
}

/// The appraisal of one `MA_LK` in a transaction.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RecordOutcome {
    #[serde(rename = "maLk")]
    pub episode_key: String,
    /// `CHO_GIAM_DINH`, `CHAP_NHAN`, `CHAP_NHAN_MOT_PHAN`, `TU_CHOI`.
    #[serde(rename = "trangThai")]
    pub status: String,
    #[serde(rename = "soTienDeNghi", default)]
    pub claimed: Option<String>,
    #[serde(rename = "soTienDuyet", default)]
    pub approved: Option<String>,
    #[serde(rename = "lyDo", default)]
    pub reasons: Vec<String>,
    #[serde(rename = "dsChiTiet", default)]
    pub lines: Vec<OutcomeLine>,
}

pub(crate) fn code_of(v: &Value) -> String {
    match &v["maKetQua"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn message_of(v: &Value) -> String {
    v["thongDiep"].as_str().or(v["ghiChu"].as_str()).unwrap_or_default().to_owned()
}

impl BhxhClient {
    pub fn new(settings: &PortalSettings, profile: Profile, http: reqwest::Client) -> Option<Self> {
        let base = settings.url.as_ref()?.trim_end_matches('/').to_owned();
        Some(BhxhClient {
            http,
            base,
            username: settings.username.clone(),
            password_md5: crate::digest::md5_upper_hex(settings.password.expose()),
            session: Mutex::new(None),
            guard: PortalGuard::new(Destination::Bhxh.as_str(), settings),
            profile,
        })
    }

    /// The dossier endpoint of the profile (`loaiHoSo` stays `130` for both: REGULATORY-2026.md §1.6).
    fn dossier_path(&self) -> &'static str {
        match self.profile {
            Profile::Qd4750 => "/api/qd130/guiHoSoXmlQD4750",
            Profile::Qd3176 => "/api/qd130/guiHoSoXmlQD3176",
        }
    }

    pub fn guard(&self) -> &PortalGuard {
        &self.guard
    }

    /// Logs in ahead of time when the session is close to its expiry, so that no submission
    /// waits for a login (the scheduler calls this).
    pub async fn refresh_session(&self) -> Result<bool, PortalError> {
        let due =
            self.session.lock().await.as_ref().is_none_or(|s| Instant::now() + Duration::from_secs(120) >= s.renew_at);
        if due {
            let s = self.guard.call(|| self.login()).await?;
            *self.session.lock().await = Some(s);
        }
        Ok(due)
    }

    async fn login(&self) -> Result<Session, PortalError> {
        let answer: Value = self
            .http
            .post(format!("{}/api/token/take", self.base))
            .form(&[("username", self.username.as_str()), ("password", self.password_md5.as_str())])
            .send()
            .await?
            .error_for_status()
            .map_err(PortalError::from)?
            .json()
            .await?;
        match code_of(&answer).as_str() {
            "200" => {}
            "401" => return Err(PortalError::Unauthorised(format!("login of {} refused", self.username))),
            other => return Err(PortalError::Transient(format!("login answered maKetQua {other}"))),
        }
        let key = &answer["APIKey"];
        let expires = key["expires_in"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| (t.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64)
            .unwrap_or(300);
        Ok(Session {
            access_token: key["access_token"].as_str().unwrap_or_default().to_owned(),
            id_token: key["id_token"].as_str().unwrap_or_default().to_owned(),
            renew_at: Instant::now() + Duration::from_secs(expires.saturating_sub(60)),
        })
    }

    async fn session(&self, fresh: bool) -> Result<Session, PortalError> {
        let mut guard = self.session.lock().await;
        match &*guard {
            Some(s) if !fresh && Instant::now() < s.renew_at => Ok(s.clone()),
            _ => {
                let s = self.login().await?;
                *guard = Some(s.clone());
                Ok(s)
            }
        }
    }

    /// Posts a form to a `/api/qd130/*` endpoint with header auth; logs in again once on 401.
    async fn post_qd130(&self, path: &str, form: &[(&str, &str)]) -> Result<Value, PortalError> {
        self.post_qd130_body(path, form_body(form, None)).await
    }

    async fn post_qd130_body(&self, path: &str, body: Vec<u8>) -> Result<Value, PortalError> {
        let body = bytes::Bytes::from(body);
        let mut fresh = false;
        loop {
            let s = self.session(fresh).await?;
            let response = self
                .http
                .post(format!("{}{path}", self.base))
                .header("accessToken", &s.access_token)
                .header("tokenId", &s.id_token)
                .header("passwordHash", &self.password_md5)
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Err(PortalError::NotOffered(format!("{path} answered HTTP 404")));
            }
            if transient_status(response.status()) {
                return Err(status_error(path, response.status()));
            }
            let answer: Value = response.json().await?;
            if code_of(&answer) == "401" && !fresh {
                fresh = true;
                continue;
            }
            return Ok(answer);
        }
    }

    /// Submits a `GIAMDINHHS` file (`loaiHoSo` 130) for `facility`.
    pub async fn submit_dossier(&self, facility: &str, xml: &[u8]) -> Result<Receipt, PortalError> {
        self.guard.call(|| self.submit_file(self.dossier_path(), DOSSIER_FILE_TYPE, facility, xml)).await
    }

    /// Submits a check-in, a `CHI_TIEU_TRANG_THAI_KCB` document (`loaiHoSo` 0), for `facility`.
    pub async fn submit_check_in(&self, facility: &str, xml: &[u8]) -> Result<Receipt, PortalError> {
        let path = match self.profile {
            Profile::Qd4750 => "/api/qd130/checkInKcbQd4750",
            Profile::Qd3176 => "/api/qd130/checkInKcbQd3176",
        };
        self.guard.call_in(Lane::CheckIn, || self.submit_file(path, CHECK_IN_FILE_TYPE, facility, xml)).await
    }

    async fn submit_file(&self, path: &str, kind: &str, facility: &str, xml: &[u8]) -> Result<Receipt, PortalError> {
        let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml).to_vec();
        let (username, facility_code, kind) = (self.username.clone(), facility.to_owned(), kind.to_owned());
        // Encoding a file of several MB is CPU work: on the blocking pool, off the runtime thread.
        let body = tokio::task::spawn_blocking(move || {
            let province = facility_code.get(..2).unwrap_or_default();
            let fields = [
                ("username", username.as_str()),
                ("loaiHoSo", kind.as_str()),
                ("maTinh", province),
                ("maCSKCB", &facility_code),
            ];
            form_body(&fields, Some(("fileHSBase64", &xml)))
        })
        .await
        .map_err(|e| PortalError::Transient(format!("the form body was not built: {e}")))?;
        let answer = self.post_qd130_body(path, body).await?;
        submission_answer(&answer)
    }

    /// The appraisal of a transaction: `None` while the portal is still appraising it.
    pub async fn appraisal(
        &self,
        facility: &str,
        transaction: &str,
    ) -> Result<Option<Vec<RecordOutcome>>, PortalError> {
        self.guard.call(|| self.appraisal_unguarded(facility, transaction)).await
    }

    async fn appraisal_unguarded(
        &self,
        facility: &str,
        transaction: &str,
    ) -> Result<Option<Vec<RecordOutcome>>, PortalError> {
        let province = facility.get(..2).unwrap_or_default();
        let answer = self
            .post_qd130(
                "/api/qd130/layKetQuaGiamDinh",
                &[
                    ("username", &self.username),
                    ("maTinh", province),
                    ("maCSKCB", facility),
                    ("maGiaoDich", transaction),
                ],
            )
            .await?;
        if code_of(&answer) != "200" {
            return Err(PortalError::Refused { code: code_of(&answer), message: message_of(&answer) });
        }
        if answer["trangThai"] != "DA_GIAM_DINH" {
            return Ok(None);
        }
        serde_json::from_value(answer["dsHoSo"].clone())
            .map(Some)
            .map_err(|e| PortalError::Transient(format!("unreadable appraisal answer: {e}")))
    }

    /// The errors the portal found in a transaction (`nhanChiTietLoiHS`): (maLoi, moTaLoi).
    pub async fn error_list(&self, facility: &str, transaction: &str) -> Result<Vec<(String, String)>, PortalError> {
        self.guard.call(|| self.error_list_unguarded(facility, transaction)).await
    }

    /// The dossier files the portal received for these `MA_LK` of `facility` (modelled on the
    /// portal's *Danh sách tiếp nhận* screen; see `mocks/README.md`). Asked before sending again a
    /// file whose first sending got no answer.
    pub async fn receipts(&self, facility: &str, episode_keys: &[&str]) -> Result<Vec<ReceiptEntry>, PortalError> {
        self.receipts_of(DOSSIER_FILE_TYPE, Lane::Bulk, facility, episode_keys).await
    }

    /// The check-in files the portal received for these `MA_LK` (`loaiHoSo` 0 on the same
    /// screen); `maBam` is the SHA-256 of the check-in document as received.
    pub async fn check_in_receipts(
        &self,
        facility: &str,
        episode_keys: &[&str],
    ) -> Result<Vec<ReceiptEntry>, PortalError> {
        self.receipts_of(CHECK_IN_FILE_TYPE, Lane::CheckIn, facility, episode_keys).await
    }

    async fn receipts_of(
        &self,
        file_type: &str,
        lane: Lane,
        facility: &str,
        episode_keys: &[&str],
    ) -> Result<Vec<ReceiptEntry>, PortalError> {
        let province = facility.get(..2).unwrap_or_default();
        let mut found = Vec::new();
        for chunk in episode_keys.chunks(RECEIPT_KEYS_PER_QUERY) {
            let keys = chunk.join(";");
            let form = [
                ("username", self.username.as_str()),
                ("maTinh", province),
                ("maCSKCB", facility),
                ("loaiHoSo", file_type),
                ("dsMaLk", &keys),
            ];
            let answer = self.guard.call_in(lane, || self.post_qd130("/api/qd130/layDanhSachTiepNhan", &form)).await?;
            if code_of(&answer) != "200" {
                return Err(PortalError::Refused { code: code_of(&answer), message: message_of(&answer) });
            }
            let rows: Vec<ReceiptEntry> = serde_json::from_value(answer["dsTiepNhan"].clone())
                .map_err(|e| PortalError::Transient(format!("unreadable receipt list: {e}")))?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Looks a card up (`KQNhanLichSuKCB2024`, BHXH-API.md §3.1). Returns the portal's answer
    /// object whatever its `maKetQua`, except an authentication failure, which is retried once
    /// with a fresh session and then reported as [`PortalError::Unauthorised`].
    pub async fn card_lookup(&self, query: &CardQuery) -> Result<Value, PortalError> {
        self.guard.call(|| self.card_lookup_unguarded(query)).await
    }

    async fn card_lookup_unguarded(&self, query: &CardQuery) -> Result<Value, PortalError> {
        let mut fresh = false;
        loop {
            let s = self.session(fresh).await?;
            let response = self
                .http
                .post(format!("{}/api/egw/KQNhanLichSuKCB2024", self.base))
                .query(&[
                    ("token", s.access_token.as_str()),
                    ("id_token", s.id_token.as_str()),
                    ("username", self.username.as_str()),
                    ("password", self.password_md5.as_str()),
                ])
                .json(query)
                .send()
                .await?;
            if transient_status(response.status()) {
                return Err(status_error("KQNhanLichSuKCB2024", response.status()));
            }
            let answer: Value = response.json().await?;
            match code_of(&answer).as_str() {
                "401" if !fresh => fresh = true,
                "401" => return Err(PortalError::Unauthorised(message_of(&answer))),
                _ => return Ok(answer),
            }
        }
    }

    async fn error_list_unguarded(
        &self,
        facility: &str,
        transaction: &str,
    ) -> Result<Vec<(String, String)>, PortalError> {
        let mut fresh = false;
        loop {
            let s = self.session(fresh).await?;
            let response = self
                .http
                .post(format!("{}/api/egw/nhanChiTietLoiHS", self.base))
                .query(&[
                    ("token", s.access_token.as_str()),
                    ("id_token", s.id_token.as_str()),
                    ("username", self.username.as_str()),
                    ("password", self.password_md5.as_str()),
                    ("maCSKCB", facility),
                    ("maGiaoDich", transaction),
                ])
                .send()
                .await?;
            if transient_status(response.status()) {
                return Err(status_error("nhanChiTietLoiHS", response.status()));
            }
            let answer: Value = response.json().await?;
            match code_of(&answer).as_str() {
                "200" => {
                    return Ok(answer["dsLoi"]
                        .as_array()
                        .map(|list| {
                            list.iter()
                                .map(|e| {
                                    (
                                        e["maLoi"].as_str().unwrap_or_default().to_owned(),
                                        e["moTaLoi"].as_str().unwrap_or_default().to_owned(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default());
                }
                "401" if !fresh => fresh = true,
                code => return Err(PortalError::Refused { code: code.to_owned(), message: message_of(&answer) }),
            }
        }
    }
}

/// When a file refused with `1001` may go again at its full size: the end of the busy window it was
/// refused in (20 MB 08–11 h and 14–19 h Monday to Friday, Vietnam time; BHXH-API.md §4.3), or
/// `now` outside those windows.
pub fn large_file_window(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use crate::domain::time::{from_vietnam, to_vietnam};
    use chrono::{Datelike, Timelike, Weekday};
    let local = to_vietnam(now);
    let weekday = !matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    let end_hour = match local.hour() {
        8..=10 if weekday => 11,
        14..=18 if weekday => 19,
        _ => return now,
    };
    from_vietnam(local.date().and_hms_opt(end_hour, 0, 0).expect("a whole hour is a time"))
}

/// What a submission's answer means (`maKetQua`; the codes past 401 are those of the legacy
/// endpoint, BHXH-API.md §4.3, whose use on `/api/qd130/*` is UNCERTAIN).
fn submission_answer(answer: &Value) -> Result<Receipt, PortalError> {
    let message = message_of(answer);
    match code_of(answer).as_str() {
        "200" => Ok(Receipt {
            transaction_id: answer["maGiaoDich"].as_str().unwrap_or_default().to_owned(),
            received_at: answer["thoiGianTiepNhan"].as_str().unwrap_or_default().to_owned(),
            message,
        }),
        "401" => Err(PortalError::Unauthorised(message)),
        "504" => Err(PortalError::Uncertain(message)),
        // 124: the portal could not save the file and asks for it again.
        "500" | "503" | "429" | "124" => Err(PortalError::Transient(message)),
        "1001" => Err(PortalError::TooLarge(message)),
        "701" => Err(PortalError::OutsideSettlementWindow(message)),
        code => Err(PortalError::Refused { code: code.to_owned(), message }),
    }
}

/// An `application/x-www-form-urlencoded` body of `fields`, then `file` as base64, encoded a
/// slice at a time straight into the body: a file of many `HOSO` is never held twice more.
fn form_body(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let file_len = file.map_or(0, |(_, f)| f.len().div_ceil(3) * 4);
    let mut body =
        Vec::with_capacity((fields.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>() + file_len) * 21 / 20);
    let start_field = |body: &mut Vec<u8>, name: &str| {
        if !body.is_empty() {
            body.push(b'&');
        }
        push_form_value(body, name);
        body.push(b'=');
    };
    for (name, value) in fields {
        start_field(&mut body, name);
        push_form_value(&mut body, value);
    }
    if let Some((name, file)) = file {
        start_field(&mut body, name);
        push_base64_form_value(&mut body, file);
    }
    body
}

/// Appends the base64 of `bytes` (standard alphabet, padded) form-urlencoded, in one pass with no
/// intermediate text: letters and digits as they are, `+`, `/` and the padding `=` as `%2B`, `%2F`
/// and `%3D`.
fn push_base64_form_value(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fn push(out: &mut Vec<u8>, sextet: u32) {
        match ALPHABET[(sextet & 63) as usize] {
            b'+' => out.extend_from_slice(b"%2B"),
            b'/' => out.extend_from_slice(b"%2F"),
            c => out.push(c),
        }
    }
    let mut groups = bytes.chunks_exact(3);
    for g in &mut groups {
        let n = u32::from(g[0]) << 16 | u32::from(g[1]) << 8 | u32::from(g[2]);
        for shift in [18, 12, 6, 0] {
            push(out, n >> shift);
        }
    }
    match *groups.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            push(out, n >> 18);
            push(out, n >> 12);
            out.extend_from_slice(b"%3D%3D");
        }
        [a, b] => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            for shift in [18, 12, 6] {
                push(out, n >> shift);
            }
            out.extend_from_slice(b"%3D");
        }
        _ => {}
    }
}

/// Appends `value` form-urlencoded (WHATWG `application/x-www-form-urlencoded`): ASCII letters,
/// digits and `*-._` as they are, space as `+`, every other byte as `%XX`. Written for speed: the
/// base64 of a whole `GIAMDINHHS` file (megabytes) passes through it on every submission.
fn push_form_value(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = value.as_bytes();
    while !rest.is_empty() {
        let plain = rest.iter().position(|b| !is_form_safe(*b)).unwrap_or(rest.len());
        out.extend_from_slice(&rest[..plain]);
        let Some(&b) = rest.get(plain) else { break };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        rest = &rest[plain + 1..];
    }
}

fn is_form_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_')
}

#[cfg(test)]
mod tests {
    use super::{form_body, large_file_window, push_form_value, submission_answer};
    use crate::portal::PortalError;
    use base64::Engine;

    #[test]
    fn a_file_too_large_for_the_hour_waits_for_the_end_of_the_busy_window() {
        let utc = |vn: &str| {
            crate::domain::time::from_vietnam(chrono::NaiveDateTime::parse_from_str(vn, "%Y-%m-%d %H:%M").unwrap())
        };
        // 2026-12-02 is a Wednesday, 2026-12-05 a Saturday.
        assert_eq!(large_file_window(utc("2026-12-02 09:30")), utc("2026-12-02 11:00"));
        assert_eq!(large_file_window(utc("2026-12-02 18:59")), utc("2026-12-02 19:00"));
        assert_eq!(large_file_window(utc("2026-12-02 12:00")), utc("2026-12-02 12:00"));
        assert_eq!(large_file_window(utc("2026-12-05 09:30")), utc("2026-12-05 09:30"));
    }

    #[test]
    fn submission_codes_are_classified() {
        let answer = |code: &str| submission_answer(&serde_json::json!({ "maKetQua": code, "thongDiep": "m" }));
        assert!(answer("200").is_ok());
        assert!(matches!(answer("124"), Err(PortalError::Transient(_))));
        assert!(matches!(answer("1001"), Err(PortalError::TooLarge(_))));
        assert!(matches!(answer("701"), Err(PortalError::OutsideSettlementWindow(_))));
        assert!(matches!(answer("401"), Err(PortalError::Unauthorised(_))));
        assert!(matches!(answer("123"), Err(PortalError::Refused { .. })));
    }

    #[test]
    fn form_values_are_encoded_as_browsers_do() {
        let cases = [
            ("PD94bWw+PC9h/Q==", "PD94bWw%2BPC9h%2FQ%3D%3D"),
            ("83_SYT", "83_SYT"),
            ("Nguyễn Văn An", "Nguy%E1%BB%85n+V%C4%83n+An"),
            ("a&b=c*d-e.f~g", "a%26b%3Dc*d-e.f%7Eg"),
            ("", ""),
        ];
        for (value, expected) in cases {
            let mut out = Vec::new();
            push_form_value(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{value}");
        }
    }

    #[test]
    fn a_file_is_the_form_encoding_of_its_base64() {
        // Lengths 3n, 3n+1 and 3n+2: both paddings are exercised.
        for len in [150_000u32, 150_001, 150_002, 0, 1] {
            let file: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let body = form_body(&[("username", "83_SYT"), ("maTinh", "83")], Some(("fileHSBase64", &file)));
            let body = String::from_utf8(body).unwrap();
            let (fields, encoded) = body.split_once("&fileHSBase64=").unwrap();
            assert_eq!(fields, "username=83_SYT&maTinh=83");
            let mut expected = Vec::new();
            push_form_value(&mut expected, &base64::engine::general_purpose::STANDARD.encode(&file));
            assert_eq!(encoded.as_bytes(), expected, "{len} bytes");
        }
    }
}
