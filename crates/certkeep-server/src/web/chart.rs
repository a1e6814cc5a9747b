//! Charts drawn on the server as SVG geometry (the template writes the elements), so they
//! work without JavaScript, keep the CSP strict (colours are classes, no inline style) and can
//! be tested. Each bar has a `<title>` and the chart a text summary for screen readers.

use certkeep_engine::dashboard::{ExpiryTimeline, week_start};
use time::OffsetDateTime;

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 240;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

pub struct Rect {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    /// `s0` … `s5`: the series' colour.
    pub class: String,
    pub title: String,
}

pub struct Label {
    pub x: String,
    pub y: String,
    pub text: String,
}

pub struct LegendItem {
    pub class: String,
    pub label: String,
    pub total: u64,
}

/// A stacked weekly bar chart of a timeline.
pub struct TimelineChart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Rect>,
    pub y_ticks: Vec<Label>,
    pub grid: Vec<String>,
    pub x_labels: Vec<Label>,
    pub legend: Vec<LegendItem>,
    pub total: u64,
    pub summary: String,
    pub axis_y: String,
    pub axis_x1: String,
    pub axis_x2: String,
}

/// A round number at or above `n` for the top of the scale (1, 2, 5 × 10^k).
fn nice_ceiling(n: u64) -> u64 {
    if n <= 5 {
        return n.max(1);
    }
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= n {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// Whole-number ticks that divide `top` (a [`nice_ceiling`]): at most six of them.
fn tick_step(top: u64) -> u64 {
    if top <= 5 {
        1
    } else if top.is_multiple_of(5) {
        top / 5
    } else {
        top / 4
    }
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

fn day(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .map(|d| format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .unwrap_or_default()
}

pub fn timeline(t: &ExpiryTimeline) -> TimelineChart {
    let weeks = t.weeks as usize;
    let totals: Vec<u64> = (0..weeks).map(|w| t.week_total(w)).collect();
    let top = nice_ceiling(totals.iter().copied().max().unwrap_or(0));
    let plot_w = f64::from(WIDTH) - LEFT - RIGHT;
    let plot_h = f64::from(HEIGHT) - TOP - BOTTOM;
    let slot = plot_w / weeks.max(1) as f64;
    let bar_w = (slot * 0.8).max(1.0);
    let scale = plot_h / top as f64;
    let base = TOP + plot_h;
    let mut bars = Vec::new();
    for (w, _) in totals.iter().enumerate() {
        let mut y = base;
        let from = week_start(t.start.0, w as u32);
        for (i, s) in t.series.iter().enumerate() {
            let n = s.counts[w];
            if n == 0 {
                continue;
            }
            let h = n as f64 * scale;
            y -= h;
            bars.push(Rect {
                x: px(LEFT + w as f64 * slot + (slot - bar_w) / 2.0),
                y: px(y),
                w: px(bar_w),
                h: px(h.max(0.5)),
                class: format!("s{}", i.min(5)),
                title: format!("week of {}: {n} in {}", day(from), s.label),
            });
        }
    }
    let step = tick_step(top);
    let ticks: Vec<u64> = (0..=top / step).map(|k| k * step).collect();
    let y_ticks = ticks
        .iter()
        .map(|&v| Label {
            x: px(LEFT - 6.0),
            y: px(base - v as f64 * scale + 4.0),
            text: v.to_string(),
        })
        .collect::<Vec<_>>();
    let grid = ticks
        .iter()
        .skip(1)
        .map(|&v| px(base - v as f64 * scale))
        .collect();
    // A label at the first week of each month.
    let mut x_labels = Vec::new();
    let mut last_month = None;
    for w in 0..weeks {
        let Ok(d) = OffsetDateTime::from_unix_timestamp(week_start(t.start.0, w as u32)) else {
            continue;
        };
        if last_month != Some(d.month()) {
            last_month = Some(d.month());
            if w + 2 < weeks {
                x_labels.push(Label {
                    x: px(LEFT + w as f64 * slot),
                    y: px(base + 16.0),
                    // "Jan 2027" at a year's start (and first), else "Feb".
                    text: if x_labels.is_empty() || d.month() == time::Month::January {
                        format!("{} {}", &d.month().to_string()[..3], d.year())
                    } else {
                        d.month().to_string()[..3].to_string()
                    },
                });
            }
        }
    }
    let total: u64 = totals.iter().sum();
    let legend = t
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendItem {
            class: format!("s{}", i.min(5)),
            label: s.label.clone(),
            total: s.total,
        })
        .collect();
    let busiest = totals
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| **n)
        .filter(|(_, n)| **n > 0)
        .map(|(w, n)| {
            format!(
                "; the busiest week starts {} with {n}",
                day(week_start(t.start.0, w as u32))
            )
        })
        .unwrap_or_default();
    TimelineChart {
        width: WIDTH,
        height: HEIGHT,
        bars,
        y_ticks,
        grid,
        x_labels,
        legend,
        total,
        summary: format!("{total} certificates expire in the next {weeks} weeks{busiest}."),
        axis_y: px(base),
        axis_x1: px(LEFT),
        axis_x2: px(f64::from(WIDTH) - RIGHT),
    }
}

/// One bar per version, from notBefore to notAfter, on a shared time axis.
pub struct VersionChart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Rect>,
    pub labels: Vec<Label>,
    pub now_x: Option<String>,
    pub axis: Vec<Label>,
}

pub fn versions(list: &[certkeep_engine::views::CertificateView], chosen: &str) -> VersionChart {
    const ROW: f64 = 22.0;
    const LABEL_W: f64 = 150.0;
    let width = WIDTH;
    let height = (list.len() as f64 * ROW + 30.0) as u32;
    let from = list.iter().map(|c| c.not_before.0).min().unwrap_or(0);
    let to = list
        .iter()
        .map(|c| c.not_after.0)
        .max()
        .unwrap_or(1)
        .max(from + 1);
    let plot_w = f64::from(width) - LABEL_W - RIGHT;
    let x = |t: i64| LABEL_W + (t - from) as f64 / (to - from) as f64 * plot_w;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let class = if c.version == chosen {
            "s0"
        } else if c.current {
            "s1"
        } else {
            "s5"
        };
        bars.push(Rect {
            x: px(x(c.not_before.0)),
            y: px(y),
            w: px((x(c.not_after.0) - x(c.not_before.0)).max(2.0)),
            h: px(ROW - 6.0),
            class: class.into(),
            title: format!(
                "version {}: {} to {}{}",
                c.version,
                day(c.not_before.0),
                day(c.not_after.0),
                if c.current { " (current)" } else { "" }
            ),
        });
        labels.push(Label {
            x: "0".into(),
            y: px(y + ROW - 10.0),
            text: c.version.chars().take(12).collect(),
        });
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let axis_y = px(list.len() as f64 * ROW + 20.0);
    VersionChart {
        width,
        height,
        bars,
        labels,
        now_x: (from..=to).contains(&now).then(|| px(x(now))),
        axis: vec![
            Label {
                x: px(LABEL_W),
                y: axis_y.clone(),
                text: day(from),
            },
            Label {
                x: px(f64::from(width) - RIGHT),
                y: axis_y,
                text: day(to),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use certkeep_engine::dashboard::{TimelineSeries, TimelineSplit};

    use super::*;

    fn timeline_of(series: Vec<Vec<u64>>) -> ExpiryTimeline {
        ExpiryTimeline {
            start: 1_767_225_600.into(), // 2026-01-01
            weeks: 52,
            split: TimelineSplit::Vault,
            series: series
                .into_iter()
                .enumerate()
                .map(|(i, mut counts)| {
                    counts.resize(52, 0);
                    TimelineSeries {
                        label: format!("vault-{i}"),
                        total: counts.iter().sum(),
                        counts,
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn bars_stack_per_week_and_scale_to_a_round_top() {
        let chart = timeline(&timeline_of(vec![vec![3, 0, 7], vec![2, 0, 0]]));
        // Week 0 has two bars (stacked), week 2 one, week 1 none.
        assert_eq!(chart.bars.len(), 3);
        assert_eq!(chart.total, 12);
        assert_eq!(chart.y_ticks.last().unwrap().text, "10");
        let w0: Vec<&Rect> = chart
            .bars
            .iter()
            .filter(|b| b.title.contains("2026-01-01"))
            .collect();
        assert_eq!(w0.len(), 2);
        let bottom_of_upper: f64 =
            w0[1].y.parse::<f64>().unwrap() + w0[1].h.parse::<f64>().unwrap();
        assert!((bottom_of_upper - w0[0].y.parse::<f64>().unwrap()).abs() < 0.2);
        assert_eq!(chart.legend[1].class, "s1");
        assert!(chart.summary.starts_with("12 certificates expire"));
    }

    #[test]
    fn an_empty_timeline_draws_no_bars() {
        let chart = timeline(&timeline_of(vec![]));
        assert!(chart.bars.is_empty());
        assert_eq!(chart.total, 0);
        assert!(!chart.x_labels.is_empty());
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(4), 4);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(4_900), 5_000);
        for top in [1, 4, 10, 20, 50, 100, 200, 5_000] {
            let step = tick_step(nice_ceiling(top));
            assert_eq!(nice_ceiling(top) % step, 0, "{top}");
            assert!(nice_ceiling(top) / step <= 5, "{top}");
        }
    }
}
