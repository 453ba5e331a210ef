//! Test fixtures: QĐ 130 documents written by hand here (not by the gateway), and HTTP helpers.

use base64::Engine;
use mocks::bhxh::{self, BhxhConfig, BhxhMock};
use mocks::server::md5_upper;
use serde_json::Value;

pub const FACILITY: &str = "83001";
pub const PASSWORD: &str = "hisgate-demo";

pub fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// One drug line: (quantity, unit price) with a 80% benefit level.
pub struct Line {
    pub quantity: u32,
    pub price: u32,
}

/// The XML1 and XML2 documents of a consistent episode.
pub fn tables(ma_lk: &str, facility: &str, lines: &[Line]) -> Vec<(&'static str, String)> {
    let mut drugs = String::new();
    let (mut bv, mut bncct, mut bhtt) = (0u64, 0u64, 0u64);
    for (i, l) in lines.iter().enumerate() {
        let amount = u64::from(l.quantity) * u64::from(l.price);
        let fund = amount * 80 / 100;
        let copay = amount - fund;
        bv += amount;
        bncct += copay;
        bhtt += fund;
        drugs.push_str(&format!(
            "<CHI_TIET_THUOC><MA_LK>{ma_lk}</MA_LK><STT>{}</STT><MA_THUOC>40.152</MA_THUOC><MA_NHOM>4</MA_NHOM>\
             <TEN_THUOC><![CDATA[Paracetamol]]></TEN_THUOC><SO_LUONG>{}.000</SO_LUONG><DON_GIA>{}.000</DON_GIA>\
             <TYLE_TT_BH>100</TYLE_TT_BH><THANH_TIEN_BV>{amount}.00</THANH_TIEN_BV><THANH_TIEN_BH>{amount}.00</THANH_TIEN_BH>\
             <T_NGUONKHAC>0.00</T_NGUONKHAC><MUC_HUONG>80</MUC_HUONG><T_BNTT>0.00</T_BNTT><T_BNCCT>{copay}.00</T_BNCCT>\
             <T_BHTT>{fund}.00</T_BHTT></CHI_TIET_THUOC>",
            i + 1,
            l.quantity,
            l.price
        ));
    }
    let xml1 = format!(
        "<TONG_HOP xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><MA_LK>{ma_lk}</MA_LK><STT>1</STT><MA_BN>BN1</MA_BN>\
         <HO_TEN><![CDATA[Nguyễn Văn An]]></HO_TEN><NGAY_SINH>198501010000</NGAY_SINH><GIOI_TINH>1</GIOI_TINH>\
         <MA_THE_BHYT>HS4830123456789</MA_THE_BHYT><MA_BENH_CHINH>J18.9</MA_BENH_CHINH><NGAY_VAO>202603010800</NGAY_VAO>\
         <NGAY_RA>202603011000</NGAY_RA><T_THUOC>{bv}.00</T_THUOC><T_VTYT>0.00</T_VTYT><T_TONGCHI_BV>{bv}.00</T_TONGCHI_BV>\
         <T_TONGCHI_BH>{bv}.00</T_TONGCHI_BH><T_BNTT>0.00</T_BNTT><T_BNCCT>{bncct}.00</T_BNCCT><T_BHTT>{bhtt}.00</T_BHTT>\
         <T_NGUONKHAC>0.00</T_NGUONKHAC><MA_LOAI_KCB>01</MA_LOAI_KCB><MA_CSKCB>{facility}</MA_CSKCB></TONG_HOP>"
    );
    let xml2 =
        format!("<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>{drugs}</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>");
    vec![("XML1", xml1), ("XML2", xml2)]
}

