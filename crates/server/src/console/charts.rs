//! Charts drawn by the server as inline SVG, so the console needs no script to show them:
//! [`columns`] (values over time, each column stacked from segments, e.g. alerts per
//! level) and [`bars`] (a ranking, one horizontal bar per item).
//!
//! Charts are built with maud like the pages, so every label (agency names, hosts, rule
//! titles: text that came from logs or users) is escaped. Colours come from classes in
//! the stylesheet (inline styles would break the CSP); each shape carries a `<title>`,
//! which browsers show as a tooltip.

use maud::{html, Markup};

/// Width of the drawing area, in SVG units (the SVG scales to its box).
const WIDTH: f64 = 800.0;
/// Height of a column chart's plot.
const PLOT_HEIGHT: f64 = 140.0;
/// Room under a column chart's plot for the first and last time labels.
const AXIS_HEIGHT: f64 = 18.0;
/// Height of one row of a bar chart.
const ROW_HEIGHT: f64 = 24.0;
/// Where a bar chart's bars start (labels are left of it).
const LABEL_WIDTH: f64 = 300.0;
/// Room right of the longest bar for its value.
const VALUE_WIDTH: f64 = 70.0;
/// The longest label a bar chart shows in full, in characters.
const MAX_LABEL: usize = 40;

/// One part of a column: a value drawn in the colour of `class`.
#[derive(Debug, Clone)]
pub(super) struct Segment {
    /// A stylesheet class giving the fill (e.g. `fill-high`).
    pub class: &'static str,
    pub value: u64,
    /// What the tooltip says about this part (e.g. the level's name).
    pub name: String,
}

/// One column of a [`columns`] chart: its time label and its parts, bottom first.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub label: String,
    pub segments: Vec<Segment>,
}

impl Column {
    /// A column with a single part.
    pub(super) fn single(label: String, class: &'static str, value: u64) -> Column {
        Column {
            label,
            segments: vec![Segment {
                class,
                value,
                name: String::new(),
            }],
        }
    }

    fn total(&self) -> u64 {
        self.segments.iter().map(|s| s.value).sum()
    }
}

/// One item of a [`bars`] chart, with the page it leads to, if any.
#[derive(Debug, Clone)]
pub(super) struct Bar {
    pub label: String,
    pub value: u64,
    pub href: Option<String>,
}

/// A column chart: the columns side by side, stacked from their segments, scaled to
/// the highest total (shown top left); the first and last labels under the axis.
pub(super) fn columns(title: &str, columns: &[Column]) -> Markup {
    let max = columns.iter().map(Column::total).max().unwrap_or(0).max(1);
    let step = WIDTH / columns.len().max(1) as f64;
    let gap = if step > 4.0 { 1.0 } else { 0.0 };
    let height = PLOT_HEIGHT + AXIS_HEIGHT;
    let scale = |value: u64| value as f64 / max as f64 * (PLOT_HEIGHT - 12.0);
    html! {
        svg.chart.columns viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title)
            preserveAspectRatio="none" {
            title { (title) }
            text.axis x="2" y="10" { (max) }
            line.axis x1="0" y1=(PLOT_HEIGHT) x2=(WIDTH) y2=(PLOT_HEIGHT) {}
            @for (i, column) in columns.iter().enumerate().filter(|(_, c)| c.total() > 0) {
                @let x = i as f64 * step;
                g {
                    title { (column.label) ": " (column.total()) }
                    @for (segment, y, h) in stack(column, scale) {
                        rect class=(segment.class) x=(fmt(x)) y=(fmt(y))
                            width=(fmt((step - gap).max(0.5))) height=(fmt(h)) {
                            @if !segment.name.is_empty() {
                                title { (column.label) " · " (segment.name) ": " (segment.value) }
                            }
                        }
                    }
                }
            }
            @if let (Some(first), Some(last)) = (columns.first(), columns.last()) {
                text.axis x="2" y=(height - 4.0) { (first.label) }
                text.axis x=(WIDTH - 2.0) y=(height - 4.0) text-anchor="end" { (last.label) }
            }
        }
    }
}

