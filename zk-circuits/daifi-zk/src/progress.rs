//! Progress of long ceremony steps (contributions, verification, key
//! derivation): a bar on standard error for the command-line tool, nothing
//! for library callers and tests.

use std::{
	io::{IsTerminal, Write},
	sync::atomic::{AtomicU64, Ordering},
};

/// Where progress goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reporter {
	/// Nowhere.
	Silent,
	/// A bar per step on standard error, when it is a terminal.
	Stderr,
}

impl Reporter {
	/// Starts a step of `total` units of work, called `label`.
	pub fn step(self, label: &str, total: u64) -> Progress {
		let progress = Progress {
			label: label.to_string(),
			total: total.max(1),
			done: AtomicU64::new(0),
			shown: AtomicU64::new(0),
			visible: self == Reporter::Stderr && std::io::stderr().is_terminal(),
		};
		progress.print(0);
		progress
	}
}

/// One step's progress. Safe to advance from several threads.
pub struct Progress {
	label: String,
	total: u64,
	done: AtomicU64,
	/// The highest percentage drawn: the bar is redrawn at most 100 times
	/// and never goes back.
	shown: AtomicU64,
	visible: bool,
}

const WIDTH: u64 = 30;

impl Progress {
	/// Records `units` more done.
	pub fn advance(&self, units: u64) {
		let done = self.done.fetch_add(units, Ordering::Relaxed).saturating_add(units);
		self.draw(done.min(self.total));
	}

	fn draw(&self, done: u64) {
		if !self.visible {
			return;
		}
		let percent = done * 100 / self.total;
		if self.shown.fetch_max(percent, Ordering::Relaxed) >= percent {
			return;
		}
		self.print(done);
	}

	fn print(&self, done: u64) {
		if !self.visible {
			return;
		}
		let percent = done * 100 / self.total;
		let filled = (done * WIDTH / self.total) as usize;
		let bar = format!("{}{}", "#".repeat(filled), ".".repeat(WIDTH as usize - filled));
		let end = if done >= self.total { "\n" } else { "" };
		let mut err = std::io::stderr().lock();
		let _ = write!(err, "\r{:<34} [{bar}] {percent:>3}%{end}", self.label);
		let _ = err.flush();
	}
}

impl Drop for Progress {
	/// A step that ends early (an error) still ends its line.
	fn drop(&mut self) {
		if self.visible && self.done.load(Ordering::Relaxed) < self.total {
			let _ = writeln!(std::io::stderr());
		}
	}
}
