//! Mocks of the national portals hisgate talks to: the BHXH appraisal portal and the Ministry of
//! Health health-data portal. They are adversaries, not yes-men: each parses and checks what it
//! receives with its own code, keeps per-`MA_LK` state, and can inject faults. Beside them, a
//! hospital's HIS taking hisgate's signed callbacks (`his`), checking them as a HIS vendor would.
//!
//! Start one inside a test with [`bhxh::start`] / [`moh::start`] on `127.0.0.1:0`, or standalone
//! with `cargo run -p mocks -- bhxh --port 9001`.

mod admin;
pub mod bhxh;
pub mod dossier;
pub mod faults;
mod form;
pub mod his;
pub mod moh;
pub mod registry;
pub mod server;
pub mod signer;
pub mod tokens;
mod xml;
