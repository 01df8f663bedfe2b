//! The list of shipped losses and what each plot shows. A loss added to the crate gets
//! its image by an entry in [`shipped`], and the tests in `main.rs` fail until the
//! README's table of losses and this list name the same losses.

use std::any::type_name;
use std::ops::RangeInclusive;

use losses_core::prelude::*;
use ndarray::{Array1, Array2, array};

use crate::slice::Slice;

/// The plot of one loss: one column per panel, each with the value above its gradient.
pub struct LossPlot {
    /// The loss's type name, such as `BinaryCrossentropy`.
    pub name: &'static str,
    pub panels: Vec<Panel>,
}

impl LossPlot {
    /// Creates the plot of the loss type `L`, named after the type.
    fn of<L>(panels: Vec<Panel>) -> Self {
        let path = type_name::<L>();
        let name = path.rsplit("::").next().unwrap_or(path);
        Self { name, panels }
    }

    /// Returns the image's file name without extension: the type name in snake case,
    /// as `#[loss]` functions are named, with an acronym kept as one word
    /// (`KLDivergence` gives `kl_divergence`).
    pub fn file_stem(&self) -> String {
        let chars: Vec<char> = self.name.chars().collect();
        let mut stem = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let word_starts = c.is_ascii_uppercase()
                && i > 0
                && (chars[i - 1].is_ascii_lowercase()
                    || chars.get(i + 1).is_some_and(char::is_ascii_lowercase));
            if word_starts {
                stem.push('_');
            }
            stem.push(c.to_ascii_lowercase());
        }
        stem
    }
}

/// Curves over one range of predictions, such as probabilities or logits.
pub struct Panel {
    pub title: String,
    /// Label of the horizontal axis.
    pub x_label: &'static str,
    /// Label of the gradient chart's vertical axis: the derivative of the loss along
    /// the horizontal axis.
    pub gradient_label: &'static str,
    pub range: RangeInclusive<f64>,
    pub curves: Vec<Curve>,
}

/// One line of a panel, drawn in its value and its gradient chart.
pub struct Curve {
    /// The legend entry. An empty label draws no legend.
    pub label: String,
    pub slice: Slice,
}

