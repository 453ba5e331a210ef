//! Every system and extension URI hisgate writes and reads (`docs/fhir-mapping.md` lists them).
//!
//! No official FHIR URIs exist yet for the Vietnamese national code sets; hisgate uses URNs in its
//! own namespace so that they are stable and cannot clash with anyone's URLs.

/// Facility code `MA_CSKCB`.
pub const SID_FACILITY: &str = "urn:hisgate:fhir:sid:ma-cskcb";
/// A facility's patient id `MA_BN`: the system is this followed by `:<MA_CSKCB>`, since the id is
/// unique within one facility only.
pub const SID_PATIENT: &str = "urn:hisgate:fhir:sid:ma-bn";
/// Citizen id `SO_CCCD`.
pub const SID_CITIZEN: &str = "urn:hisgate:fhir:sid:cccd";
/// BHYT card number `MA_THE_BHYT`.
pub const SID_CARD: &str = "urn:hisgate:fhir:sid:ma-the-bhyt";
/// The episode key `MA_LK`: the system is this followed by `:<MA_CSKCB>`.
pub const SID_EPISODE: &str = "urn:hisgate:fhir:sid:ma-lk";

/// The identifier system of a facility's own ids (`SID_PATIENT`, `SID_EPISODE`).
pub fn facility_system(base: &str, facility: &str) -> String {
    format!("{base}:{facility}")
}
/// The payor: Vietnam Social Security.
pub const SID_PAYOR: &str = "urn:hisgate:fhir:sid:payor";

pub const CS_VISIT_TYPE: &str = "urn:hisgate:fhir:cs:ma-loai-kcb";
pub const CS_DISCHARGE_TYPE: &str = "urn:hisgate:fhir:cs:ma-loai-rv";
pub const CS_DRUG: &str = "urn:hisgate:fhir:cs:ma-thuoc";
pub const CS_SERVICE: &str = "urn:hisgate:fhir:cs:ma-dich-vu";
pub const CS_SUPPLY: &str = "urn:hisgate:fhir:cs:ma-vat-tu";
pub const CS_COST_GROUP: &str = "urn:hisgate:fhir:cs:ma-nhom";
pub const CS_LAB_INDEX: &str = "urn:hisgate:fhir:cs:ma-chi-so";
/// The QĐ 130 table a resource or a claim item carries (`CHECKIN`, `XML1` … `XML15`).
pub const CS_TABLE: &str = "urn:hisgate:fhir:cs:qd130-table";
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";

/// Extension carrying one QĐ 130 field that has no FHIR element here: `<prefix><TABLE>:<FIELD>`,
/// its wire text as `valueString`.
pub const EXT_FIELD_PREFIX: &str = "urn:hisgate:fhir:qd130:";
/// Extension on a claim item: the table of the line (`XML2` drug, `XML3` service or supply).
pub const EXT_ITEM_TABLE: &str = "urn:hisgate:fhir:qd130-table";
/// The standard extension for a time of birth.
pub const EXT_BIRTH_TIME: &str = "http://hl7.org/fhir/StructureDefinition/patient-birthTime";

pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
pub const PROCESS_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/processpriority";
pub const DIAGNOSIS_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
pub const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
pub const COVERAGE_SELF_PAY: &str = "http://terminology.hl7.org/CodeSystem/coverage-selfpay";
pub const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// Reasons a portal gave, and hisgate's own rule codes, in OperationOutcome and ClaimResponse.
pub const CS_RULE: &str = "urn:hisgate:fhir:cs:rule";
pub const CS_PORTAL_ERROR: &str = "urn:hisgate:fhir:cs:bhxh-error";
pub const CS_CARD_RESULT: &str = "urn:hisgate:fhir:cs:bhxh-card-result";
