//! QĐ 130/4750 XML: one document per table (XML0 check-in, XML1–XML15) and the `GIAMDINHHS`
//! envelope that carries the tables of many episodes, base64-encoded, to the appraisal portal.
//!
//! Element names and order come from the field specification (`schemas/qd130_4750_fields.csv`);
//! the root, list and record element names from BHYT-FORMATS.md §b.

mod layout;
mod read;
pub mod sign;
pub mod signers;
mod token;
mod write;
pub mod xsd;

pub use layout::{Layout, is_free_text, layout, table_of_kind};
pub use read::{
    DossierError, Header, HosoError, HosoProblem, ReadHoso, ReadNote, TableRead, read_hosos, read_hosos_with_notes,
    read_table_document, scan,
};
pub use write::{
    EnvelopeWriter, check_in_document, envelope, hoso_sha256, remote_signature_verifies, signed_envelope,
    table_document,
};

#[cfg(test)]
mod tests;