/// Lists the shipped losses and their plots, in the order of the README's table.
///
/// An elementwise loss is plotted over one element, `y_pred = ŷ`, for each target that
/// changes the shape of the curve. A row loss is plotted along a line through one row
/// with [`Slice::along`], for example the logit of the true class with the other
/// logits at 0:
///
/// ```text
/// Slice::along(loss, array![1.0, 0.0, 0.0].into_dyn(), Array1::zeros(3).into_dyn(),
///              array![1.0, 0.0, 0.0].into_dyn())
/// ```
pub fn shipped() -> Vec<LossPlot> {
    vec![
        LossPlot::of::<MeanSquaredError>(vec![error_panel(MeanSquaredError::new)]),
        LossPlot::of::<MeanAbsoluteError>(vec![error_panel(MeanAbsoluteError::new)]),
        LossPlot::of::<MeanAbsolutePercentageError>(vec![target_panel(
            "targets y",
            -1.0..=4.0,
            &[0.5, 1.0, 2.0],
            MeanAbsolutePercentageError::new,
        )]),
        LossPlot::of::<MeanSquaredLogarithmicError>(vec![target_panel(
            "targets y",
            -0.5..=8.0,
            &[0.0, 1.0, 4.0],
            MeanSquaredLogarithmicError::new,
        )]),
        LossPlot::of::<Huber>(vec![Panel {
            title: "delta = 0.5, 1 (default), 2".into(),
            x_label: ERROR_LABEL,
            gradient_label: GRADIENT_LABEL,
            range: -3.0..=3.0,
            curves: [0.5, 1.0, 2.0]
                .iter()
                .map(|&delta| curve(format!("delta = {delta}"), Huber::new(delta), 0.0))
                .collect(),
        }]),
        LossPlot::of::<LogCosh>(vec![Panel {
            range: -4.0..=4.0,
            ..error_panel(LogCosh::new)
        }]),
        LossPlot::of::<BinaryCrossentropy>(probability_and_logit_panels(|from_logits| {
            BinaryCrossentropy::new(from_logits, 0.0)
        })),
        LossPlot::of::<BinaryFocalCrossentropy>(probability_and_logit_panels(|from_logits| {
            BinaryFocalCrossentropy::new(false, 0.25, 2.0, from_logits, 0.0)
        })),
        LossPlot::of::<WeightedBinaryCrossentropy>(
            probability_and_logit_panels(|from_logits| {
                WeightedBinaryCrossentropy::new(3.0, 1.0, from_logits)
            })
            .into_iter()
            .map(|panel| Panel {
                title: format!("{}, positive_weight = 3", panel.title),
                ..panel
            })
            .collect(),
        ),
        LossPlot::of::<Poisson>(vec![target_panel(
            "counts y",
            0.1..=6.0,
            &[0.0, 1.0, 3.0],
            Poisson::new,
        )]),
        LossPlot::of::<Hinge>(vec![target_panel(
            "labels y (0 counts as -1)",
            -3.0..=3.0,
            &[-1.0, 1.0],
            Hinge::new,
        )]),
        LossPlot::of::<SquaredHinge>(vec![target_panel(
            "labels y (0 counts as -1)",
            -3.0..=3.0,
            &[-1.0, 1.0],
            SquaredHinge::new,
        )]),
        LossPlot::of::<CategoricalCrossentropy>(class_panels(&[
            ("label_smoothing = 0", &|from_logits| {
                CategoricalCrossentropy::new(from_logits, 0.0)
            }),
            ("label_smoothing = 0.1", &|from_logits| {
                CategoricalCrossentropy::new(from_logits, 0.1)
            }),
        ])),
        LossPlot::of::<SparseCategoricalCrossentropy>(sparse_class_panels()),
        LossPlot::of::<CategoricalFocalCrossentropy>(class_panels(&[
            ("gamma = 2 (default)", &|from_logits| {
                CategoricalFocalCrossentropy::new(0.25, 2.0, from_logits, 0.0)
            }),
            ("gamma = 0", &|from_logits| {
                CategoricalFocalCrossentropy::new(0.25, 0.0, from_logits, 0.0)
            }),
        ])),
        LossPlot::of::<CategoricalHinge>(vec![row_panel(
            "scores, y = (1, 0, 0)",
            "score t",
            -3.0..=3.0,
            vec![
                row_curve(
                    "ŷ = (t, 0, 0)",
                    CategoricalHinge::new(),
                    &[1.0, 0.0, 0.0],
                    &[0.0; 3],
                    &[1.0, 0.0, 0.0],
                ),
                row_curve(
                    "ŷ = (0, t, 0)",
                    CategoricalHinge::new(),
                    &[1.0, 0.0, 0.0],
                    &[0.0; 3],
                    &[0.0, 1.0, 0.0],
                ),
            ],
        )]),
        LossPlot::of::<KLDivergence>(vec![row_panel(
            "ŷ = (t, (1 - t) / 2, (1 - t) / 2)",
            "probability t of class 1",
            0.02..=0.98,
            [[1.0, 0.0, 0.0], [0.5, 0.25, 0.25]]
                .iter()
                .map(|y_true| {
                    let label = format!("y = ({}, {}, {})", y_true[0], y_true[1], y_true[2]);
                    row_curve(
                        label,
                        KLDivergence::new(),
                        y_true,
                        &SHARED_BASE,
                        &SHARED_DIRECTION,
                    )
                })
                .collect(),
        )]),
        LossPlot::of::<CosineSimilarity>(vec![row_panel(
            "y = (1, 0)",
            "t",
            -4.0..=4.0,
            vec![
                row_curve(
                    "ŷ = (t, 1)",
                    CosineSimilarity::new(),
                    &[1.0, 0.0],
                    &[0.0, 1.0],
                    &[1.0, 0.0],
                ),
                row_curve(
                    "ŷ = (1, t)",
                    CosineSimilarity::new(),
                    &[1.0, 0.0],
                    &[1.0, 0.0],
                    &[0.0, 1.0],
                ),
            ],
        )]),
        LossPlot::of::<Dice>(vec![mask_panel(&[
            ("smooth = 1 (default)", Dice::new(1.0)),
            ("smooth = 0", Dice::new(0.0)),
        ])]),
        LossPlot::of::<Jaccard>(vec![mask_panel(&[
            ("smooth = 1 (default)", Jaccard::new(1.0)),
            ("smooth = 0", Jaccard::new(0.0)),
        ])]),
        LossPlot::of::<Tversky>(vec![mask_panel(&[
            ("alpha = beta = 0.5 (default)", Tversky::new(0.5, 0.5, 1.0)),
            ("alpha = 0.3, beta = 0.7", Tversky::new(0.3, 0.7, 1.0)),
            ("alpha = 0.7, beta = 0.3", Tversky::new(0.7, 0.3, 1.0)),
        ])]),
        LossPlot::of::<ApproxNdcg>(vec![row_panel(
            "relevance y = (2, 1, 0), scores ŷ = (t, 0.5, 0)",
            "score t of the most relevant item",
            -1.5..=2.0,
            [0.1, 0.5]
                .iter()
                .map(|&temperature| {
                    let label = format!("temperature = {temperature}");
                    let loss = ApproxNdcg::new(temperature);
                    row_curve(
                        label,
                        loss,
                        &[2.0, 1.0, 0.0],
                        &[0.0, 0.5, 0.0],
                        &[1.0, 0.0, 0.0],
                    )
                })
                .collect(),
        )]),
        LossPlot::of::<Mahalanobis>(vec![row_panel(
            "inverse covariance [[2, 0.5], [0.5, 1]], y = (0, 0)",
            "t",
            -2.0..=2.0,
            [("ŷ = (t, 0)", [1.0, 0.0]), ("ŷ = (0, t)", [0.0, 1.0])]
                .iter()
                .map(|(label, direction)| {
                    let loss = Mahalanobis::new(vec![2.0, 0.5, 0.5, 1.0]);
                    row_curve(*label, loss, &[0.0, 0.0], &[0.0, 0.0], direction)
                })
                .collect(),
        )]),
        LossPlot::of::<SmoothBleu>(vec![bleu_panel()]),
        LossPlot::of::<ContrastiveLoss>(vec![contrastive_panel()]),
        LossPlot::of::<TripletMarginLoss>(vec![triplet_panel()]),
    ]
}

