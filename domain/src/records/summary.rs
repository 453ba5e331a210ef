//! Episode summary (XML1, `TONG_HOP`): patient, card, stay, diagnoses and totals.
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Episode summary (XML1, `TONG_HOP`): patient, card, stay, diagnoses and totals.
    pub struct EpisodeSummary: Xml1 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `STT`: sequence number, from 1.
        seq: int = "STT",
        /// `MA_BN`: patient id assigned by the facility.
        patient_id: text = "MA_BN",
        /// `HO_TEN`: full name.
        full_name: text = "HO_TEN",
        /// `SO_CCCD`: citizen-id, old id or passport number.
        citizen_id: text = "SO_CCCD",
        /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
        birth_date: text = "NGAY_SINH",
        /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
        sex: int = "GIOI_TINH",
        /// `NHOM_MAU`: blood group.
        blood_group: text = "NHOM_MAU",
        /// `MA_QUOCTICH`: nationality code.
        nationality_code: text = "MA_QUOCTICH",
        /// `MA_DANTOC`: ethnic-group code.
        ethnicity_code: text = "MA_DANTOC",
        /// `MA_NGHE_NGHIEP`: occupation code.
        occupation_code: text = "MA_NGHE_NGHIEP",
        /// `DIA_CHI`: residence address.
        address: text = "DIA_CHI",
        /// `MATINH_CU_TRU`: province code of residence.
        province_code: text = "MATINH_CU_TRU",
        /// `MAHUYEN_CU_TRU`: district code of residence.
        district_code: text = "MAHUYEN_CU_TRU",
        /// `MAXA_CU_TRU`: commune code of residence.
        commune_code: text = "MAXA_CU_TRU",
        /// `DIEN_THOAI`: contact phone.
        phone: text = "DIEN_THOAI",
        /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
        card_numbers: text = "MA_THE_BHYT",
        /// `MA_DKBD`: registered primary-care facility code(s), parallel to the cards.
        primary_care_facilities: text = "MA_DKBD",
        /// `GT_THE_TU`: card valid-from date(s) `yyyyMMdd`, parallel to the cards.
        card_valid_from: text = "GT_THE_TU",
        /// `GT_THE_DEN`: card valid-to date(s) `yyyyMMdd`, parallel to the cards.
        card_valid_to: text = "GT_THE_DEN",
        /// `NGAY_MIEN_CCT`: co-payment exemption start.
        copay_exempt_from: text = "NGAY_MIEN_CCT",
        /// `LY_DO_VV`: reason for the visit.
        visit_reason: text = "LY_DO_VV",
        /// `LY_DO_VNT`: reason for inpatient admission.
        inpatient_reason: text = "LY_DO_VNT",
        /// `MA_LY_DO_VNT`: inpatient-admission reason code.
        inpatient_reason_code: text = "MA_LY_DO_VNT",
        /// `CHAN_DOAN_VAO`: preliminary diagnosis at intake.
        admission_diagnosis: text = "CHAN_DOAN_VAO",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `MA_BENH_CHINH`: main diagnosis, ICD-10.
        main_icd10: text = "MA_BENH_CHINH",
        /// `MA_BENH_KT`: secondary diagnoses, ICD-10, `;`-separated.
        secondary_icd10: text = "MA_BENH_KT",
        /// `MA_BENH_YHCT`: traditional-medicine disease codes.
        traditional_medicine_codes: text = "MA_BENH_YHCT",
        /// `MA_PTTT_QT`: procedure codes, ICD-9-CM, `;`-separated.
        procedure_icd9: text = "MA_PTTT_QT",
        /// `MA_DOITUONG_KCB`: visit object / route code (1.1, 2, 3.6 …).
        visit_route: text = "MA_DOITUONG_KCB",
        /// `MA_NOI_DI`: referring facility code.
        referred_from: text = "MA_NOI_DI",
        /// `MA_NOI_DEN`: facility transferred to.
        referred_to: text = "MA_NOI_DEN",
        /// `MA_TAI_NAN`: injury code.
        injury_code: int = "MA_TAI_NAN",
        /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
        admitted_at: text = "NGAY_VAO",
        /// `NGAY_VAO_NOI_TRU`: inpatient-admission time `yyyyMMddHHmm`.
        inpatient_admitted_at: text = "NGAY_VAO_NOI_TRU",
        /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
        discharged_at: text = "NGAY_RA",
        /// `GIAY_CHUYEN_TUYEN`: referral letter or re-exam appointment number.
        referral_number: text = "GIAY_CHUYEN_TUYEN",
        /// `SO_NGAY_DTRI`: treatment days.
        treatment_days: int = "SO_NGAY_DTRI",
        /// `PP_DIEU_TRI`: treatment method.
        treatment_method: text = "PP_DIEU_TRI",
        /// `KET_QUA_DTRI`: treatment outcome 1–8.
        outcome: int = "KET_QUA_DTRI",
        /// `MA_LOAI_RV`: discharge type 1–5.
        discharge_type: int = "MA_LOAI_RV",
        /// `GHI_CHU`: note.
        note: text = "GHI_CHU",
        /// `NGAY_TTOAN`: payment time `yyyyMMddHHmm`.
        paid_at: text = "NGAY_TTOAN",
        /// `T_THUOC`: Σ THANH_TIEN_BV of the drug lines.
        total_drugs: money = "T_THUOC",
        /// `T_VTYT`: Σ THANH_TIEN_BV of the supply lines.
        total_supplies: money = "T_VTYT",
        /// `T_TONGCHI_BV`: Σ THANH_TIEN_BV of all lines.
        total_cost_hospital: money = "T_TONGCHI_BV",
        /// `T_TONGCHI_BH`: Σ THANH_TIEN_BH of all lines.
        total_cost_insured: money = "T_TONGCHI_BH",
        /// `T_BNTT`: patient pays, outside the fund scope.
        patient_self_pay: money = "T_BNTT",
        /// `T_BNCCT`: patient co-payment.
        patient_copay: money = "T_BNCCT",
        /// `T_BHTT`: amount claimed from the insurance fund.
        fund_pays: money = "T_BHTT",
        /// `T_NGUONKHAC`: amount from other sources.
        other_sources: money = "T_NGUONKHAC",
        /// `T_BHTT_GDV`: fund amount of fee-for-service lines (MA_PTTT 1).
        fund_pays_fee_for_service: money = "T_BHTT_GDV",
        /// `NAM_QT`: settlement year.
        settlement_year: int = "NAM_QT",
        /// `THANG_QT`: settlement month.
        settlement_month: int = "THANG_QT",
        /// `MA_LOAI_KCB`: visit type 01–09.
        visit_type: text = "MA_LOAI_KCB",
        /// `MA_KHOA`: department code(s), `;`-separated.
        department_codes: text = "MA_KHOA",
        /// `MA_CSKCB`: treating facility code (5 characters).
        facility_code: text = "MA_CSKCB",
        /// `MA_KHUVUC`: living-area code K1/K2/K3.
        living_area: text = "MA_KHUVUC",
        /// `CAN_NANG`: weight in kg.
        weight_kg: text = "CAN_NANG",
        /// `CAN_NANG_CON`: newborn weight(s) in grams.
        newborn_weight_g: text = "CAN_NANG_CON",
        /// `NAM_NAM_LIEN_TUC`: date of five continuous years of coverage `yyyyMMdd`.
        five_years_continuous_from: text = "NAM_NAM_LIEN_TUC",
        /// `NGAY_TAI_KHAM`: re-examination date(s) `yyyyMMdd`, `;`-separated.
        reexam_dates: text = "NGAY_TAI_KHAM",
        /// `MA_HSBA`: medical-record number.
        medical_record_number: text = "MA_HSBA",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
