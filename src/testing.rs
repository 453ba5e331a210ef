//! Helpers of the unit tests.

/// Runs an external tool of the tests (xmllint, xmlsec1, openssl, python3). Without it the test
/// says so and passes, unless `HISGATE_TEST_REQUIRE_TOOLS=1` (CI), where a missing tool fails.
pub fn tool(program: &str, args: &[&str], dir: &std::path::Path) -> Option<std::process::Output> {
    match std::process::Command::new(program).args(args).current_dir(dir).output() {
        Ok(out) => Some(out),
        Err(_) if std::env::var("HISGATE_TEST_REQUIRE_TOOLS").as_deref() != Ok("1") => skipped(program),
        Err(e) => panic!("{program} is required (HISGATE_TEST_REQUIRE_TOOLS=1): {e}"),
    }
}

/// Says that a test did not run for want of `what` (or fails under `HISGATE_TEST_REQUIRE_TOOLS=1`).
pub fn skipped<T>(what: &str) -> Option<T> {
    if std::env::var("HISGATE_TEST_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("{what} is required (HISGATE_TEST_REQUIRE_TOOLS=1)");
    }
    use std::io::Write;
    // Straight to stderr: the test harness captures only print! macros.
    let _ = writeln!(std::io::stderr(), "a test did not run: {what} is not installed");
    None
}