const PREDICTION_LABEL: &str = "prediction ŷ";
const ERROR_LABEL: &str = "error ŷ - y";
const GRADIENT_LABEL: &str = "d loss / d ŷ";

fn curve<L: Loss<f64> + 'static>(label: String, loss: L, y_true: f64) -> Curve {
    Curve {
        label,
        slice: Slice::element(loss, y_true),
    }
}

/// Returns a panel over the error `ŷ - y` for a loss that depends on nothing else.
fn error_panel<L: Loss<f64> + 'static>(loss: impl Fn() -> L) -> Panel {
    Panel {
        title: "depends on ŷ - y only".into(),
        x_label: ERROR_LABEL,
        gradient_label: GRADIENT_LABEL,
        range: -3.0..=3.0,
        curves: vec![curve(String::new(), loss(), 0.0)],
    }
}

/// Returns a panel with one curve per target in `targets`.
fn target_panel<L: Loss<f64> + 'static>(
    title: &str,
    range: RangeInclusive<f64>,
    targets: &[f64],
    loss: impl Fn() -> L,
) -> Panel {
    Panel {
        title: title.into(),
        x_label: PREDICTION_LABEL,
        gradient_label: GRADIENT_LABEL,
        range,
        curves: targets
            .iter()
            .map(|&y| curve(format!("y = {y}"), loss(), y))
            .collect(),
    }
}

/// Returns two panels for a binary loss built by `loss(from_logits)`: labels 0 and 1 over
/// probabilities in (0, 1), then over logits.
fn probability_and_logit_panels<L: Loss<f64> + 'static>(loss: impl Fn(bool) -> L) -> Vec<Panel> {
    let labels = [0.0, 1.0];
    let panel = |title: &str, x_label, range, from_logits| Panel {
        title: title.into(),
        x_label,
        gradient_label: GRADIENT_LABEL,
        range,
        curves: labels
            .iter()
            .map(|&y| curve(format!("y = {y}"), loss(from_logits), y))
            .collect(),
    };
    vec![
        panel(
            "probabilities",
            "predicted probability ŷ",
            0.02..=0.98,
            false,
        ),
        panel("logits (from_logits = true)", "logit ŷ", -6.0..=6.0, true),
    ]
}

/// The line `ŷ = (t, (1 - t) / 2, (1 - t) / 2)` through the probability simplex of
/// three classes, as a base and a direction.
const SHARED_BASE: [f64; 3] = [0.0, 0.5, 0.5];
const SHARED_DIRECTION: [f64; 3] = [1.0, -0.5, -0.5];
const ROW_GRADIENT_LABEL: &str = "d loss / dt";