/// A bar chart: one row per item, its label left, its bar scaled to the largest value,
/// the value after the bar. Long labels are cut (the tooltip has them whole).
pub(super) fn bars(title: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let height = ROW_HEIGHT * bars.len().max(1) as f64;
    html! {
        svg.chart.bars viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title) {
            title { (title) }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = i as f64 * ROW_HEIGHT;
                @let length = (bar.value as f64 / max as f64 * room).max(1.0);
                @let row = html! {
                    title { (bar.label) ": " (bar.value) }
                    text.label x="0" y=(fmt(y + 16.0)) { (clip(&bar.label)) }
                    rect.fill-bar x=(LABEL_WIDTH) y=(fmt(y + 4.0)) width=(fmt(length)) height=(ROW_HEIGHT - 8.0) {}
                    text.value x=(fmt(LABEL_WIDTH + length + 6.0)) y=(fmt(y + 16.0)) { (bar.value) }
                };
                @if let Some(href) = &bar.href {
                    a href=(href) { (row) }
                } @else {
                    g { (row) }
                }
            }
        }
    }
}

/// The non-empty segments of `column` with their top and height, bottom first.
fn stack(column: &Column, scale: impl Fn(u64) -> f64) -> Vec<(&Segment, f64, f64)> {
    let mut top = PLOT_HEIGHT;
    column
        .segments
        .iter()
        .filter(|s| s.value > 0)
        .map(|segment| {
            let height = scale(segment.value);
            top -= height;
            (segment, top, height)
        })
        .collect()
}

/// A coordinate with at most two decimals (smaller pages than full floats).
fn fmt(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `label` cut to [`MAX_LABEL`] characters, with an ellipsis when cut.
fn clip(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(MAX_LABEL - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_stack_their_segments_and_scale_to_the_highest() {
        let segment = |class, value| Segment {
            class,
            value,
            name: class.to_owned(),
        };
        let chart = columns(
            "alerts",
            &[
                Column {
                    label: "08:00".into(),
                    segments: vec![segment("fill-high", 2), segment("fill-low", 2)],
                },
                Column::single("09:00".into(), "fill-high", 1),
                Column::single("10:00".into(), "fill-high", 0),
            ],
        )
        .into_string();
        assert!(chart.starts_with("<svg class=\"chart columns\""), "{chart}");
        assert_eq!(chart.matches("<rect").count(), 3);
        // The highest column (4) fills the plot less the room for its label (128), one
        // part on the other; the column of 1 is a quarter of it.
        assert!(
            chart.contains("y=\"76\" width=\"265.67\" height=\"64\""),
            "{chart}"
        );
        assert!(
            chart.contains("y=\"12\" width=\"265.67\" height=\"64\""),
            "{chart}"
        );
        assert!(
            chart.contains("y=\"108\" width=\"265.67\" height=\"32\""),
            "{chart}"
        );
        assert!(chart.contains(">08:00: 4</title>") && chart.contains(">10:00</text>"));
        // An empty column draws nothing.
        assert!(!chart.contains("10:00: 0"), "{chart}");
    }

    #[test]
    fn bar_labels_are_escaped_and_cut() {
        let hostile = "<script>alert(1)</script>\" onmouseover=\"x";
        let long = "a".repeat(60);
        let chart = bars(
            "top",
            &[
                Bar {
                    label: hostile.into(),
                    value: 10,
                    href: Some("/alerts?agency=x&level=high".into()),
                },
                Bar {
                    label: long.clone(),
                    value: 5,
                    href: None,
                },
            ],
        )
        .into_string();
        assert!(!chart.contains("<script>") && !chart.contains("\" onmouseover"));
        assert!(chart.contains("&lt;script&gt;"));
        assert!(chart.contains("href=\"/alerts?agency=x&amp;level=high\""));
        assert!(chart.contains(&format!("{}…", &long[..MAX_LABEL - 1])));
        assert!(chart.contains(&format!("<title>{long}: 5</title>")));
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(fmt(12.0), "12");
        assert_eq!(fmt(1.0 / 3.0), "0.33");
        assert_eq!(fmt(0.5), "0.5");
    }
}
