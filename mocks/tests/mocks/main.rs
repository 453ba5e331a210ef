//! The mocks' own tests: each endpoint, each documented error answer, and each fault.

mod support;

mod bhxh;
mod faults;
mod moh;
mod standalone;
