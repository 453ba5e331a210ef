//! CSV cells that a spreadsheet opens as text, never as a formula.

use std::borrow::Cow;

/// `cell` made safe to open in a spreadsheet: a text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula (CSV injection), so it gets a leading `'`, which
/// spreadsheets show as text; a number (`-5.00`) stays as it is.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay() {
        assert_eq!(spreadsheet_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(spreadsheet_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_cell("+84 912"), "'+84 912");
        assert_eq!(spreadsheet_cell("-5.00"), "-5.00");
        assert_eq!(spreadsheet_cell("Trạm Y tế"), "Trạm Y tế");
    }
}
