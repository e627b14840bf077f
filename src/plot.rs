//! What the CLI's SVG plots share: their error.

use std::path::PathBuf;

/// A plot that could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[error("plot {}: {message}", path.display())]
pub struct PlotError {
    /// The SVG file.
    pub path: PathBuf,
    /// What plotters reported (its errors borrow the drawing backend, so only their text is
    /// kept).
    pub message: String,
}

impl PlotError {
    /// A failure drawing `path`.
    pub fn at(path: &std::path::Path) -> impl Fn(&dyn std::fmt::Display) -> PlotError + '_ {
        move |error| PlotError { path: path.to_path_buf(), message: error.to_string() }
    }
}
