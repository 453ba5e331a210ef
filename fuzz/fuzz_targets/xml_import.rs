#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hisgate_fuzz::xml_import(data));
