//! Binary focal cross-entropy, which scales down the loss of well-classified samples.

use super::helpers::{sigmoid, softplus};
use crate::{Float, loss};

/// Binary focal cross-entropy: binary cross-entropy times the focal factor
/// `(1 - p_t)^gamma`, which shrinks the loss of samples that are already classified
/// well, optionally balanced between the two classes.
///
/// ```text
/// y' = y (1 - label_smoothing) + label_smoothing / 2
///
/// probabilities (from_logits = false), p = ŷ:
///     ce = -(y' ln p_c + (1 - y') ln(1 - p_c)),  p_c = clamp(p, 1e-7, 1 - 1e-7)
///     q  = y' (1 - p) + (1 - y') p                (1 - p_t, with the unclipped p)
///
/// logits (from_logits = true), x = ŷ:
///     ce = y' softplus(-x) + (1 - y') softplus(x)
///     q  = y' sigmoid(-x) + (1 - y') sigmoid(x)
///
/// focal = q^gamma ce
/// loss  = (alpha y' + (1 - alpha) (1 - y')) focal    with apply_class_balancing
///       = focal                                      without
/// ```
///
/// `p_t = 1 - q` is the probability the prediction gives to the (smoothed) label. The
/// smoothed label `y'` is used in all three places: the cross-entropy, the focal factor
/// and the balancing weight. With `gamma = 0` and no balancing this is
/// [`BinaryCrossentropy`](crate::losses::BinaryCrossentropy).
///
/// Parameters, in the order of `BinaryFocalCrossentropy::new`:
/// `apply_class_balancing = false`, `alpha = 0.25` in `[0, 1]` (the weight of class 1;
/// class 0 gets `1 - alpha`), `gamma = 2.0`, which must be `>= 0`,
/// `from_logits = false`, and `label_smoothing = 0.0` in `[0, 1]`.
///
/// Kinks and edge cases:
///
/// - The cross-entropy clips as `BinaryCrossentropy` does, so it has no gradient
///   outside `[1e-7, 1 - 1e-7]`. The focal factor uses the unclipped probability and
///   keeps its gradient there.
/// - Where `q = 0`, for example at a probability of exactly 1 for label 1, the focal
///   factor's gradient is taken as 0 unless `gamma = 1`. For `0 < gamma < 1` the
///   mathematical derivative is infinite there.
/// - Probabilities outside `[0, 1]` can make `q` negative, and then `q^gamma` is NaN
///   for a `gamma` that is not an integer.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a label outside
/// `[0, 1]` and, unless `from_logits`, a probability outside `[0, 1]`, NaN included.
///
/// Keras 3: `keras.losses.BinaryFocalCrossentropy(apply_class_balancing=False,
/// alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0)`. With probabilities
/// the formula is the same. With logits this loss differs from Keras on purpose. Keras
/// takes the sigmoid and then applies the clipped probability formula, so its
/// cross-entropy is capped at `-ln(1e-7) ≈ 16.118` and has no gradient once `|x|`
/// passes about 16.1. This loss keeps the exact softplus form instead. On logits
/// `[-100, -100, 100, 100]` with labels `[0, 1, 0, 1]`, `gamma = 0.5` and balancing with
/// `alpha = 0.25`, the mean here is the exact 25, with gradient
/// `[0, -0.0625, 0.1875, 0]`, where Keras returns about 4.03.
/// PyTorch: `torchvision.ops.sigmoid_focal_loss(alpha=0.25, gamma=2)` is the logit form
/// with balancing on (it turns balancing off for `alpha < 0`), without label smoothing.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // A probability of 1/2 for label 1: q = 1/2, so the focal factor is 1/4.
/// let loss = BinaryFocalCrossentropy::default();
/// let value: f64 = loss.value(&array![1.0], &array![0.5])?;
/// assert!((value - 0.25 * std::f64::consts::LN_2).abs() < 1e-12);
///
/// // With class balancing, label 1 is further weighted by alpha = 0.25.
/// let balanced = BinaryFocalCrossentropy::new(true, 0.25, 2.0, false, 0.0);
/// let value: f64 = balanced.value(&array![1.0], &array![0.5])?;
/// assert!((value - 0.0625 * std::f64::consts::LN_2).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("binary_focal_crossentropy")]
#[loss(
    defaults(
        apply_class_balancing = false,
        alpha = 0.25,
        gamma = 2.0,
        from_logits = false,
        label_smoothing = 0.0
    ),
    require(
        alpha >= 0.0,
        alpha <= 1.0,
        gamma >= 0.0,
        label_smoothing >= 0.0,
        label_smoothing <= 1.0
    ),
    valid_inputs(
        y_true >= 0.0 && y_true <= 1.0,
        from_logits || (y_pred >= 0.0 && y_pred <= 1.0)
    )
)]
fn binary_focal_crossentropy<T: Float>(
    y_true: T,
    y_pred: T,
    apply_class_balancing: bool,
    alpha: T,
    gamma: T,
    from_logits: bool,
    label_smoothing: T,
) -> T {
    let label = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    let cross_entropy = if from_logits {
        label * softplus(-y_pred) + (1.0 - label) * softplus(y_pred)
    } else {
        let p = y_pred.clamp(1e-7, 1.0 - 1e-7);
        -(label * p.ln() + (1.0 - label) * (1.0 - p).ln())
    };
    // 1 - p_t. From logits it is a sigmoid rather than 1 - sigmoid(..), so it keeps
    // its digits when p_t is close to 1: e^-100 at a logit of 100, not 0.
    let one_minus_p_t = if from_logits {
        label * sigmoid(-y_pred) + (1.0 - label) * sigmoid(y_pred)
    } else {
        label * (1.0 - y_pred) + (1.0 - label) * y_pred
    };
    let focal = one_minus_p_t.powf(gamma) * cross_entropy;
    if apply_class_balancing {
        (alpha * label + (1.0 - alpha) * (1.0 - label)) * focal
    } else {
        focal
    }
}
