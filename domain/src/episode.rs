//! One treatment episode (one `MA_LK`): the unit a HIS sends, hisgate stores and the portals receive.

use super::records::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// A treatment episode with every QĐ 130/4750 table it has data for.
///
/// The JSON form of this struct is the native ingest format: sections have English names, the
/// fields inside keep their official names (`MA_LK`, `T_BHTT` …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    /// XML0: check-in status messages, if the HIS sends them with the episode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_ins: Vec<CheckIn>,
    /// XML1.
    pub summary: EpisodeSummary,
    /// XML2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drugs: Vec<DrugLine>,
    /// XML3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceLine>,
    /// XML4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paraclinical_results: Vec<ParaclinicalResult>,
    /// XML5.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress_notes: Vec<ProgressNote>,
    /// XML6.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hiv_care: Vec<HivCareRecord>,
    /// XML7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge_certificate: Option<DischargeCertificate>,
    /// XML8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_summary: Option<MedicalRecordSummary>,
    /// XML9.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub birth_certificates: Vec<BirthCertificate>,
    /// XML10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pregnancy_leave: Option<PregnancyLeaveCertificate>,
    /// XML11.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sick_leave: Option<SickLeaveCertificate>,
    /// XML13.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_letter: Option<ReferralLetter>,
    /// XML14.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reexam_appointment: Option<ReexamAppointment>,
    /// XML15.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tuberculosis: Vec<TuberculosisTreatment>,
}

/// Where a record sits inside an episode, for error paths such as `drugs[3].MA_THUOC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPath {
    pub section: &'static str,
    pub index: Option<usize>,
}

impl std::fmt::Display for RecordPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => write!(f, "{}[{i}]", self.section),
            None => f.write_str(self.section),
        }
    }
}

impl Episode {
    /// `MA_LK`, trimmed; empty when the HIS did not send one.
    pub fn episode_key(&self) -> &str {
        self.summary.episode_key.as_deref().unwrap_or_default().trim()
    }

    /// `MA_CSKCB` of the summary: the facility the episode belongs to.
    pub fn facility_code(&self) -> &str {
        self.summary.facility_code.as_deref().unwrap_or_default().trim()
    }

    /// Whether the episode has content in `table`.
    pub fn has(&self, table: Table) -> bool {
        match table {
            Table::CheckIn => !self.check_ins.is_empty(),
            Table::Xml1 => true,
            Table::Xml12 => false,
            Table::Xml2 => !self.drugs.is_empty(),
            Table::Xml3 => !self.services.is_empty(),
            Table::Xml4 => !self.paraclinical_results.is_empty(),
            Table::Xml5 => !self.progress_notes.is_empty(),
            Table::Xml6 => !self.hiv_care.is_empty(),
            Table::Xml7 => self.discharge_certificate.is_some(),
            Table::Xml8 => self.record_summary.is_some(),
            Table::Xml9 => !self.birth_certificates.is_empty(),
            Table::Xml10 => self.pregnancy_leave.is_some(),
            Table::Xml11 => self.sick_leave.is_some(),
            Table::Xml13 => self.referral_letter.is_some(),
            Table::Xml14 => self.reexam_appointment.is_some(),
            Table::Xml15 => !self.tuberculosis.is_empty(),
        }
    }

    /// Empties the tables of `tables` (not XML1, which the episode cannot be without); the ones that
    /// had content.
    pub fn withhold(&mut self, tables: &[Table]) -> Vec<Table> {
        let mut withheld = Vec::new();
        for &table in tables {
            let had = match table {
                Table::CheckIn => !std::mem::take(&mut self.check_ins).is_empty(),
                Table::Xml1 | Table::Xml12 => false,
                Table::Xml2 => !std::mem::take(&mut self.drugs).is_empty(),
                Table::Xml3 => !std::mem::take(&mut self.services).is_empty(),
                Table::Xml4 => !std::mem::take(&mut self.paraclinical_results).is_empty(),
                Table::Xml5 => !std::mem::take(&mut self.progress_notes).is_empty(),
                Table::Xml6 => !std::mem::take(&mut self.hiv_care).is_empty(),
                Table::Xml7 => self.discharge_certificate.take().is_some(),
                Table::Xml8 => self.record_summary.take().is_some(),
                Table::Xml9 => !std::mem::take(&mut self.birth_certificates).is_empty(),
                Table::Xml10 => self.pregnancy_leave.take().is_some(),
                Table::Xml11 => self.sick_leave.take().is_some(),
                Table::Xml13 => self.referral_letter.take().is_some(),
                Table::Xml14 => self.reexam_appointment.take().is_some(),
                Table::Xml15 => !std::mem::take(&mut self.tuberculosis).is_empty(),
            };
            if had {
                withheld.push(table);
            }
        }
        withheld
    }

