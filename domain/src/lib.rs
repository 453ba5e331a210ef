//! The canonical model: one treatment episode (one `MA_LK`) with every table of QĐ 130/4750.
//!
//! The model mirrors the national tables field for field, so nothing a HIS sends is lost on the way
//! to the portals. Rust names are English; the serde names are the official element names.

pub mod card;
pub mod decimal;
pub mod episode;
pub mod personal;
pub mod records;
pub mod spec;
pub mod time;
pub mod violation;

pub use episode::Episode;
