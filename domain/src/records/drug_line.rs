//! One drug, blood or blood-product line (XML2, `CHI_TIET_THUOC`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// One drug, blood or blood-product line (XML2, `CHI_TIET_THUOC`).
    pub struct DrugLine: Xml2 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `STT`: sequence number, from 1.
        seq: int = "STT",
        /// `MA_THUOC`: drug (active-ingredient) code.
        drug_code: text = "MA_THUOC",
        /// `MA_PP_CHEBIEN`: herbal processing-method code.
        herbal_processing_code: text = "MA_PP_CHEBIEN",
        /// `MA_CSKCB_THUOC`: origin facility of a transferred drug.
        drug_origin_facility: text = "MA_CSKCB_THUOC",
        /// `MA_NHOM`: cost group (MA_NHOM 1–19).
        cost_group: int = "MA_NHOM",
        /// `TEN_THUOC`: drug name.
        drug_name: text = "TEN_THUOC",
        /// `DON_VI_TINH`: unit.
        unit: text = "DON_VI_TINH",
        /// `HAM_LUONG`: strength.
        strength: text = "HAM_LUONG",
        /// `DUONG_DUNG`: route of administration code.
        route_code: text = "DUONG_DUNG",
        /// `DANG_BAO_CHE`: dosage form.
        dosage_form: text = "DANG_BAO_CHE",
        /// `LIEU_DUNG`: dosage.
        dosage: text = "LIEU_DUNG",
        /// `CACH_DUNG`: prescriber instructions.
        instructions: text = "CACH_DUNG",
        /// `SO_DANG_KY`: registration number.
        registration_number: text = "SO_DANG_KY",
        /// `TT_THAU`: tender information `QĐ;Gnn;Nnn;yyyy`.
        tender_info: text = "TT_THAU",
        /// `PHAM_VI`: scope: 1 in list, 2 outside, 3 outside but paid for army/police.
        coverage_scope: int = "PHAM_VI",
        /// `TYLE_TT_BH`: BHYT payment ratio %.
        insurance_rate_pct: number = "TYLE_TT_BH",
        /// `SO_LUONG`: quantity.
        quantity: price = "SO_LUONG",
        /// `DON_GIA`: unit price.
        unit_price: price = "DON_GIA",
        /// `THANH_TIEN_BV`: line amount at the hospital price.
        amount_hospital: money = "THANH_TIEN_BV",
        /// `THANH_TIEN_BH`: line amount at the insured price.
        amount_insured: money = "THANH_TIEN_BH",
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
        /// `MUC_HUONG`: benefit level % applied.
        benefit_pct: number = "MUC_HUONG",
        /// `T_BNTT`: patient pays, outside the fund scope.
        patient_self_pay: money = "T_BNTT",
        /// `T_BNCCT`: patient co-payment.
        patient_copay: money = "T_BNCCT",
        /// `T_BHTT`: amount claimed from the insurance fund.
        fund_pays: money = "T_BHTT",
        /// `MA_KHOA`: department code(s), `;`-separated.
        department_codes: text = "MA_KHOA",
        /// `MA_BAC_SI`: clinician code(s).
        doctor_codes: text = "MA_BAC_SI",
        /// `MA_DICH_VU`: service code.
        service_code: text = "MA_DICH_VU",
        /// `NGAY_YL`: order time `yyyyMMddHHmm`.
        ordered_at: text = "NGAY_YL",
        /// `NGAY_TH_YL`: execution time `yyyyMMddHHmm`.
        performed_at: text = "NGAY_TH_YL",
        /// `MA_PTTT`: payment method: 1 fee-for-service, 2 capitation, 3 DRG.
        payment_method: int = "MA_PTTT",
        /// `NGUON_CTRA`: funding source 1–4.
        funding_source: int = "NGUON_CTRA",
        /// `VET_THUONG_TP`: `1` for a recurrent war wound.
        war_wound: int = "VET_THUONG_TP",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
