//! Overlap losses for segmentation masks: Dice, Jaccard and Tversky.
//!
//! Each sample's row is its flattened mask: targets in `{0, 1}` (or soft labels in
//! `[0, 1]`) and predicted probabilities in `[0, 1]`, one per pixel or voxel. Flatten
//! the spatial axes into the last axis, so that an input of shape `[N, H, W]` becomes
//! `[N, H × W]`. The overlap is computed per sample, and the reduction then averages
//! the per-sample losses.
//!
//! Keras 3 `Dice` and `Tversky` default to `axis=None`, which pools the whole batch
//! into one overlap. Each loss here does that with `with_axis(Axis::WholeBatch)`:
//! one loss from sums over every element, whatever the reduction. That axis has no
//! per-sample losses, so `per_sample`, sample weights and `Reduction::None` are
//! errors there.
//!
//! The sums below run over the row:
//!
//! ```text
//! TP = Σᵢ tᵢ pᵢ            (soft true positives, the intersection)
//! FP = Σᵢ (1 - tᵢ) pᵢ      (soft false positives)
//! FN = Σᵢ tᵢ (1 - pᵢ)      (soft false negatives)
//! ```
//!
//! `smooth` is added to the numerator and the denominator of each overlap ratio. It
//! makes two empty masks a perfect match, with loss 0, and keeps the gradient finite
//! there. With `smooth = 0` a sample whose denominator is exactly 0 has loss 0 and
//! gradient 0 instead of `0 / 0`.

use crate::{Float, loss};

/// Dice loss: one minus the smoothed Dice coefficient (F1 score) of the masks.
///
/// ```text
/// loss = 1 - (2 Σ t p + smooth) / (Σ t + Σ p + smooth)
/// d loss / d pₖ = -(2 tₖ D - (2 Σ t p + smooth)) / D²,   D = Σ t + Σ p + smooth
/// ```
///
/// Parameters, in the order of `Dice::new`: `smooth = 1.0`, which must be `>= 0`.
///
/// Edge cases, with the default `smooth = 1`:
///
/// - Empty masks, `t = 0` and `p = 0`, give loss 0 and gradient `1 / smooth` per
///   element: finite, and pointing to lower predictions.
/// - An empty target with positive predictions gives `1 - smooth / (Σ p + smooth)`,
///   more than 0, with gradient `smooth / (Σ p + smooth)²` per element, which pushes
///   the predictions down.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a target or a
/// prediction outside `[0, 1]`, NaN included.
///
/// Keras 3: `keras.losses.Dice(axis=-1)` on the flattened masks computes
/// `1 - 2 Σ t p / (Σ t + Σ p + 1e-7)`: no `smooth` in the numerator, and an epsilon of
/// `1e-7` in the denominator. So its empty masks give loss 1, not 0. With its default
/// `axis=None` it pools the whole batch, as `with_axis(Axis::WholeBatch)` does.
/// PyTorch: no loss in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = Dice::default();
/// // TP = 1, Σ t = 2, Σ p = 1: 1 - (2 + 1) / (2 + 1 + 1) = 0.25.
/// let value: f64 = loss.value(&array![[1.0, 1.0, 0.0, 0.0]], &array![[1.0, 0.0, 0.0, 0.0]])?;
/// assert!((value - 0.25).abs() < 1e-12);
///
/// // Empty masks match perfectly.
/// let (value, grad) = loss.value_and_grad(&array![[0.0, 0.0]], &array![[0.0, 0.0]])?;
/// assert_eq!(value, 0.0);
/// assert_eq!(grad, array![[1.0, 1.0]]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("dice")]
#[loss(
    batch,
    defaults(smooth = 1.0),
    require(smooth >= 0.0),
    valid_inputs(y_true >= 0.0 && y_true <= 1.0, y_pred >= 0.0 && y_pred <= 1.0)
)]
fn dice<T: Float>(y_true: &[T], y_pred: &[T], smooth: T) -> T {
    let mut intersection = 0.0;
    let mut true_sum = 0.0;
    let mut pred_sum = 0.0;
    for i in 0..y_pred.len() {
        intersection += y_true[i] * y_pred[i];
        true_sum += y_true[i];
        pred_sum += y_pred[i];
    }
    let denominator = true_sum + pred_sum + smooth;
    if denominator == 0.0 {
        0.0
    } else {
        1.0 - (2.0 * intersection + smooth) / denominator
    }
}

