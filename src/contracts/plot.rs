//! The benchmark's plot: each workload's time on each path, as a multiple of native revm
//! (log scale, SVG).

use crate::plot::PlotError;
use plotters::prelude::*;
use std::path::Path;

/// One workload: its paths' ratios to native revm, in path order.
pub struct Group {
    /// The workload.
    pub label: String,
    /// Path label and ratio.
    pub ratios: Vec<(String, f64)>,
}

const COLORS: [RGBColor; 5] = [
    RGBColor(150, 150, 150),
    RGBColor(40, 90, 200),
    RGBColor(90, 170, 230),
    RGBColor(210, 70, 50),
    RGBColor(240, 150, 60),
];

/// Draws `groups` into an SVG at `path`.
///
/// # Errors
/// The file cannot be written.
pub fn draw(groups: &[Group], path: &Path) -> Result<(), PlotError> {
    let failed = PlotError::at(path);
    let paths = groups.first().map_or(0, |group| group.ratios.len()).max(1);
    let root = SVGBackend::new(path, (960, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let most =
        groups.iter().flat_map(|group| group.ratios.iter().map(|(_, ratio)| *ratio)).fold(1.0f64, f64::max) * 2.0;
    let slots = (groups.len() * (paths + 1)) as u32;
    let mut chart = ChartBuilder::on(&root)
        .caption("time per transaction, multiple of native revm (log scale)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d((0..slots).into_segmented(), (0.5f64..most).log_scale())
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len() * (paths + 1))
        .x_label_formatter(&|value| match value {
            SegmentValue::CenterOf(slot) if (*slot as usize) % (paths + 1) == paths / 2 => {
                groups.get(*slot as usize / (paths + 1)).map_or(String::new(), |group| group.label.clone())
            }
            _ => String::new(),
        })
        .y_desc("× native revm")
        .draw()
        .map_err(|e| failed(&e))?;
    for index in 0..paths {
        let label = groups.first().and_then(|group| group.ratios.get(index)).map_or(String::new(), |(l, _)| l.clone());
        let color = COLORS[index % COLORS.len()];
        chart
            .draw_series(groups.iter().enumerate().filter_map(|(at, group)| {
                let ratio = group.ratios.get(index)?.1;
                let slot = (at * (paths + 1) + index) as u32;
                Some(Rectangle::new(
                    [(SegmentValue::Exact(slot), 0.5), (SegmentValue::Exact(slot + 1), ratio)],
                    color.filled(),
                ))
            }))
            .map_err(|e| failed(&e))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}