/// A `GIAMDINHHS` envelope with one `HOSO` per entry of `records`.
pub fn envelope(facility: &str, records: &[Vec<(&str, String)>]) -> String {
    let hosos: String = records
        .iter()
        .map(|tables| {
            let files: String = tables
                .iter()
                .map(|(kind, xml)| {
                    format!("<FILEHOSO><LOAIHOSO>{kind}</LOAIHOSO><NOIDUNGFILE>{}</NOIDUNGFILE></FILEHOSO>", b64(xml))
                })
                .collect();
            format!("<HOSO>{files}</HOSO>")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GIAMDINHHS><THONGTINDONVI><MACSKCB>{facility}</MACSKCB></THONGTINDONVI>\
         <THONGTINHOSO><NGAYLAP>20260301</NGAYLAP><SOLUONGHOSO>{}</SOLUONGHOSO><DANHSACHHOSO>{hosos}</DANHSACHHOSO></THONGTINHOSO>\
         <CHUKYDONVI/></GIAMDINHHS>",
        records.len()
    )
}

pub fn check_in_xml(ma_lk: &str, facility: &str) -> String {
    format!(
        "<CHI_TIEU_TRANG_THAI_KCB><DSACH_TRANG_THAI_KCB><TRANG_THAI_KCB><MA_LK>{ma_lk}</MA_LK><STT>1</STT>\
         <MA_CSKCB>{facility}</MA_CSKCB><MA_DICH_VU>02.1896</MA_DICH_VU><TEN_DICH_VU>Khám Nội</TEN_DICH_VU>\
         </TRANG_THAI_KCB></DSACH_TRANG_THAI_KCB><CHUKYDONVI/></CHI_TIEU_TRANG_THAI_KCB>"
    )
}

/// A logged-in client of the BHXH mock.
pub struct Session {
    pub username: String,
    pub access: String,
    pub id_token: String,
}

pub async fn start_bhxh(config: BhxhConfig) -> BhxhMock {
    bhxh::start(config, "127.0.0.1:0").expect("start BHXH mock")
}

pub async fn login(client: &reqwest::Client, url: &str, username: &str) -> Session {
    let answer: Value = client
        .post(format!("{url}/api/token/take"))
        .form(&[("username", username), ("password", &md5_upper(PASSWORD))])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["maKetQua"], "200", "{answer}");
    Session {
        username: username.to_owned(),
        access: answer["APIKey"]["access_token"].as_str().unwrap().to_owned(),
        id_token: answer["APIKey"]["id_token"].as_str().unwrap().to_owned(),
    }
}

/// Posts `form` to a `/api/qd130/*` endpoint with header auth.
pub async fn qd130_post(client: &reqwest::Client, url: &str, path: &str, s: &Session, form: &[(&str, &str)]) -> Value {
    client
        .post(format!("{url}{path}"))
        .header("accessToken", &s.access)
        .header("tokenId", &s.id_token)
        .header("passwordHash", md5_upper(PASSWORD))
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Posts to a `/api/qd130/*` endpoint with header auth and the submission form.
pub async fn submit(
    client: &reqwest::Client,
    url: &str,
    path: &str,
    s: &Session,
    loai: &str,
    facility: &str,
    file: &str,
) -> Value {
    let form = [
        ("username", s.username.as_str()),
        ("loaiHoSo", loai),
        ("maTinh", &facility[..2]),
        ("maCSKCB", facility),
        ("fileHSBase64", file),
    ];
    qd130_post(client, url, path, s, &form).await
}

/// Query-string auth of `/api/egw/*`.
pub fn egw(url: &str, path: &str, s: &Session, extra: &str) -> String {
    format!(
        "{url}{path}?token={}&id_token={}&username={}&password={}{extra}",
        s.access,
        s.id_token,
        s.username,
        md5_upper(PASSWORD)
    )
}

/// The errors the portal lists for transaction `id` (`nhanChiTietLoiHS`).
pub async fn error_list(client: &reqwest::Client, url: &str, s: &Session, facility: &str, id: &str) -> Value {
    let extra = format!("&maCSKCB={facility}&maGiaoDich={id}");
    client.post(egw(url, "/api/egw/nhanChiTietLoiHS", s, &extra)).send().await.unwrap().json().await.unwrap()
}
