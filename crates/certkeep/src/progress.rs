//! Progress bars for long use cases, drawn on stderr only when stderr is a terminal (scripts and
//! logs get nothing).

use std::io::IsTerminal as _;
use std::time::Duration;

use certkeep_engine::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub(crate) struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar labelled `what` (e.g. "certificates"), or nothing when stderr is not a terminal.
    pub(crate) fn new(what: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {prefix} {msg} [{bar:30}] {pos}/{len} {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar: Some(bar) }
    }

    /// Removes the bar so the report prints on a clean screen.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, total: u64) {
        if let Some(b) = &self.bar {
            b.set_message(name.to_string());
            b.set_length(total);
            b.set_position(0);
        }
    }

    fn advance(&self, steps: u64) {
        if let Some(b) = &self.bar {
            b.inc(steps);
        }
    }
}