/// Returns a curve of a row loss with targets `y_true` along `ŷ = base + t · direction`.
fn row_curve<L: Loss<f64> + 'static>(
    label: impl Into<String>,
    loss: L,
    y_true: &[f64],
    base: &[f64],
    direction: &[f64],
) -> Curve {
    let row = |values: &[f64]| Array1::from(values.to_vec()).into_dyn();
    Curve {
        label: label.into(),
        slice: Slice::along(loss, row(y_true), row(base), row(direction)),
    }
}

/// Returns a panel of row-loss curves, whose gradient chart shows the derivative along `t`.
fn row_panel(
    title: &str,
    x_label: &'static str,
    range: RangeInclusive<f64>,
    curves: Vec<Curve>,
) -> Panel {
    Panel {
        title: title.into(),
        x_label,
        gradient_label: ROW_GRADIENT_LABEL,
        range,
        curves,
    }
}

/// A constructor of a loss of three classes, for probabilities or, given `true`,
/// logits.
type ClassLoss<'a, L> = &'a dyn Fn(bool) -> L;

/// Returns two panels for a loss over three classes, with class 1 true: probabilities along
/// `ŷ = (t, (1 - t) / 2, (1 - t) / 2)`, then logits `(t, 0, 0)`. Each entry of
/// `variants` is a curve label and the loss for that curve.
fn class_panels<L: Loss<f64> + 'static>(variants: &[(&str, ClassLoss<'_, L>)]) -> Vec<Panel> {
    let y_true = [1.0, 0.0, 0.0];
    let curves = |from_logits: bool, base: &[f64], direction: &[f64]| {
        variants
            .iter()
            .map(|(label, loss)| row_curve(*label, loss(from_logits), &y_true, base, direction))
            .collect()
    };
    vec![
        row_panel(
            "probabilities ŷ = (t, (1 - t) / 2, (1 - t) / 2), y = (1, 0, 0)",
            "probability t of the true class",
            0.02..=0.98,
            curves(false, &SHARED_BASE, &SHARED_DIRECTION),
        ),
        row_panel(
            "logits ŷ = (t, 0, 0), y = (1, 0, 0)",
            "logit t of the true class",
            -6.0..=6.0,
            curves(true, &[0.0; 3], &[1.0, 0.0, 0.0]),
        ),
    ]
}

/// Returns a panel for a segmentation loss on the mask `y = (1, 1, 0, 0)` along
/// `ŷ = (t, t, 0.5, 0.5)`: the foreground goes from missed at `t = 0` to found at
/// `t = 1`, while the background keeps false positives of 0.5 each, so that both
/// kinds of error count. One curve per labelled loss in `variants`.
fn mask_panel<L: Loss<f64> + Clone + 'static>(variants: &[(&str, L)]) -> Panel {
    let curves = variants
        .iter()
        .map(|(label, loss)| {
            let y_true = [1.0, 1.0, 0.0, 0.0];
            let (base, direction) = ([0.0, 0.0, 0.5, 0.5], [1.0, 1.0, 0.0, 0.0]);
            row_curve(*label, loss.clone(), &y_true, &base, &direction)
        })
        .collect();
    row_panel(
        "mask y = (1, 1, 0, 0), ŷ = (t, t, 0.5, 0.5)",
        "t",
        0.0..=1.0,
        curves,
    )
}

/// Returns two panels for [`SparseCategoricalCrossentropy`] over three classes along the
/// lines of [`class_panels`], which move class 0: one curve with class 0 true and one
/// with class 1 true.
fn sparse_class_panels() -> Vec<Panel> {
    let curves = |from_logits: bool, base: &[f64], direction: &[f64]| {
        [(0.0, "y = 0, the moved class"), (1.0, "y = 1")]
            .iter()
            .map(|&(class, label)| {
                let loss = SparseCategoricalCrossentropy::new(from_logits, -1.0);
                row_curve(label, loss, &[class], base, direction)
            })
            .collect()
    };
    vec![
        row_panel(
            "probabilities ŷ = (t, (1 - t) / 2, (1 - t) / 2)",
            "probability t of class 0",
            0.02..=0.98,
            curves(false, &SHARED_BASE, &SHARED_DIRECTION),
        ),
        row_panel(
            "logits ŷ = (t, 0, 0)",
            "logit t of class 0",
            -6.0..=6.0,
            curves(true, &[0.0; 3], &[1.0, 0.0, 0.0]),
        ),
    ]
}