    /// Visits every record with its path, summary first, then the tables in order.
    pub fn for_each_record(&self, f: &mut dyn FnMut(RecordPath, &dyn Record)) {
        fn list<R: Record>(f: &mut dyn FnMut(RecordPath, &dyn Record), section: &'static str, items: &[R]) {
            for (i, r) in items.iter().enumerate() {
                f(RecordPath { section, index: Some(i) }, r);
            }
        }
        fn one<R: Record>(f: &mut dyn FnMut(RecordPath, &dyn Record), section: &'static str, item: &Option<R>) {
            if let Some(r) = item {
                f(RecordPath { section, index: None }, r);
            }
        }
        list(f, "check_ins", &self.check_ins);
        f(RecordPath { section: "summary", index: None }, &self.summary);
        list(f, "drugs", &self.drugs);
        list(f, "services", &self.services);
        list(f, "paraclinical_results", &self.paraclinical_results);
        list(f, "progress_notes", &self.progress_notes);
        list(f, "hiv_care", &self.hiv_care);
        one(f, "discharge_certificate", &self.discharge_certificate);
        one(f, "record_summary", &self.record_summary);
        list(f, "birth_certificates", &self.birth_certificates);
        one(f, "pregnancy_leave", &self.pregnancy_leave);
        one(f, "sick_leave", &self.sick_leave);
        one(f, "referral_letter", &self.referral_letter);
        one(f, "reexam_appointment", &self.reexam_appointment);
        list(f, "tuberculosis", &self.tuberculosis);
    }

    /// SHA-256 of the canonical JSON: equal for equal content, whatever the sender's formatting
    /// (key order, whitespace, `150000` vs `150000.00`).
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("an episode always serialises");
        Self::content_hash_of(&json)
    }

    /// [`Episode::content_hash`] of the episode's JSON (`serde_json::to_string` of it), for a
    /// caller that has serialised it already.
    pub fn content_hash_of(json: &[u8]) -> String {
        hex::encode(Sha256::digest(json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_formatting_but_not_content() {
        let a: Episode = serde_json::from_str(r#"{"summary":{"MA_LK":"A1","T_BHTT":150000}}"#).unwrap();
        let b: Episode = serde_json::from_str(r#"{ "summary" : { "T_BHTT" : "150000.00", "MA_LK" : "A1" } }"#).unwrap();
        let c: Episode = serde_json::from_str(r#"{"summary":{"MA_LK":"A1","T_BHTT":150000.01}}"#).unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        assert_ne!(a.content_hash(), c.content_hash());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(Episode::content_hash_of(json.as_bytes()), a.content_hash(), "the store digests what it stores");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<Episode>(r#"{"summary":{"MA_LKK":"A1"}}"#).unwrap_err();
        assert!(err.to_string().contains("MA_LKK"), "{err}");
    }

    #[test]
    fn records_are_visited_with_their_paths() {
        let e: Episode = serde_json::from_str(
            r#"{"summary":{"MA_LK":"A1"},"drugs":[{"MA_LK":"A1"},{"MA_LK":"A1"}],"discharge_certificate":{}}"#,
        )
        .unwrap();
        let mut paths = vec![];
        e.for_each_record(&mut |p, r| paths.push((p.to_string(), r.table())));
        assert_eq!(
            paths,
            vec![
                ("summary".to_owned(), Table::Xml1),
                ("drugs[0]".to_owned(), Table::Xml2),
                ("drugs[1]".to_owned(), Table::Xml2),
                ("discharge_certificate".to_owned(), Table::Xml7),
            ]
        );
    }
}
