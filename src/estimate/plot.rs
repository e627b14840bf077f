//! The estimator's plots: pairs of bars, one row per opcode (SVG).

use crate::plot::PlotError;
use plotters::prelude::*;
use std::path::Path;

/// One bar pair: a label, the value (blue) and what it is compared with (grey).
pub struct Bar {
    /// The opcode (or cost) measured.
    pub label: String,
    /// The blue bar.
    pub value: f64,
    /// The grey bar, over the lower half of the row.
    pub reference: f64,
}

/// Draws `bars` (in their order, top to bottom) into an SVG at `path`, under `caption`, the
/// x axis named `axis`.
///
/// # Errors
/// The file cannot be written.
pub fn draw(bars: &[Bar], path: &Path, caption: &str, axis: &str) -> Result<(), PlotError> {
    let failed = PlotError::at(path);
    let height = 80 + 18 * bars.len() as u32;
    let root = SVGBackend::new(path, (900, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let most = bars.iter().map(|bar| bar.value.max(bar.reference)).fold(0.0f64, f64::max) * 1.05;
    let rows = bars.len() as u32;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(190)
        .build_cartesian_2d(0.0..most.max(1e-3), (0..rows).into_segmented())
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len())
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(row) => bars.get(*row as usize).map_or(String::new(), |bar| bar.label.clone()),
            _ => String::new(),
        })
        .x_desc(axis)
        .draw()
        .map_err(|e| failed(&e))?;
    // Each row: the value's bar across it, the reference's over its lower half.
    chart
        .draw_series(bars.iter().enumerate().map(|(row, bar)| {
            let row = row as u32;
            let span = [(0.0, SegmentValue::Exact(row)), (bar.value, SegmentValue::Exact(row + 1))];
            Rectangle::new(span, RGBColor(40, 90, 200).filled())
        }))
        .map_err(|e| failed(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(row, bar)| {
            let row = row as u32;
            let span = [(0.0, SegmentValue::Exact(row)), (bar.reference, SegmentValue::CenterOf(row))];
            Rectangle::new(span, RGBColor(150, 150, 150).filled())
        }))
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}
