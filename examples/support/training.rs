//! The progress bar and the SVG report shared by the training examples.
//!
//! Each example includes this file with `#[path = "support/training.rs"] mod training;`.

// Each example uses only part of this file: the metrics of `Run` or the named scores of
// `ScoredRun`.
#![allow(dead_code)]

use std::error::Error;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Positive-class scores of a model on the test split.
#[derive(Clone, Copy, Debug)]
pub struct Metrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// One training run: the loss at every epoch and the test scores of the model before
/// the first step and after the last.
pub struct Run<'a> {
    pub name: &'a str,
    pub losses: &'a [f64],
    pub before: Metrics,
    pub after: Metrics,
}

/// A score of a model before the first step and after the last, such as the test
/// accuracy.
#[derive(Clone, Copy, Debug)]
pub struct Score<'a> {
    pub name: &'a str,
    pub before: f64,
    pub after: f64,
}

/// One training run of an example whose scores are not the positive-class metrics of
/// [`Run`]: the loss at every epoch and scores of the example's choosing.
pub struct ScoredRun<'a> {
    pub name: &'a str,
    pub losses: &'a [f64],
    pub scores: Vec<Score<'a>>,
}

impl<'a> Run<'a> {
    fn scored(&self) -> ScoredRun<'a> {
        let names = METRIC_NAMES;
        let before = [self.before.precision, self.before.recall, self.before.f1];
        let after = [self.after.precision, self.after.recall, self.after.f1];
        let scores = (0..3)
            .map(|index| Score {
                name: names[index],
                before: before[index],
                after: after[index],
            })
            .collect();
        ScoredRun {
            name: self.name,
            losses: self.losses,
            scores,
        }
    }
}

/// Returns a progress bar over `epochs` epochs, labelled `name`, that shows the
/// running loss set with [`ProgressBar::set_message`].
///
/// indicatif draws on stderr and hides the bar when stderr is not a terminal, so
/// redirected output holds only the printed summary.
pub fn progress_bar(name: &str, epochs: usize) -> ProgressBar {
    let bar = ProgressBar::new(epochs as u64);
    let template = "{prefix:>26} [{bar:30}] {pos:>5}/{len} epochs, loss {msg}";
    // The template is a constant, so parsing fails only if it has a typo.
    let style = ProgressStyle::with_template(template).expect("a valid progress bar template");
    bar.set_style(style.progress_chars("=> "));
    bar.set_prefix(name.to_string());
    bar
}

/// Returns the output path of an example's SVG report: the first command-line argument
/// if there is one, or else `target/plots/<example>.svg` in the workspace.
pub fn svg_path(example: &str) -> PathBuf {
    match std::env::args_os().nth(1) {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/plots")
            .join(format!("{example}.svg")),
    }
}

/// Size of one chart in pixels. The report is one row of charts, the loss curves first
/// and then one chart of scores per run.
const CHART_SIZE: (u32, u32) = (400, 320);
const TITLE_HEIGHT: u32 = 30;
const FONT: &str = "sans-serif";
/// One colour per run in the loss chart.
const RUN_COLORS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];
const BEFORE_COLOR: RGBColor = RGBColor(170, 170, 170);
const AFTER_COLOR: RGBColor = RGBColor(44, 160, 44);
const METRIC_NAMES: [&str; 3] = ["precision", "recall", "F1"];

