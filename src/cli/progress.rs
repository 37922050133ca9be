//! Progress on a terminal for long work (render, clone, push); nothing on
//! a pipe, in CI, or with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner with a message, or nothing when progress must not show.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Starts a spinner saying `message`, when stderr is a terminal, the
    /// run is not quiet, and `CI` is not set.
    pub fn start(quiet: bool, message: impl Into<String>) -> Progress {
        let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        if quiet || in_ci || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(Some(bar))
    }

    /// Changes the message.
    pub fn say(&self, message: impl Into<String>) {
        if let Some(b) = &self.0 {
            b.set_message(message.into());
        }
    }

    /// Removes the spinner, leaving the terminal clean for the summary.
    pub fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}
