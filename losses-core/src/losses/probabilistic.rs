//! Losses for probabilistic targets: binary cross-entropy, its class-weighted form and
//! the Poisson negative log-likelihood.
//!
//! The binary cross-entropies take probabilities by default and logits with
//! `from_logits = true`. Probabilities are clipped to `[1e-7, 1 - 1e-7]`, as Keras 3
//! does with its epsilon of `1e-7`, so the loss of a certain mistake is
//! `-ln(1e-7) ≈ 16.118` rather than infinity. Logits are taken through softplus, which
//! neither overflows nor saturates, so no clipping is needed.

use super::helpers::softplus;
use crate::{Float, loss};

/// Binary cross-entropy between labels in `[0, 1]` and predicted probabilities or
/// logits.
///
/// ```text
/// y' = y (1 - label_smoothing) + label_smoothing / 2
///
/// probabilities (from_logits = false):
///     p = clamp(ŷ, 1e-7, 1 - 1e-7)
///     loss = -(y' ln p + (1 - y') ln(1 - p))
///     d loss / d ŷ = (p - y') / (p (1 - p))     for 1e-7 <= ŷ <= 1 - 1e-7
///                  = 0                          outside that range
///
/// logits (from_logits = true), x = ŷ:
///     loss = y' softplus(-x) + (1 - y') softplus(x)
///     d loss / d x = sigmoid(x) - y'
/// ```
///
/// The clip bounds count as inside the range. Beyond them, at a predicted probability of
/// exactly 0 or 1 for instance, the loss is constant and the gradient is 0. Logits of
/// any finite size, ±1e4 included, give finite values equal to the formula above.
///
/// Parameters, in the order of `BinaryCrossentropy::new`: `from_logits = false`,
/// `label_smoothing = 0.0`, which must lie in `[0, 1]`. Label smoothing moves each label
/// towards 1/2, so 1 becomes `1 - label_smoothing / 2`.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a label outside
/// `[0, 1]` and, unless `from_logits`, a probability outside `[0, 1]`. A NaN label or
/// probability fails these checks too. Without validation such inputs are computed
/// as they are.
///
/// Keras 3: `keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.0)`,
/// the same formulas, clip and smoothing.
/// PyTorch: `torch.nn.BCELoss` for probabilities and `torch.nn.BCEWithLogitsLoss` for
/// logits, neither with label smoothing. `BCELoss` does not clip the probability: it
/// limits each logarithm to `-100` instead, so a certain mistake costs 100, not 16.118.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let y_true = array![1.0, 0.0];
///
/// // Probabilities: -ln 0.8 and -ln(1 - 0.4).
/// let probabilities = BinaryCrossentropy::default();
/// let value: f64 = probabilities.value(&y_true, &array![0.8, 0.4])?;
/// assert!((value - (-(0.8f64).ln() - (0.6f64).ln()) / 2.0).abs() < 1e-12);
///
/// // Logits: a logit of 0 is a probability of 1/2 whatever the label.
/// let logits = BinaryCrossentropy::new(true, 0.0);
/// let (value, grad) = logits.value_and_grad(&y_true, &array![0.0, 0.0])?;
/// assert!((value - std::f64::consts::LN_2).abs() < 1e-12);
/// assert_eq!(grad, array![-0.25, 0.25]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("binary_crossentropy")]
#[loss(
    defaults(from_logits = false, label_smoothing = 0.0),
    require(label_smoothing >= 0.0, label_smoothing <= 1.0),
    valid_inputs(
        y_true >= 0.0 && y_true <= 1.0,
        from_logits || (y_pred >= 0.0 && y_pred <= 1.0)
    )
)]
fn binary_crossentropy<T: Float>(y_true: T, y_pred: T, from_logits: bool, label_smoothing: T) -> T {
    let label = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    if from_logits {
        label * softplus(-y_pred) + (1.0 - label) * softplus(y_pred)
    } else {
        let p = y_pred.clamp(1e-7, 1.0 - 1e-7);
        -(label * p.ln() + (1.0 - label) * (1.0 - p).ln())
    }
}

