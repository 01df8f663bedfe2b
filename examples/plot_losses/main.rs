//! Plots the value and the gradient of every shipped loss as an SVG file per loss.
//!
//! ```text
//! cargo run --release --example plot_losses
//! ```
//!
//! Each image has one column per range of predictions, such as probabilities and
//! logits for a binary cross-entropy, with the loss above and its derivative below.
//! An elementwise loss has one curve per target value that changes the curve. A row
//! loss is drawn along a line `ŷ = base + t · direction` through one row, with the
//! derivative along `t`. A loss of several inputs, such as a pair of embeddings, is
//! drawn the same way, along a line through one input with the others fixed. The
//! gradients come from the losses' own `#[loss]`-derived
//! reverse pass, not from finite differences.
//!
//! The files go to `losses-core/docs/img/<loss in snake case>.svg`. They live inside
//! the `losses-core` package, not in a top-level `docs/`, because each loss's rustdoc
//! embeds its image with `include_str!`, and a published crate can only include files
//! from its own package. The README shows the same files.

mod catalogue;
mod render;
mod slice;

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use catalogue::LossPlot;

/// Folder of the images, relative to the workspace root.
const IMAGE_DIR: &str = "losses-core/docs/img";

fn main() -> Result<(), Box<dyn Error>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = workspace.join(IMAGE_DIR);
    fs::create_dir_all(&dir)?;
    for plot in catalogue::shipped() {
        let svg = svg_text(&plot)?;
        let path = image_path(&dir, &plot);
        fs::write(&path, &svg)?;
        println!(
            "{:<30} {}/{}.svg, {:.1} kB",
            plot.name,
            IMAGE_DIR,
            plot.file_stem(),
            svg.len() as f64 / 1000.0
        );
    }
    Ok(())
}

fn image_path(dir: &Path, plot: &LossPlot) -> PathBuf {
    dir.join(format!("{}.svg", plot.file_stem()))
}

/// Renders `plot` and drops blank lines: rustdoc embeds the file inside a Markdown
/// HTML block, which a blank line would end.
fn svg_text(plot: &LossPlot) -> Result<String, Box<dyn Error>> {
    let svg = render::render(plot)?;
    let mut text: String = svg
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slice::Slice;
    use losses_core::prelude::*;
    use ndarray::{ArrayD, IxDyn};

    /// Returns the loss names of the README's table of shipped losses, with the text of
    /// their rows.
    fn readme_rows() -> Vec<(String, String)> {
        let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md is readable");
        let section = readme
            .split("## Shipped losses")
            .nth(1)
            .expect("README.md has a \"Shipped losses\" section");
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .filter_map(|row| {
                let name = row.split('`').nth(1)?;
                Some((name.to_string(), row.to_string()))
            })
            .collect()
    }

    #[test]
    fn every_readme_loss_has_a_plot() {
        let plotted: Vec<&str> = catalogue::shipped().iter().map(|plot| plot.name).collect();
        for (name, _) in readme_rows() {
            assert!(
                plotted.contains(&name.as_str()),
                "the README lists {name}, but examples/plot_losses/catalogue.rs has no plot \
                 of it: add one to `shipped` and run `cargo run --release --example plot_losses`"
            );
        }
    }

    #[test]
    fn every_plot_is_in_readme() {
        let rows = readme_rows();
        for plot in catalogue::shipped() {
            let image = format!("{IMAGE_DIR}/{}.svg", plot.file_stem());
            let row = rows.iter().find(|(name, _)| name == plot.name);
            let Some((_, row)) = row else {
                panic!(
                    "{} has a plot but no row in the README's table of losses",
                    plot.name
                );
            };
            assert!(
                row.contains(&image),
                "the README row of {} does not show {image}",
                plot.name
            );
        }
    }

    #[test]
    fn committed_images_are_current() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(IMAGE_DIR);
        for plot in catalogue::shipped() {
            let path = image_path(&dir, &plot);
            let committed = fs::read_to_string(&path).unwrap_or_default();
            let current = svg_text(&plot).expect("the plot renders");
            assert!(
                committed == current,
                "{} is missing or out of date: run `cargo run --release --example plot_losses`",
                path.display()
            );
        }
    }

    #[test]
    fn svg_has_no_blank_lines() {
        let plot = catalogue::shipped().remove(0);
        let svg = svg_text(&plot).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(!svg.contains("\n\n"));
    }

    #[test]
    fn file_stem_is_snake_case() {
        let names: Vec<String> = catalogue::shipped()
            .iter()
            .map(LossPlot::file_stem)
            .collect();
        assert!(
            names.contains(&"binary_crossentropy".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"mean_absolute_percentage_error".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"kl_divergence".to_string()), "{names:?}");
    }

    #[test]
    fn element_slice_is_loss_and_derivative() {
        // Huber with delta 1 at y = 0: ŷ²/2 with slope ŷ inside, ŷ - 1/2 with slope 1 beyond.
        let slice = Slice::element(Huber::new(1.0), 0.0);
        assert_eq!(slice.at(0.5).unwrap(), (0.125, 0.5));
        assert_eq!(slice.at(3.0).unwrap(), (2.5, 1.0));
    }

    /// Softmax cross-entropy of one row of logits.
    #[loss]
    fn softmax_cross_entropy(y_true: &[f64], y_pred: &[f64]) -> f64 {
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            sum += y_pred[i].exp();
        }
        let mut loss = 0.0;
        for i in 0..y_pred.len() {
            loss += y_true[i] * (sum.ln() - y_pred[i]);
        }
        loss
    }

    #[test]
    fn row_slice_is_directional_derivative() {
        // Moving the true class's logit t with two other logits at 0:
        // loss = ln(eᵗ + 2) - t, with derivative eᵗ / (eᵗ + 2) - 1.
        let row = |values: [f64; 3]| ArrayD::from_shape_vec(IxDyn(&[3]), values.to_vec()).unwrap();
        let slice = Slice::along(
            SoftmaxCrossEntropy::new(),
            row([1.0, 0.0, 0.0]),
            row([0.0, 0.0, 0.0]),
            row([1.0, 0.0, 0.0]),
        );
        let t = 0.5f64;
        let (value, derivative) = slice.at(t).unwrap();
        assert!((value - ((t.exp() + 2.0).ln() - t)).abs() < 1e-12);
        assert!((derivative - (t.exp() / (t.exp() + 2.0) - 1.0)).abs() < 1e-12);
    }
}
