//! One service, examination, bed, supply or transport line (XML3, `CHI_TIET_DVKT`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// One service, examination, bed, supply or transport line (XML3, `CHI_TIET_DVKT`).
    pub struct ServiceLine: Xml3 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `STT`: sequence number, from 1.
        seq: int = "STT",
        /// `MA_DICH_VU`: service code.
        service_code: text = "MA_DICH_VU",
        /// `MA_PTTT_QT`: procedure codes, ICD-9-CM, `;`-separated.
        procedure_icd9: text = "MA_PTTT_QT",
        /// `MA_VAT_TU`: medical-supply code.
        supply_code: text = "MA_VAT_TU",
        /// `MA_NHOM`: cost group (MA_NHOM 1–19).
        cost_group: int = "MA_NHOM",
        /// `GOI_VTYT`: supply package G1, G2 ….
        supply_package: text = "GOI_VTYT",
        /// `TEN_VAT_TU`: medical-supply name.
        supply_name: text = "TEN_VAT_TU",
        /// `TEN_DICH_VU`: service name.
        service_name: text = "TEN_DICH_VU",
        /// `MA_XANG_DAU`: fuel-type code for transport.
        fuel_code: text = "MA_XANG_DAU",
        /// `DON_VI_TINH`: unit.
        unit: text = "DON_VI_TINH",
        /// `PHAM_VI`: scope: 1 in list, 2 outside, 3 outside but paid for army/police.
        coverage_scope: int = "PHAM_VI",
        /// `SO_LUONG`: quantity.
        quantity: price = "SO_LUONG",
        /// `DON_GIA_BV`: hospital unit price.
        unit_price_hospital: price = "DON_GIA_BV",
        /// `DON_GIA_BH`: insured unit price.
        unit_price_insured: price = "DON_GIA_BH",
        /// `TT_THAU`: tender information `QĐ;Gnn;Nnn;yyyy`.
        tender_info: text = "TT_THAU",
        /// `TYLE_TT_DV`: special-case service ratio %.
        service_rate_pct: number = "TYLE_TT_DV",
        /// `TYLE_TT_BH`: BHYT payment ratio %.
        insurance_rate_pct: number = "TYLE_TT_BH",
        /// `THANH_TIEN_BV`: line amount at the hospital price.
        amount_hospital: money = "THANH_TIEN_BV",
        /// `THANH_TIEN_BH`: line amount at the insured price.
        amount_insured: money = "THANH_TIEN_BH",
        /// `T_TRANTT`: payment ceiling of a supply package.
        payment_ceiling: money = "T_TRANTT",
        /// `MUC_HUONG`: benefit level % applied.
        benefit_pct: number = "MUC_HUONG",
        /// `T_NGUONKHAC_NSNN`: support from the state budget.
        other_state_budget: money = "T_NGUONKHAC_NSNN",
        /// `T_NGUONKHAC_VTNN`: support from foreign aid.
        other_foreign_aid: money = "T_NGUONKHAC_VTNN",
        /// `T_NGUONKHAC_VTTN`: support from domestic aid.
        other_domestic_aid: money = "T_NGUONKHAC_VTTN",
        /// `T_NGUONKHAC_CL`: support from other sources.
        other_remaining: money = "T_NGUONKHAC_CL",
        /// `T_NGUONKHAC`: amount from other sources.
        other_sources: money = "T_NGUONKHAC",
        /// `T_BNTT`: patient pays, outside the fund scope.
        patient_self_pay: money = "T_BNTT",
        /// `T_BNCCT`: patient co-payment.
        patient_copay: money = "T_BNCCT",
        /// `T_BHTT`: amount claimed from the insurance fund.
        fund_pays: money = "T_BHTT",
        /// `MA_KHOA`: department code(s), `;`-separated.
        department_codes: text = "MA_KHOA",
        /// `MA_GIUONG`: bed code(s).
        bed_codes: text = "MA_GIUONG",
        /// `MA_BAC_SI`: clinician code(s).
        doctor_codes: text = "MA_BAC_SI",
        /// `NGUOI_THUC_HIEN`: performing staff code(s).
        performer_codes: text = "NGUOI_THUC_HIEN",
        /// `MA_BENH`: ICD-10 codes justifying the line.
        icd10_codes: text = "MA_BENH",
        /// `MA_BENH_YHCT`: traditional-medicine disease codes.
        traditional_medicine_codes: text = "MA_BENH_YHCT",
        /// `NGAY_YL`: order time `yyyyMMddHHmm`.
        ordered_at: text = "NGAY_YL",
        /// `NGAY_TH_YL`: execution time `yyyyMMddHHmm`.
        performed_at: text = "NGAY_TH_YL",
        /// `NGAY_KQ`: result time `yyyyMMddHHmm`.
        result_at: text = "NGAY_KQ",
        /// `MA_PTTT`: payment method: 1 fee-for-service, 2 capitation, 3 DRG.
        payment_method: int = "MA_PTTT",
        /// `VET_THUONG_TP`: `1` for a recurrent war wound.
        war_wound: int = "VET_THUONG_TP",
        /// `PP_VO_CAM`: anaesthesia 1–4.
        anaesthesia: int = "PP_VO_CAM",
        /// `VI_TRI_TH_DVKT`: body-site code.
        body_site: int = "VI_TRI_TH_DVKT",
        /// `MA_MAY`: machine code(s).
        machine_codes: text = "MA_MAY",
        /// `MA_HIEU_SP`: product model or serial.
        product_model: text = "MA_HIEU_SP",
        /// `TAI_SU_DUNG`: `1` for a reused supply.
        reused: int = "TAI_SU_DUNG",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
