//! Wire formats of the national portals.

pub mod xml130;
