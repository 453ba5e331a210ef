//! Structure and identity: one MA_LK per episode, lines in the right table, unique line numbers.

use super::Findings;
use crate::domain::Episode;
use crate::domain::records::{FieldValue, Table};
use crate::domain::spec;
use std::collections::HashSet;

/// Cost groups whose lines belong in XML2: drugs (4, 5, 6), blood (7) and blood products (17).
pub(crate) const DRUG_TABLE_GROUPS: &[u32] = &[4, 5, 6, 7, 17];

pub(super) fn check(episode: &Episode, findings: &mut Findings<'_>) {
    episode_key_mismatch(episode, findings);
    facility_code_format(episode.facility_code(), findings);
    cost_group_table(episode, findings);
    line_seq_duplicate("drugs", episode.drugs.iter().map(|l| l.seq), findings);
    line_seq_duplicate("services", episode.services.iter().map(|l| l.seq), findings);
    line_seq_duplicate("paraclinical_results", episode.paraclinical_results.iter().map(|l| l.seq), findings);
    line_seq_duplicate("progress_notes", episode.progress_notes.iter().map(|l| l.seq), findings);
    for (i, c) in episode.check_ins.iter().enumerate() {
        checkin_single_item(i, c, findings);
    }
}

/// Every table's MA_LK is the summary's.
fn episode_key_mismatch(episode: &Episode, findings: &mut Findings<'_>) {
    let key = episode.episode_key();
    episode.for_each_record(&mut |path, record| {
        if record.table() == Table::Xml1 || spec::fields(record.table()).first().is_none_or(|f| f.name != "MA_LK") {
            return;
        }
        let mut first = None;
        record.visit(&mut |v| {
            if first.is_none() {
                first = Some(v);
            }
        });
        if let Some(FieldValue::Text(own)) = first
            && !key.is_empty()
            && own.trim() != key
        {
            findings.add(
                "EPISODE_KEY_MISMATCH",
                format!("{path}.MA_LK"),
                format!("MA_LK must equal the summary's MA_LK `{key}`"),
                Some(own.to_owned()),
            );
        }
    });
}

fn facility_code_format(facility: &str, findings: &mut Findings<'_>) {
    if !facility.is_empty() && (facility.chars().count() != 5 || !facility.chars().all(|c| c.is_ascii_alphanumeric())) {
        findings.add(
            "FACILITY_CODE_FORMAT",
            "summary.MA_CSKCB",
            "MA_CSKCB must be a 5-character facility code",
            Some(facility.to_owned()),
        );
    }
}

/// Drug and blood lines in XML2, every other cost group in XML3.
fn cost_group_table(episode: &Episode, findings: &mut Findings<'_>) {
    for (i, line) in episode.drugs.iter().enumerate() {
        if let Some(group) = line.cost_group.filter(|g| !DRUG_TABLE_GROUPS.contains(g)) {
            findings.add(
                "COST_GROUP_TABLE",
                format!("drugs[{i}].MA_NHOM"),
                "drug lines (XML2) take MA_NHOM 4, 5, 6, 7 or 17; other groups belong in services (XML3)",
                Some(group.to_string()),
            );
        }
    }
    for (i, line) in episode.services.iter().enumerate() {
        if let Some(group) = line.cost_group.filter(|g| DRUG_TABLE_GROUPS.contains(g)) {
            findings.add(
                "COST_GROUP_TABLE",
                format!("services[{i}].MA_NHOM"),
                "MA_NHOM 4, 5, 6, 7 and 17 (drugs, blood) belong in drugs (XML2), not services (XML3)",
                Some(group.to_string()),
            );
        }
    }
}

/// VAL4750: a check-in carries exactly one of `MA_DICH_VU`, `MA_THUOC`, `MA_VAT_TU` (none at all
/// is `FIELD_REQUIRED`, from the field specification's conditions).
pub(super) fn checkin_single_item(i: usize, c: &crate::domain::records::CheckIn, findings: &mut Findings<'_>) {
    let items = [&c.service_code, &c.drug_code, &c.supply_code]
        .iter()
        .filter(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
        .count();
    if items > 1 {
        findings.add(
            "CHECKIN_SINGLE_ITEM",
            format!("check_ins[{i}]"),
            "a check-in carries exactly one of MA_DICH_VU, MA_THUOC, MA_VAT_TU; the other two stay empty",
            None,
        );
    }
}

fn line_seq_duplicate(section: &str, seqs: impl Iterator<Item = Option<u32>>, findings: &mut Findings<'_>) {
    let mut seen = HashSet::new();
    for (i, seq) in seqs.enumerate() {
        if let Some(seq) = seq
            && !seen.insert(seq)
        {
            findings.add(
                "LINE_SEQ_DUPLICATE",
                format!("{section}[{i}].STT"),
                format!("STT {seq} is used by an earlier line of {section}"),
                Some(seq.to_string()),
            );
        }
    }
}