/// Binary cross-entropy whose positive and negative terms carry their own weights, for
/// imbalanced classes.
///
/// ```text
/// probabilities (from_logits = false):
///     p = clamp(ŷ, 1e-7, 1 - 1e-7)
///     loss = -(positive_weight y ln p + negative_weight (1 - y) ln(1 - p))
///
/// logits (from_logits = true), x = ŷ:
///     loss = positive_weight y softplus(-x) + negative_weight (1 - y) softplus(x)
///     d loss / d x = negative_weight (1 - y) sigmoid(x) - positive_weight y sigmoid(-x)
/// ```
///
/// The clip and the logit form behave as in [`BinaryCrossentropy`]: the gradient is 0
/// outside `[1e-7, 1 - 1e-7]`, and logits of any finite size give finite values. With
/// both weights 1 this is `BinaryCrossentropy` without label smoothing.
///
/// Parameters, in the order of `WeightedBinaryCrossentropy::new`:
/// `positive_weight = 1.0` and `negative_weight = 1.0`, both `>= 0`, then
/// `from_logits = false`.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a label outside
/// `[0, 1]` and, unless `from_logits`, a probability outside `[0, 1]`, NaN included.
///
/// Keras 3: no loss class. Class weights given to `Model.fit` scale whole samples by
/// their label instead.
/// PyTorch: for logits and `negative_weight > 0`, this is `negative_weight` times
/// `torch.nn.BCEWithLogitsLoss(pos_weight=positive_weight / negative_weight)`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // Mistakes on negatives cost six times as much as mistakes on positives.
/// let loss = WeightedBinaryCrossentropy::new(1.0, 6.0, false);
/// let y_true = array![1.0, 0.0];
/// let y_pred = array![0.5, 0.5];
///
/// // (ln 2 + 6 ln 2) / 2 samples
/// let value: f64 = loss.value(&y_true, &y_pred)?;
/// assert!((value - 3.5 * std::f64::consts::LN_2).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("weighted_binary_crossentropy")]
#[loss(
    defaults(positive_weight = 1.0, negative_weight = 1.0, from_logits = false),
    require(positive_weight >= 0.0, negative_weight >= 0.0),
    valid_inputs(
        y_true >= 0.0 && y_true <= 1.0,
        from_logits || (y_pred >= 0.0 && y_pred <= 1.0)
    )
)]
fn weighted_binary_crossentropy<T: Float>(
    y_true: T,
    y_pred: T,
    positive_weight: T,
    negative_weight: T,
    from_logits: bool,
) -> T {
    if from_logits {
        positive_weight * y_true * softplus(-y_pred)
            + negative_weight * (1.0 - y_true) * softplus(y_pred)
    } else {
        let p = y_pred.clamp(1e-7, 1.0 - 1e-7);
        -(positive_weight * y_true * p.ln() + negative_weight * (1.0 - y_true) * (1.0 - p).ln())
    }
}

/// Poisson negative log-likelihood of counts `y` under predicted rates `ŷ`, up to
/// terms that do not depend on `ŷ`.
///
/// ```text
/// loss(y, ŷ) = ŷ - y ln(ŷ + 1e-7)
/// d loss / d ŷ = 1 - y / (ŷ + 1e-7)
/// ```
///
/// The `1e-7` is Keras's epsilon. It keeps a rate of exactly 0 finite, with a gradient
/// of `1 - 1e7 y` there. Rates below `-1e-7` give NaN. The loss can be negative,
/// because the `ln(y!)` term of the likelihood is left out.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a negative count
/// `y` and a negative rate `ŷ`, NaN included.
///
/// Keras 3: `keras.losses.Poisson`, the same formula and epsilon.
/// PyTorch: `torch.nn.PoissonNLLLoss(log_input=False, full=False, eps=1e-7)`. Its
/// default `eps` is `1e-8`, which changes values near a rate of 0.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = Poisson::new();
/// let (value, grad) = loss.value_and_grad(&array![2.0], &array![2.0])?;
/// assert!((value - (2.0 - 2.0 * (2.0f64 + 1e-7).ln())).abs() < 1e-12);
/// // At ŷ = y the gradient is nearly 0: 1 - 2 / (2 + 1e-7).
/// assert!(grad[0].abs() < 1e-7);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("poisson")]
#[loss(valid_inputs(y_true >= 0.0, y_pred >= 0.0))]
fn poisson<T: Float>(y_true: T, y_pred: T) -> T {
    y_pred - y_true * (y_pred + 1e-7).ln()
}
