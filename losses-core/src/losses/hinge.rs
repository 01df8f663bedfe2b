//! Margin losses for labels `-1` and `1`, or `0` and `1`, and real-valued scores.

use crate::{Float, loss};

/// Hinge loss: the amount by which the margin `y ŷ` falls short of 1.
///
/// ```text
/// y' = -1 if y = 0, else y
/// loss(y, ŷ) = max(1 - y' ŷ, 0)
/// d loss / d ŷ = -y'       for y' ŷ < 1
///              = -y' / 2   for y' ŷ = 1
///              = 0         for y' ŷ > 1
/// ```
///
/// At a margin of exactly 1 the two arguments of `max` tie, and each gets half of the
/// gradient.
///
/// Labels of 0 are mapped to -1 element by element, so labels in `{0, 1}` and in
/// `{-1, 1}` both work. Other labels are used as they are.
///
/// Keras 3: `keras.losses.Hinge`, the same formula, but Keras maps labels batch by batch:
/// it replaces `y` by `2y - 1` only when every label of the batch is 0 or 1, and leaves
/// the batch alone otherwise. The two agree on batches of `{0, 1}` labels and on batches
/// of `{-1, 1}` labels. On a batch that mixes 0 with other values, such as
/// `[0, 1, -1]`, Keras keeps the 0 as 0, with loss 1 and gradient 0, where this loss
/// uses -1.
/// PyTorch: no equivalent. `torch.nn.HingeEmbeddingLoss` is a different loss, on
/// distances rather than scores.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = Hinge::new();
/// let y_true = array![1.0, 0.0, -1.0];
/// let y_pred = array![0.25, -2.0, 0.5];
///
/// // Margins 0.25, 2 and -0.5 give 0.75, 0 and 1.5.
/// let (value, grad) = loss.value_and_grad(&y_true, &y_pred)?;
/// assert_eq!(value, 0.75);
/// assert_eq!(grad, array![-1.0 / 3.0, 0.0, 1.0 / 3.0]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("hinge")]
#[loss]
fn hinge<T: Float>(y_true: T, y_pred: T) -> T {
    let label = if y_true == 0.0 { -1.0 } else { y_true };
    (1.0 - label * y_pred).max(0.0)
}

/// Squared hinge loss: the square of [`Hinge`]'s shortfall, smooth at a margin of 1.
///
/// ```text
/// y' = -1 if y = 0, else y
/// loss(y, ŷ) = max(1 - y' ŷ, 0)²
/// d loss / d ŷ = -2 y' max(1 - y' ŷ, 0)
/// ```
///
/// The gradient is continuous, and 0 at a margin of exactly 1. Labels of 0 map to -1
/// element by element, with the same difference from Keras as [`Hinge`].
///
/// Keras 3: `keras.losses.SquaredHinge`, the same formula, with labels mapped per batch.
/// PyTorch: no equivalent.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = SquaredHinge::new();
/// // A margin of -0.5 falls short by 1.5.
/// let (value, grad) = loss.value_and_grad(&array![0.0], &array![0.5])?;
/// assert_eq!(value, 2.25);
/// assert_eq!(grad, array![3.0]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("squared_hinge")]
#[loss]
fn squared_hinge<T: Float>(y_true: T, y_pred: T) -> T {
    let label = if y_true == 0.0 { -1.0 } else { y_true };
    (1.0 - label * y_pred).max(0.0).powi(2)
}
