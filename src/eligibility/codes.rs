//! The result codes (`maKetQua`) of the BHXH card lookup (BHXH-API.md §3.3), what each means in
//! Vietnamese and English, and what it means for the visit.

use serde::Serialize;
use utoipa::ToSchema;

/// What the reception desk should do with the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The card is good for the visit.
    Yes,
    /// The card is not good for the visit (expired, revoked, reduced, wrong holder data…).
    No,
    /// The portal cannot decide alone: the card is managed elsewhere (defence, public security)
    /// or the child came without one; look at the identity papers.
    CheckDocuments,
}

/// How a code is to be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeClass {
    /// A verdict about the card: answered and cached.
    Answer(Verdict),
    /// Our lookup officer is not registered (054) or not matching (055), or our account is
    /// refused (401): an operator must fix the configuration; nothing is wrong with the card.
    Configuration,
    /// The portal failed (100, 101, 500): try again, or use the last known answer.
    PortalTrouble,
    /// The portal could not read our request (205): a defect on our side.
    Malformed,
}

pub struct Code {
    pub vi: &'static str,
    pub en: &'static str,
    pub class: CodeClass,
}

const fn code(vi: &'static str, en: &'static str, class: CodeClass) -> Code {
    Code { vi, en, class }
}

use CodeClass::{Answer, Configuration, Malformed, PortalTrouble};
use Verdict::{CheckDocuments, No, Yes};

/// The appendix's meaning of `code`; unknown codes are to be checked by hand.
pub fn describe(code_text: &str) -> Code {
    match code_text {
        "000" => code("Thông tin thẻ chính xác", "Card information correct", Answer(Yes)),
        "001" => code(
            "Thẻ do BHXH Bộ Quốc Phòng quản lý, đề nghị kiểm tra thẻ và thông tin giấy tờ tùy thân",
            "Card managed by the Ministry of Defence social insurance: check the card and identity papers",
            Answer(CheckDocuments),
        ),
        "002" => code(
            "Thẻ do BHXH Bộ Công An quản lý, đề nghị kiểm tra thẻ và thông tin giấy tờ tùy thân",
            "Card managed by the Ministry of Public Security social insurance: check the card and identity papers",
            Answer(CheckDocuments),
        ),
        "003" => code(
            "Thẻ cũ hết giá trị sử dụng nhưng đã được cấp thẻ mới",
            "This card has expired; a new card has been issued (use the new card)",
            Answer(No),
        ),
        "004" => code(
            "Thẻ cũ còn giá trị sử dụng nhưng đã được cấp thẻ mới",
            "This card is still valid, but a new card has been issued",
            Answer(Yes),
        ),
        "010" => code("Thẻ hết giá trị sử dụng", "Card expired", Answer(No)),
        "050" => code("Không thấy thông tin thẻ bhyt", "No such health-insurance card", Answer(No)),
        "051" => code("Mã thẻ không đúng", "Card number wrong", Answer(No)),
        "052" => code(
            "Mã tỉnh cấp thẻ (kí tự thứ 4,5 của mã thẻ) không đúng",
            "Province code (characters 4-5) wrong",
            Answer(No),
        ),
        "053" => {
            code("Mã quyền lợi thẻ (kí tự thứ 3 của mã thẻ) không đúng", "Benefit code (character 3) wrong", Answer(No))
        }
        "054" => code(
            "CCCD của cán bộ tra cứu không có trong danh sách người dùng đã đăng ký của cơ sở KCB",
            "The lookup officer's citizen id is not registered for this facility with BHXH (gateway configuration)",
            Configuration,
        ),
        "055" => code(
            "Họ tên cán bộ tra cứu không đúng với CCCD",
            "The lookup officer's name does not match the registered citizen id (gateway configuration)",
            Configuration,
        ),
        "060" => code("Thẻ sai họ tên", "Name does not match the card", Answer(No)),
        "061" => {
            code("Thẻ sai họ tên (đúng ký tự đầu)", "Name does not match the card (first letter right)", Answer(No))
        }
        "070" => code("Thẻ sai ngày sinh", "Birth date does not match the card", Answer(No)),
        "100" => code("Lỗi khi lấy dữ liệu sổ thẻ", "The portal could not read its card registry", PortalTrouble),
        "101" | "500" => code("Lỗi server", "Portal server error", PortalTrouble),
        "110" => code("Thẻ đã thu hồi", "Card revoked", Answer(No)),
        "120" => code("Thẻ đã báo giảm", "Card reported reduced (no longer covered)", Answer(No)),
        "121" => code(
            "Thẻ đã báo giảm. Giảm chuyển ngoại tỉnh",
            "Card reduced: holder moved to another province",
            Answer(No),
        ),
        "122" => {
            code("Thẻ đã báo giảm. Giảm chuyển nội tỉnh", "Card reduced: holder moved within the province", Answer(No))
        }
        "123" => code(
            "Thẻ đã báo giảm. Do tăng lại cùng đơn vị",
            "Card reduced: re-registered with the same unit",
            Answer(No),
        ),
        "124" => code("Thẻ đã báo giảm. Ngừng tham gia", "Card reduced: stopped participating", Answer(No)),
        "130" => code(
            "Trẻ em không xuất trình thẻ",
            "Child without a card: check the birth certificate or other papers",
            Answer(CheckDocuments),
        ),
        "205" => code("Lỗi sai định dạng tham số", "The portal could not read the request", Malformed),
        "401" => code("Lỗi xác thực tài khoản", "The portal refused the gateway's account", Configuration),
        _ => code("Mã kết quả không xác định", "Unknown result code: check the card by hand", Answer(CheckDocuments)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_appendix_code_has_both_languages_and_a_class() {
        let codes = [
            "000", "001", "002", "003", "004", "010", "050", "051", "052", "053", "054", "055", "060", "061", "070",
            "100", "101", "110", "120", "121", "122", "123", "124", "130", "205", "401", "500",
        ];
        for c in codes {
            let d = describe(c);
            assert!(!d.vi.is_empty() && !d.en.is_empty(), "{c}");
            assert_ne!(d.en, describe("999").en, "{c} is known");
        }
        // QLBV's `hein_card_invalid` list: all of these must say no, or ask for papers (130).
        for c in
            ["003", "010", "050", "051", "052", "053", "060", "061", "070", "110", "120", "121", "122", "123", "124"]
        {
            assert_eq!(describe(c).class, Answer(No), "{c}");
        }
        assert_eq!(describe("054").class, Configuration);
        assert_eq!(describe("055").class, Configuration);
    }
}
