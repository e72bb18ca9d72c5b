//! Markdown report (job summary, PR comment body, `--format markdown`).

use super::Report;

pub fn render(r: &Report) -> String {
    let _ = r;
    String::new()
}