/// Writes the loss curves of `runs` and their scores before and after training as an
/// SVG file at `path`, creating its folder if needed.
///
/// # Errors
///
/// Returns the error of plotters or of writing the file.
pub fn write_svg(path: &Path, title: &str, runs: &[Run<'_>]) -> Result<(), Box<dyn Error>> {
    let runs: Vec<ScoredRun<'_>> = runs.iter().map(Run::scored).collect();
    write_report(path, title, &runs, ("test scores", "positive class"))
}

/// Writes the loss curves of `runs` and their scores before and after training as an
/// SVG file at `path`, like [`write_svg`], with the score charts captioned
/// `"<run>: <caption>"` and their vertical axis labelled `axis_label`.
///
/// # Errors
///
/// Returns the error of plotters or of writing the file.
pub fn write_scored_svg(
    path: &Path,
    title: &str,
    runs: &[ScoredRun<'_>],
    caption: &str,
    axis_label: &str,
) -> Result<(), Box<dyn Error>> {
    write_report(path, title, runs, (caption, axis_label))
}

/// The caption and the vertical axis label of a score chart.
type ScoreLabels<'a> = (&'a str, &'a str);

fn write_report(
    path: &Path,
    title: &str,
    runs: &[ScoredRun<'_>],
    labels: ScoreLabels<'_>,
) -> Result<(), Box<dyn Error>> {
    let columns = 1 + runs.len();
    let size = (CHART_SIZE.0 * columns as u32, CHART_SIZE.1 + TITLE_HEIGHT);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, (FONT, 20))?;
        let charts = root.split_evenly((1, columns));
        draw_losses(&charts[0], runs)?;
        for (run, area) in runs.iter().zip(&charts[1..]) {
            draw_scores(area, run, labels)?;
        }
        root.present()?;
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, svg)?;
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw_losses(area: &Area<'_>, runs: &[ScoredRun<'_>]) -> Result<(), Box<dyn Error>> {
    let epochs = runs.iter().map(|run| run.losses.len()).max().unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption("training loss", (FONT, 15))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d((1.0..epochs as f64).log_scale(), loss_range(runs))?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .x_label_formatter(&|epoch| format!("{epoch:.0}"))
        .x_desc("epoch (log scale)")
        .y_desc("loss")
        .label_style((FONT, 12))
        .draw()?;
    for (run, color) in runs.iter().zip(RUN_COLORS.iter().cycle()) {
        let style = color.stroke_width(2);
        let points = run
            .losses
            .iter()
            .enumerate()
            .map(|(epoch, &loss)| ((epoch + 1) as f64, loss));
        chart
            .draw_series(LineSeries::new(points, style))?
            .label(run.name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// Returns the range of the finite losses of `runs`, from 0 when all are positive.
fn loss_range(runs: &[ScoredRun<'_>]) -> Range<f64> {
    let finite = runs
        .iter()
        .flat_map(|run| run.losses.iter().copied())
        .filter(|loss| loss.is_finite());
    let (low, high) = finite.fold((0.0f64, f64::NEG_INFINITY), |(low, high), loss| {
        (low.min(loss), high.max(loss))
    });
    if high <= low {
        return low..low + 1.0;
    }
    low..high + 0.05 * (high - low)
}

/// Draws the scores of `run` as pairs of bars, before and after training, with the
/// value above each bar. The axis runs from 0 to 1.3, or higher for a score above 1.
fn draw_scores(
    area: &Area<'_>,
    run: &ScoredRun<'_>,
    (caption, axis_label): ScoreLabels<'_>,
) -> Result<(), Box<dyn Error>> {
    let count = run.scores.len();
    let highest = run
        .scores
        .iter()
        .flat_map(|score| [score.before, score.after])
        .filter(|value| value.is_finite())
        .fold(1.0f64, f64::max);
    let names: Vec<&str> = run.scores.iter().map(|score| score.name).collect();
    let label_of = |position: &f64| score_name(&names, *position);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{}: {caption}", run.name), (FONT, 15))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(40)
        .build_cartesian_2d(-0.5..count as f64 - 0.5, 0.0..1.3 * highest)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .disable_x_mesh()
        .x_labels(count)
        .x_label_formatter(&label_of)
        .y_desc(axis_label)
        .label_style((FONT, 12))
        .draw()?;

    let bars = [
        ("before training", -0.38, BEFORE_COLOR, false),
        ("after training", 0.02, AFTER_COLOR, true),
    ];
    for (label, offset, color, after) in bars {
        let values: Vec<f64> = run
            .scores
            .iter()
            .map(|score| if after { score.after } else { score.before })
            .collect();
        let rectangles = values.iter().enumerate().map(move |(index, &value)| {
            let left = index as f64 + offset;
            Rectangle::new([(left, 0.0), (left + 0.36, value)], color.filled())
        });
        chart
            .draw_series(rectangles)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        let texts = values.iter().enumerate().map(move |(index, &value)| {
            let center = index as f64 + offset + 0.18;
            let style = TextStyle::from((FONT, 11)).pos(Pos::new(HPos::Center, VPos::Bottom));
            Text::new(
                format!("{value:.2}"),
                (center, value + 0.01 * highest),
                style,
            )
        });
        chart.draw_series(texts)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// Labels the score at a whole-number position of the score chart's axis.
fn score_name(names: &[&str], position: f64) -> String {
    let nearest = position.round();
    if (position - nearest).abs() > 1e-9 || nearest < 0.0 {
        return String::new();
    }
    names
        .get(nearest as usize)
        .map_or_else(String::new, |name| name.to_string())
}
