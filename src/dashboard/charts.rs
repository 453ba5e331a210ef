//! Inline SVG charts: drawn on the server, no script and no outside asset.

use super::html::{Lang, escape};
use std::fmt::Write;

const BAR: &str = "#1f78b4";

/// Vertical bars over time (one per day, week or month), with the largest value on the axis and
/// the first and last labels under it.
pub fn columns(lang: Lang, caption: &str, points: &[(String, u64)]) -> String {
    let (width, height, left, bottom) = (720.0_f64, 180.0_f64, 44.0_f64, 20.0_f64);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let plot_w = width - left - 4.0;
    let plot_h = height - bottom - 8.0;
    let slot = plot_w / points.len().max(1) as f64;
    let mut out = format!(
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\n",
        escape(caption)
    );
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"8\" x2=\"{left}\" y2=\"{y}\" stroke=\"#8a96a3\"/>\
<line x1=\"{left}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\" stroke=\"#8a96a3\"/>\
<text x=\"{tx}\" y=\"16\" text-anchor=\"end\">{max_label}</text><text x=\"{tx}\" y=\"{y}\" text-anchor=\"end\">0</text>",
        y = 8.0 + plot_h,
        r = width - 4.0,
        tx = left - 4.0,
        max_label = lang.number(max),
    );
    for (i, (label, value)) in points.iter().enumerate() {
        let h = plot_h * *value as f64 / max as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{BAR}\"><title>{}: {}</title></rect>",
            left + slot * i as f64 + slot * 0.1,
            8.0 + plot_h - h,
            (slot * 0.8).max(0.5),
            h,
            escape(label),
            lang.number(*value)
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = writeln!(
            out,
            "<text x=\"{left}\" y=\"{y}\">{}</text><text x=\"{}\" y=\"{y}\" text-anchor=\"end\">{}</text>",
            escape(&first.0),
            width - 4.0,
            escape(&last.0),
            y = height - 4.0
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Horizontal bars, one per named value, each with its value at the end.
pub fn bars(lang: Lang, caption: &str, items: &[(String, u64)]) -> String {
    let (width, row, label_w) = (560.0_f64, 22.0_f64, 220.0_f64);
    let height = row * items.len().max(1) as f64 + 4.0;
    let max = items.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let plot_w = width - label_w - 70.0;
    let mut out = format!(
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\n",
        escape(caption)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = row * i as f64 + 2.0;
        let w = plot_w * *value as f64 / max as f64;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{BAR}\"><title>{}: {}</title></rect>\
<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            escape(&shorten(label, 34)),
            y + 3.0,
            row - 6.0,
            escape(label),
            lang.number(*value),
            label_w + w + 6.0,
            y + 14.0,
            lang.number(*value)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(chars - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = bars(Lang::En, "funnel", &[("a<b".into(), 10), ("c".into(), 5)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("a&lt;b"));
        assert!(svg.contains("width=\"270.0\"") && svg.contains("width=\"135.0\""), "{svg}");
    }

    #[test]
    fn columns_label_both_ends() {
        let svg = columns(Lang::Vi, "volume", &[("2026-11-01".into(), 3), ("2026-11-02".into(), 1200)]);
        assert!(svg.contains(">2026-11-01</text>") && svg.contains(">2026-11-02</text>"));
        assert!(svg.contains(">1.200</text>"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2);
    }
}