/// Returns a panel for [`SmoothBleu`] with a vocabulary of 4 and the reference
/// `(0, 1, 2, 3)`. The candidate's rows are one-hot at tokens 0, 2 and 3 at positions
/// 1, 3 and 4, and position 2 puts `t` on token 1 and `1 - t` on token 2, so the
/// candidate goes from `(0, 2, 2, 3)` at `t = 0` to the reference at `t = 1`.
fn bleu_panel() -> Panel {
    let one_hot = |token: usize| {
        let mut row = [0.0; 4];
        row[token] = 1.0;
        row
    };
    let base: Vec<f64> = [one_hot(0), one_hot(2), one_hot(2), one_hot(3)].concat();
    let direction: Vec<f64> = [[0.0; 4], [0.0, 1.0, -1.0, 0.0], [0.0; 4], [0.0; 4]].concat();
    let reference = [0.0, 1.0, 2.0, 3.0];
    let curves = [1.0, 0.1]
        .iter()
        .map(|&smooth| {
            let label = format!("smooth = {smooth}");
            row_curve(
                label,
                SmoothBleu::new(4, smooth),
                &reference,
                &base,
                &direction,
            )
        })
        .collect();
    row_panel(
        "reference (0, 1, 2, 3), candidate (0, t·1 + (1 - t)·2, 2, 3)",
        "probability t of token 1 at position 2",
        0.02..=0.98,
        curves,
    )
}

/// Returns one sample of a two-dimensional embedding, as a batch of shape `[1, 2]`.
fn embedding(x: f64, y: f64) -> Array2<f64> {
    array![[x, y]]
}

/// Returns a panel for [`ContrastiveLoss`] with margin 1 along `x1 = (t, 0)`,
/// `x2 = (0, 0)`, so the distance is `|t|`, for a similar and a dissimilar pair.
fn contrastive_panel() -> Panel {
    let curves = [(1.0, "y = 1, similar"), (0.0, "y = 0, dissimilar")]
        .iter()
        .map(|&(label_value, label)| {
            let evaluate = move |t: f64| {
                let loss = ContrastiveLoss::new(1.0);
                let labels = array![label_value];
                let (value, grad1, _) =
                    loss.value_and_grad(&labels, &embedding(t, 0.0), &embedding(0.0, 0.0))?;
                // x1 moves along (1, 0), so d loss / dt is the first component of grad1.
                Ok((value, grad1[[0, 0]]))
            };
            Curve {
                label: label.into(),
                slice: Slice::from_fn(evaluate),
            }
        })
        .collect();
    row_panel(
        "x1 = (t, 0), x2 = (0, 0), margin = 1",
        "t",
        -2.0..=2.0,
        curves,
    )
}

/// Returns a panel for [`TripletMarginLoss`] with margin 1 and the anchor at `(0, 0)`:
/// one curve moves the positive along `(t, 0)` with the negative at `(2, 0)`, the other
/// moves the negative with the positive at `(1, 0)`.
fn triplet_panel() -> Panel {
    let curve = |label: &str, moves_positive: bool| {
        let evaluate = move |t: f64| {
            let loss = TripletMarginLoss::new(1.0);
            let anchor = embedding(0.0, 0.0);
            let (positive, negative) = if moves_positive {
                (embedding(t, 0.0), embedding(2.0, 0.0))
            } else {
                (embedding(1.0, 0.0), embedding(t, 0.0))
            };
            let (value, _, grad_positive, grad_negative) =
                loss.value_and_grad(&anchor, &positive, &negative)?;
            // The moved input goes along (1, 0), so d loss / dt is the first component of
            // its gradient.
            let grad = if moves_positive {
                grad_positive
            } else {
                grad_negative
            };
            Ok((value, grad[[0, 0]]))
        };
        Curve {
            label: label.into(),
            slice: Slice::from_fn(evaluate),
        }
    };
    row_panel(
        "anchor (0, 0), margin = 1",
        "t",
        -3.0..=3.0,
        vec![
            curve("positive (t, 0), negative (2, 0)", true),
            curve("negative (t, 0), positive (1, 0)", false),
        ],
    )
}
