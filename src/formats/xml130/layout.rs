//! Where records sit in each table document, and which fields are free text.

use crate::domain::records::Table;

/// Root element, and for list tables the list and record elements (`None`: the fields sit
/// directly under the root, one record per document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub root: &'static str,
    pub list: Option<(&'static str, &'static str)>,
    /// XML0 and XML12 travel alone and carry their own `CHUKYDONVI`.
    pub signed_alone: bool,
}

pub fn layout(table: Table) -> Layout {
    let (root, list, signed_alone) = match table {
        Table::CheckIn => ("CHI_TIEU_TRANG_THAI_KCB", Some(("DSACH_TRANG_THAI_KCB", "TRANG_THAI_KCB")), true),
        Table::Xml1 => ("TONG_HOP", None, false),
        Table::Xml2 => ("CHITIEU_CHITIET_THUOC", Some(("DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC")), false),
        Table::Xml3 => ("CHITIEU_CHITIET_DVKT_VTYT", Some(("DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT")), false),
        Table::Xml4 => ("CHITIEU_CHITIET_DICHVUCANLAMSANG", Some(("DSACH_CHI_TIET_CLS", "CHI_TIET_CLS")), false),
        Table::Xml5 => (
            "CHITIEU_CHITIET_DIENBIENLAMSANG",
            Some(("DSACH_CHI_TIET_DIEN_BIEN_BENH", "CHI_TIET_DIEN_BIEN_BENH")),
            false,
        ),
        Table::Xml6 => (
            "CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS",
            Some(("DSACH_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS", "HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS")),
            false,
        ),
        Table::Xml7 => ("CHI_TIEU_DU_LIEU_GIAY_RA_VIEN", None, false),
        Table::Xml8 => ("CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN", None, false),
        Table::Xml9 => {
            ("CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH", Some(("DSACH_GIAYCHUNGSINH", "DU_LIEU_GIAY_CHUNG_SINH")), false)
        }
        Table::Xml10 => ("CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI", None, false),
        Table::Xml11 => ("CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI", None, false),
        Table::Xml12 => ("CHI_TIEU_GIAM_DINH_YKHOA", Some(("DSACH_GIAM_DINH_YKHOA", "GIAM_DINH_YKHOA")), true),
        Table::Xml13 => ("CHI_TIEU_GIAYCHUYENTUYEN", None, false),
        Table::Xml14 => ("CHI_TIEU_GIAYHEN_KHAMLAI", None, false),
        Table::Xml15 => {
            ("CHI_TIEU_DIEUTRI_BENHLAO", Some(("DSACH_CHITIET_DIEUTRI_BENHLAO", "CHITIET_DIEUTRI_BENHLAO")), false)
        }
    };
    Layout { root, list, signed_alone }
}

/// Free-text fields are written as CDATA, as HIS exports do (BHYT-FORMATS §a); codes, numbers and
/// dates are plain text.
pub fn is_free_text(field: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "HO_TEN",
        "HOTEN",
        "TEN_",
        "DIA_CHI",
        "LY_DO",
        "CHAN_DOAN",
        "PP_",
        "GHI_CHU",
        "DIEN_BIEN",
        "GIAI_DOAN_BENH",
        "HOI_CHAN",
        "PHAU_THUAT",
        "MO_TA",
        "KET_LUAN",
        "QT_BENHLY",
        "TOMTAT",
        "DAU_HIEU",
        "HUONG_DIEU_TRI",
        "LIEU_DUNG",
        "CACH_DUNG",
        "HAM_LUONG",
        "DANG_BAO_CHE",
        "DON_VI",
        "NOI_",
        "NOICAP",
        "NGUYENNHAN",
        "TINH_TRANG_CON",
        "TINH_TRANG_CT",
        "KET_QUA_KHAM",
        "DE_NGHI",
        "DUOC_XACDINH",
        "GIOI_THIEU_CUA",
        "NGHE_NGHIEP",
        "PHUONGTIEN",
        "CHUCDANH",
        "NGUOI_GIAM_HO",
        "NGUOI_DO_DE",
        "NGUOI_GHI_PHIEU",
        "NGUOI_CHU_TRI",
        "DU_PHONG",
    ];
    PREFIXES.iter().any(|p| field.starts_with(p))
}

/// The table of a `LOAIHOSO` value inside `GIAMDINHHS` (XML1–XML15; XML0 and XML12 travel alone).
pub fn table_of_kind(kind: &str) -> Option<Table> {
    Table::ALL.into_iter().find(|t| !layout(*t).signed_alone && t.spec_name() == kind)
}
