//! Writing detections: an aligned table for people, JSON Lines for programs, CSV for
//! spreadsheets. Every field comes from logs and is attacker-controlled: the table strips
//! terminal control characters and CSV neutralises spreadsheet formulas.

use crate::cli::OutputFormat;
use anyhow::Result;
use std::io::Write;
use vigil_detect::Detection;

/// Removes control characters (including ANSI escape introducers) so log text cannot
/// drive the terminal.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Quotes a CSV cell and defuses values a spreadsheet would run as a formula.
pub fn csv_cell(text: &str) -> String {
    format!(
        "\"{}\"",
        vigil_event::defuse_formula(text).replace('"', "\"\"")
    )
}

/// Terminal-safe text padded or cut (with an ellipsis) to `width` characters.
pub fn clip(text: &str, width: usize) -> String {
    let safe = terminal_safe(text);
    if safe.chars().count() <= width {
        format!("{safe:<width$}")
    } else {
        let cut: String = safe.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

const CSV_HEADER: &str = "timestamp,level,rule_title,rule_id,rule_author,computer,channel,event_id,record_id,file,details";

/// A compact `field=value` summary of the matched event (or correlation group).
fn details(d: &Detection) -> String {
    if let vigil_detect::DetectionKind::Correlation { group, value, .. } = &d.kind {
        let parts: Vec<String> = group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        return format!("count={value} {}", parts.join(" "));
    }
    let Some(event) = &d.event else {
        return String::new();
    };
    const SKIP: [&str; 6] = [
        "Channel",
        "Computer",
        "EventID",
        "EventRecordID",
        "Provider_Guid",
        "TimeCreated",
    ];
    let parts: Vec<String> = event
        .fields()
        .filter(|(name, value)| !SKIP.contains(name) && !value.to_string().is_empty())
        .take(12)
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    parts.join(" ¦ ")
}

/// Writes the detections in the chosen format.
pub fn write(out: &mut dyn Write, detections: &[Detection], format: OutputFormat) -> Result<()> {
    match format {
        OutputFormat::Jsonl | OutputFormat::Json => {
            for d in detections {
                serde_json::to_writer(&mut *out, &d.to_json())?;
                out.write_all(b"\n")?;
            }
        }
        OutputFormat::Csv => {
            writeln!(out, "{CSV_HEADER}")?;
            for d in detections {
                let cells = [
                    d.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    d.level.to_string(),
                    d.rule_title.clone(),
                    d.rule_id.clone(),
                    d.rule_author.clone(),
                    d.computer.clone().unwrap_or_default(),
                    d.channel.clone().unwrap_or_default(),
                    d.event_id.map(|i| i.to_string()).unwrap_or_default(),
                    d.record_id.map(|i| i.to_string()).unwrap_or_default(),
                    d.file.clone().unwrap_or_default(),
                    details(d),
                ];
                let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                writeln!(out, "{}", row.join(","))?;
            }
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{:<24} {:<13} {:<20} {:<7} {:<60} DETAILS",
                "TIMESTAMP", "LEVEL", "COMPUTER", "EVENT", "RULE"
            )?;
            for d in detections {
                let ts = d
                    .timestamp
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
                    .unwrap_or_default();
                let event = d.event_id.map(|i| i.to_string()).unwrap_or_default();
                writeln!(
                    out,
                    "{:<24} {:<13} {} {:<7} {} {}",
                    ts,
                    d.level.as_str(),
                    clip(d.computer.as_deref().unwrap_or(""), 20),
                    event,
                    clip(&d.rule_title, 60),
                    clip(&details(d), 160).trim_end()
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("-2+3"), "\"'-2+3\"");
        assert_eq!(csv_cell("plain"), "\"plain\"");
    }

    #[test]
    fn terminal_text_loses_escapes() {
        assert_eq!(terminal_safe("a\x1b[31mred\x07\nb"), "a [31mred  b");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("ab", 4), "ab  ");
    }
}