/// Jaccard loss: one minus the smoothed Jaccard index (intersection over union) of the
/// masks.
///
/// ```text
/// I = Σ t p
/// U = Σ t + Σ p - I
/// loss = 1 - (I + smooth) / (U + smooth)
/// d loss / d pₖ = -(tₖ (U + smooth) - (I + smooth)(1 - tₖ)) / (U + smooth)²
/// ```
///
/// Parameters, in the order of `Jaccard::new`: `smooth = 1.0`, which must be `>= 0`.
///
/// Edge cases, with the default `smooth = 1`: empty masks give loss 0 and gradient
/// `1 / smooth` per element. An empty target with positive predictions gives
/// `1 - smooth / (Σ p + smooth)`, more than 0, with a positive gradient that pushes the
/// predictions down.
///
/// The Jaccard loss `J` and the Dice loss `D` with `smooth = 0` are related by
/// `1 - J = (1 - D) / (2 - (1 - D))`, so both rank predictions the same way, but the
/// Jaccard loss penalises a partial overlap more.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a target or a
/// prediction outside `[0, 1]`, NaN included.
///
/// Keras 3: no Jaccard loss.
/// PyTorch: no loss in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = Jaccard::default();
/// // I = 1, U = 2 + 1 - 1 = 2: 1 - (1 + 1) / (2 + 1) = 1/3.
/// let value: f64 = loss.value(&array![[1.0, 1.0, 0.0, 0.0]], &array![[1.0, 0.0, 0.0, 0.0]])?;
/// assert!((value - 1.0 / 3.0).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("jaccard")]
#[loss(
    batch,
    defaults(smooth = 1.0),
    require(smooth >= 0.0),
    valid_inputs(y_true >= 0.0 && y_true <= 1.0, y_pred >= 0.0 && y_pred <= 1.0)
)]
fn jaccard<T: Float>(y_true: &[T], y_pred: &[T], smooth: T) -> T {
    let mut intersection = 0.0;
    let mut true_sum = 0.0;
    let mut pred_sum = 0.0;
    for i in 0..y_pred.len() {
        intersection += y_true[i] * y_pred[i];
        true_sum += y_true[i];
        pred_sum += y_pred[i];
    }
    let denominator = true_sum + pred_sum - intersection + smooth;
    if denominator == 0.0 {
        0.0
    } else {
        1.0 - (intersection + smooth) / denominator
    }
}

/// Tversky loss: a Dice loss whose false positives and false negatives carry their own
/// weights, for masks where one kind of mistake costs more.
///
/// ```text
/// TP = Σ t p,   FP = Σ (1 - t) p,   FN = Σ t (1 - p)
/// loss = 1 - (TP + smooth) / (TP + alpha FP + beta FN + smooth)
/// ```
///
/// `alpha` weighs the false positives and `beta` the false negatives, as in Salehi,
/// Erdogmus and Gholipour, "Tversky loss function for image segmentation using 3D
/// fully convolutional deep networks" (2017). A larger `beta` favours recall, which
/// helps with small foreground regions. `alpha = beta = 1` gives [`Jaccard`] with the
/// same `smooth`, and `alpha = beta = 0.5` gives [`Dice`] with twice the `smooth`,
/// because the denominator becomes `(Σ t + Σ p) / 2 + smooth`.
///
/// Parameters, in the order of `Tversky::new`: `alpha = 0.5`, `beta = 0.5` and
/// `smooth = 1.0`, each `>= 0`.
///
/// Edge cases, with the default `smooth = 1`: empty masks give loss 0 with a finite
/// gradient, `alpha / smooth` per element. An empty target with positive predictions
/// gives `1 - smooth / (alpha Σ p + smooth)`, more than 0 for `alpha > 0`, with a
/// positive gradient that pushes the predictions down.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a target or a
/// prediction outside `[0, 1]`, NaN included.
///
/// Keras 3: `keras.losses.Tversky(alpha=0.5, beta=0.5, axis=-1)` on the flattened
/// masks has an epsilon of `1e-7` in the denominator only, instead of `smooth` in both
/// places. Keras 3.15 also swaps the two weights against its own documentation: its
/// code multiplies the false negatives by `alpha` and the false positives by `beta`.
/// So Keras's `Tversky(alpha=a, beta=b)` corresponds to `Tversky::new(b, a, ..)` here.
/// With its default `axis=None` it pools the whole batch, as `with_axis(Axis::WholeBatch)` does.
/// PyTorch: no loss in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let y_true = array![[1.0, 1.0, 0.0, 0.0]];
/// let y_pred = array![[1.0, 0.0, 1.0, 0.0]];
/// // TP = 1, FP = 1, FN = 1.
/// let favour_recall = Tversky::new(0.3, 0.7, 1.0);
/// let value: f64 = favour_recall.value(&y_true, &y_pred)?;
/// assert!((value - (1.0 - 2.0 / 3.0)).abs() < 1e-12);
///
/// // With alpha = beta = 0.5 it is the Dice loss with twice the smooth.
/// let tversky: f64 = Tversky::default().value(&y_true, &y_pred)?;
/// let dice: f64 = Dice::new(2.0).value(&y_true, &y_pred)?;
/// assert!((tversky - dice).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("tversky")]
#[loss(
    batch,
    defaults(alpha = 0.5, beta = 0.5, smooth = 1.0),
    require(alpha >= 0.0, beta >= 0.0, smooth >= 0.0),
    valid_inputs(y_true >= 0.0 && y_true <= 1.0, y_pred >= 0.0 && y_pred <= 1.0)
)]
fn tversky<T: Float>(y_true: &[T], y_pred: &[T], alpha: T, beta: T, smooth: T) -> T {
    let mut true_positives = 0.0;
    let mut false_positives = 0.0;
    let mut false_negatives = 0.0;
    for i in 0..y_pred.len() {
        true_positives += y_true[i] * y_pred[i];
        false_positives += (1.0 - y_true[i]) * y_pred[i];
        false_negatives += y_true[i] * (1.0 - y_pred[i]);
    }
    let denominator = true_positives + alpha * false_positives + beta * false_negatives + smooth;
    if denominator == 0.0 {
        0.0
    } else {
        1.0 - (true_positives + smooth) / denominator
    }
}
