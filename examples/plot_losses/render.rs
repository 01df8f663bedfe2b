//! Draws a [`LossPlot`] as an SVG document with plotters.

use std::error::Error;
use std::ops::{Range, RangeInclusive};

use plotters::prelude::*;

use crate::catalogue::{LossPlot, Panel};

/// Size of one chart in pixels. A plot is two charts high and one chart per panel wide.
const CHART_SIZE: (u32, u32) = (380, 250);
/// Height of the loss name above the charts.
const TITLE_HEIGHT: u32 = 30;
/// Samples per curve, enough for a smooth line in a file of a few tens of kilobytes.
const SAMPLES: usize = 241;
/// Line colours, cycled through the curves of a panel.
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];
const FONT: &str = "sans-serif";

/// The points of one curve: its label, the value and the gradient at each sample.
struct Sampled<'a> {
    label: &'a str,
    values: Vec<(f64, f64)>,
    gradients: Vec<(f64, f64)>,
}

/// Renders `plot` as the text of an SVG document.
///
/// # Errors
///
/// Returns the error of a loss evaluation or of plotters.
pub fn render(plot: &LossPlot) -> Result<String, Box<dyn Error>> {
    let columns = plot.panels.len();
    let size = (
        CHART_SIZE.0 * columns as u32,
        CHART_SIZE.1 * 2 + TITLE_HEIGHT,
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(plot.name, (FONT, 20))?;
        let charts = root.split_evenly((2, columns));
        for (column, panel) in plot.panels.iter().enumerate() {
            let curves = sample(panel)?;
            let values: Vec<_> = curves.iter().map(|c| (c.label, &c.values[..])).collect();
            let gradients: Vec<_> = curves.iter().map(|c| ("", &c.gradients[..])).collect();
            let value_axes = Axes {
                caption: &panel.title,
                x_label: panel.x_label,
                y_label: "loss",
                x_range: &panel.range,
            };
            draw_chart(&charts[column], &value_axes, &values)?;
            let gradient_axes = Axes {
                caption: "gradient",
                y_label: panel.gradient_label,
                ..value_axes
            };
            draw_chart(&charts[columns + column], &gradient_axes, &gradients)?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// Evaluates every curve of `panel` at `SAMPLES` evenly spaced points of its range.
fn sample(panel: &Panel) -> Result<Vec<Sampled<'_>>, Box<dyn Error>> {
    let (low, high) = (*panel.range.start(), *panel.range.end());
    let step = (high - low) / (SAMPLES - 1) as f64;
    let mut curves = Vec::with_capacity(panel.curves.len());
    for curve in &panel.curves {
        let mut values = Vec::with_capacity(SAMPLES);
        let mut gradients = Vec::with_capacity(SAMPLES);
        for i in 0..SAMPLES {
            let x = low + step * i as f64;
            let (value, gradient) = curve.slice.at(x)?;
            values.push((x, value));
            gradients.push((x, gradient));
        }
        curves.push(Sampled {
            label: &curve.label,
            values,
            gradients,
        });
    }
    Ok(curves)
}

/// The text and the horizontal range of one chart.
struct Axes<'a> {
    caption: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    x_range: &'a RangeInclusive<f64>,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Draws labelled series of points on `area`, with a legend when a series has a label.
fn draw_chart(
    area: &Area<'_>,
    axes: &Axes<'_>,
    series: &[(&str, &[(f64, f64)])],
) -> Result<(), Box<dyn Error>> {
    let x_range = *axes.x_range.start()..*axes.x_range.end();
    let y_range = y_range(series);
    let mut chart = ChartBuilder::on(area)
        .caption(axes.caption, (FONT, 15))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .x_labels(7)
        .y_labels(6)
        .x_desc(axes.x_label)
        .y_desc(axes.y_label)
        .label_style((FONT, 12))
        .draw()?;

    for (index, &(label, points)) in series.iter().enumerate() {
        let color = COLORS[index % COLORS.len()];
        let style = color.stroke_width(2);
        // A non-finite sample would drag the line off the chart, so each run of
        // finite samples is its own line.
        for (run_index, run) in points.split(|(_, y)| !y.is_finite()).enumerate() {
            let drawn = chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
            if run_index == 0 && !label.is_empty() {
                drawn
                    .label(label)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
            }
        }
    }
    let labels = series.iter().filter(|(label, _)| !label.is_empty()).count();
    if labels > 0 {
        let position = emptiest_corner(series, &x_range, &y_range, labels);
        chart
            .configure_series_labels()
            .position(position)
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    Ok(())
}

/// Returns the range of the finite values of `series`, widened by 5 % on each side.
///
/// Values that agree to rounding, such as a constant gradient computed at every
/// sample, get a range of ±10 % around them (at least ±0.1), so that the axis shows
/// one level rather than magnified rounding noise.
fn y_range(series: &[(&str, &[(f64, f64)])]) -> Range<f64> {
    let finite = series
        .iter()
        .flat_map(|(_, points)| points.iter().map(|&(_, y)| y))
        .filter(|y| y.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), y| {
        (low.min(y), high.max(y))
    });
    if low > high {
        return -1.0..1.0;
    }
    let magnitude = low.abs().max(high.abs());
    if high - low <= 1e-9 * magnitude.max(1.0) {
        let margin = (0.1 * magnitude).max(0.1);
        return (low - margin)..(high + margin);
    }
    let margin = 0.05 * (high - low);
    (low - margin)..(high + margin)
}

/// Returns the corner of the chart, of the top and bottom rows' left, middle and
/// right, that the fewest points of `series` fall in, for a legend of `labels`
/// entries. The legend's size is estimated as half of the chart's width and a
/// tenth of its height per entry.
fn emptiest_corner(
    series: &[(&str, &[(f64, f64)])],
    x_range: &Range<f64>,
    y_range: &Range<f64>,
    labels: usize,
) -> SeriesLabelPosition {
    let height = (0.1 * labels as f64 + 0.05).min(1.0);
    let corners = [
        (SeriesLabelPosition::UpperRight, 0.5, 1.0 - height),
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0 - height),
        (SeriesLabelPosition::UpperMiddle, 0.25, 1.0 - height),
        (SeriesLabelPosition::LowerRight, 0.5, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
        (SeriesLabelPosition::LowerMiddle, 0.25, 0.0),
    ];
    let points: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|(_, points)| points.iter())
        .map(|&(x, y)| {
            let u = (x - x_range.start) / (x_range.end - x_range.start);
            let v = (y - y_range.start) / (y_range.end - y_range.start);
            (u, v)
        })
        .collect();
    let covered = |left: f64, bottom: f64| {
        let inside = |&&(u, v): &&(f64, f64)| {
            (left..=left + 0.5).contains(&u) && (bottom..=bottom + height).contains(&v)
        };
        points.iter().filter(inside).count()
    };
    // `min_by_key` keeps the first of equal counts, so ties go to the upper right.
    let (position, _, _) = corners
        .into_iter()
        .min_by_key(|&(_, left, bottom)| covered(left, bottom))
        .expect("the corner list is not empty");
    position
}
