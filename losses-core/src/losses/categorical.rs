//! Losses over a row of class scores per sample: categorical cross-entropy, its sparse
//! and focal forms, and the categorical hinge.
//!
//! Each sample is one row along the last axis, holding `C` class scores, and its loss
//! is a sum over the classes, not a mean. Targets are one-hot rows or, for the
//! cross-entropies, any distribution over the classes. The sparse form takes one class
//! index per sample instead.

use crate::{Float, loss};

/// Categorical cross-entropy between target distributions over `C` classes and predicted
/// probabilities or logits.
///
/// ```text
/// t'ᵢ = tᵢ (1 - label_smoothing) + label_smoothing / C
///
/// logits (from_logits = true), x = ŷ:
///     m = maxⱼ xⱼ
///     log pᵢ = (xᵢ - m) - ln Σⱼ e^(xⱼ - m)
///     loss = -Σᵢ t'ᵢ log pᵢ                  (classes with t'ᵢ = 0 are left out)
///     d loss / d xᵢ = pᵢ Σⱼ t'ⱼ - t'ᵢ
///
/// probabilities (from_logits = false), S = Σⱼ ŷⱼ:
///     pᵢ = clamp(ŷᵢ / S, 1e-7, 1 - 1e-7)
///     loss = -Σᵢ t'ᵢ ln pᵢ
///     d loss / d ŷₖ = Σᵢ t'ᵢ / S - t'ₖ / ŷₖ    while no pᵢ is clipped
/// ```
///
/// Probabilities are divided by their row sum before the clip, so a row need not add up
/// to 1. A `pᵢ` beyond a clip bound passes no gradient, and the bounds themselves count
/// as inside the range. The logits are shifted by their maximum, so any finite logits
/// give a finite loss: logits `[1e8, 1e8]` with target class 1 give `ln 2` and
/// gradient `[0.5, -0.5]` in `f32` and `f64` alike.
///
/// Parameters, in the order of `CategoricalCrossentropy::new`: `from_logits = false`
/// and `label_smoothing = 0.0`, which must lie in `[0, 1]`. Label smoothing mixes the
/// target with the uniform distribution, so a one-hot 1 becomes
/// `1 - label_smoothing + label_smoothing / C`.
///
/// Edge cases with logits:
///
/// - A logit of `-inf` masks its class. Where the smoothed target is 0, the class adds
///   0 to the loss and gets a gradient of 0. With `label_smoothing > 0` every class has
///   a positive target, so a masked class makes the loss `+inf`.
/// - A row whose logits are all `-inf`, a fully masked sample, has loss 0 and gradient
///   0. It still counts as a sample in the divisor of
///   [`Reduction::SumOverBatchSize`](crate::Reduction::SumOverBatchSize). Give it a
///   sample weight of 0 under [`Reduction::Mean`](crate::Reduction::Mean) to leave it
///   out of the mean.
/// - A logit of `+inf` or NaN makes the loss NaN.
///
/// With probabilities, a row that sums to 0 gives NaN, as in Keras.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a negative target
/// and, unless `from_logits`, a negative probability, NaN included. They accept a
/// probability row that sums to 0, and logits of `-inf`.
///
/// Keras 3: `keras.losses.CategoricalCrossentropy(from_logits=False,
/// label_smoothing=0.0)`, with the same formulas, clip and smoothing, over the last
/// axis. Keras 3.15 on JAX returns NaN for masked logits, because it multiplies a
/// target of 0 by a log-probability of `-inf`.
/// PyTorch: `torch.nn.CrossEntropyLoss(label_smoothing=...)` with class-probability
/// targets computes the logit form. It has no probability form with a clip.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // Probabilities are normalised first: [1, 3, 1] / 5 gives 0.6 to the target class.
/// let probabilities = CategoricalCrossentropy::default();
/// let value: f64 = probabilities.value(&array![[0.0, 1.0, 0.0]], &array![[1.0, 3.0, 1.0]])?;
/// assert!((value + 0.6f64.ln()).abs() < 1e-12);
///
/// // Logits with a masked class: the two classes left share the probability.
/// let logits = CategoricalCrossentropy::new(true, 0.0);
/// let y_pred = array![[f64::NEG_INFINITY, 0.0, 0.0]];
/// let (value, grad) = logits.value_and_grad(&array![[0.0, 1.0, 0.0]], &y_pred)?;
/// assert!((value - std::f64::consts::LN_2).abs() < 1e-12);
/// assert_eq!(grad, array![[0.0, -0.5, 0.5]]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("categorical_crossentropy")]
#[loss(
    defaults(from_logits = false, label_smoothing = 0.0),
    require(label_smoothing >= 0.0, label_smoothing <= 1.0),
    valid_inputs(y_true >= 0.0, from_logits || y_pred >= 0.0)
)]
// `#[loss]` bodies have no iterators, so a loop that reads only `y_pred` is
// still a range loop over indices.
#[allow(clippy::needless_range_loop)]
fn categorical_crossentropy<T: Float>(
    y_true: &[T],
    y_pred: &[T],
    from_logits: bool,
    label_smoothing: T,
) -> T {
    let classes = T::from(y_pred.len()).unwrap();
    if from_logits {
        let mut max = y_pred[0];
        for i in 1..y_pred.len() {
            max = max.max(y_pred[i]);
        }
        // The shift by the maximum only keeps `exp` finite. The loss does not change when
        // every logit of a row is shifted by the same amount, so its derivative with
        // respect to the shift is exactly 0. `detach` drops that gradient, and with it
        // the reverse pass of the loop above.
        let max = max.detach();
        // -1 / 0 is -inf. With every logit at -inf, `y_pred[i] - max` would be NaN, so
        // the shift is replaced by 0 and the sample's loss by 0.
        let all_masked = max == -1.0 / 0.0;
        // One loop gathers the three sums the loss needs. With t = target,
        // s = shifted and log_sum = ln(sum), it uses
        // sum_i t_i (log_sum - s_i) = log_sum * sum_i t_i - sum_i t_i s_i,
        // so the gradient also takes one reverse loop. log_sum >= 0 >= s_i, so
        // the subtraction adds two non-negative numbers and cancels no digits.
        let mut sum = 0.0;
        let mut total_target = 0.0;
        let mut weighted = 0.0;
        for i in 0..y_pred.len() {
            let target = y_true[i] * (1.0 - label_smoothing) + label_smoothing / classes;
            let shifted = if all_masked { 0.0 } else { y_pred[i] - max };
            sum += shifted.exp();
            total_target += target;
            // A masked class has shifted = -inf, and 0 × inf would be NaN.
            weighted += if target == 0.0 { 0.0 } else { target * shifted };
        }
        let loss = sum.ln() * total_target - weighted;
        if all_masked { 0.0 } else { loss }
    } else {
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            sum += y_pred[i];
        }
        let mut loss = 0.0;
        for i in 0..y_pred.len() {
            let target = y_true[i] * (1.0 - label_smoothing) + label_smoothing / classes;
            let probability = (y_pred[i] / sum).clamp(1e-7, 1.0 - 1e-7);
            loss -= target * probability.ln();
        }
        loss
    }
}

/// Categorical cross-entropy with one class index per sample in `y_true`, instead of a
/// one-hot row.
///
/// ```text
/// k = y_true, the target class of the sample
///
/// logits (from_logits = true), x = ŷ:
///     m = maxⱼ xⱼ
///     loss = ln Σⱼ e^(xⱼ - m) - (x_k - m)
///     d loss / d xᵢ = softmax(x)ᵢ - [i = k]
///
/// probabilities (from_logits = false), S = Σⱼ ŷⱼ:
///     p_k = clamp(ŷ_k / S, 1e-7, 1 - 1e-7)
///     loss = -ln p_k
///     d loss / d ŷᵢ = 1 / S - [i = k] / ŷ_k    while p_k is not clipped
/// ```
///
/// This is [`CategoricalCrossentropy`] without label smoothing, with the target row
/// one-hot at class `k`. `y_true` has `y_pred`'s shape without its last axis, or with a
/// last axis of length 1, and contains class indices as floats: `0.0`, `1.0`, ….
/// Probabilities are divided by their row sum before the clip, as Keras does. A `p_k`
/// beyond a clip bound passes no gradient, and the bounds count as inside the range.
///
/// Parameters, in the order of `SparseCategoricalCrossentropy::new`:
/// `from_logits = false`, and `ignore_class = -1.0`: samples whose label equals
/// `ignore_class` are left out, with loss 0 and gradient 0, and are not counted in the
/// number of samples of
/// [`Reduction::SumOverBatchSize`](crate::Reduction::SumOverBatchSize) or the weight
/// sum of [`Reduction::Mean`](crate::Reduction::Mean). A negative `ignore_class`,
/// such as the default, ignores no class.
///
/// Edge cases and errors:
///
/// - A label that is negative, fractional, infinite, NaN or too large for `usize` is
///   a [`LossError::InvalidLabel`](crate::LossError::InvalidLabel), and a class index
///   of `C` or more, for rows of `C` classes, is a
///   [`LossError::IndexOutOfBounds`](crate::LossError::IndexOutOfBounds). Both come
///   from the evaluation itself, which stops at the first such sample. A sample left
///   out by `ignore_class` is not evaluated, so its label is not checked.
/// - Logits of `-inf` mask classes as in [`CategoricalCrossentropy`]: masked classes
///   get a gradient of 0, and a row whose logits are all `-inf` has loss 0 and
///   gradient 0. A masked target class makes the loss `+inf`.
/// - With probabilities, a row that sums to 0 gives NaN, as in Keras.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject, unless
/// `from_logits`, a negative probability, NaN included.
///
/// Keras 3: `keras.losses.SparseCategoricalCrossentropy(from_logits=False,
/// ignore_class=None)`, the same formulas and clip. Keras's `ignore_class=None` is a
/// negative `ignore_class` here. Keras also accepts a negative class such as `-1` to
/// ignore, often used for padding; here give padding a class index no real class has,
/// such as `C`, and set `ignore_class` to it. Keras's mean also leaves ignored samples
/// out of its divisor. For a label of `C` or more Keras returns a loss of 0 instead of
/// an error.
/// PyTorch: `torch.nn.CrossEntropyLoss(ignore_index=...)` with class-index targets
/// computes the logit form. Its `reduction="mean"` also divides by the number of
/// samples that are not ignored.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // Equal logits: each of the two classes gets probability 1/2.
/// let loss = SparseCategoricalCrossentropy::new(true, -1.0);
/// let (value, grad) = loss.value_and_grad(&array![1.0], &array![[3.0, 3.0]])?;
/// assert!((value - std::f64::consts::LN_2).abs() < 1e-12);
/// assert_eq!(grad, array![[0.5, -0.5]]);
///
/// // Probabilities are normalised: [1, 3] / 4 gives 0.75 to class 1. The sample
/// // labelled 2 is ignored, so the mean is over one sample.
/// let loss = SparseCategoricalCrossentropy::new(false, 2.0);
/// let value: f64 = loss.value(&array![1.0, 2.0], &array![[1.0, 3.0], [0.5, 0.5]])?;
/// assert!((value + 0.75f64.ln()).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("sparse_categorical_crossentropy")]
#[loss(
    defaults(from_logits = false, ignore_class = -1.0),
    valid_inputs(from_logits || y_pred >= 0.0),
    exclude_if(ignore_class >= 0.0 && y_true == ignore_class)
)]
// `#[loss]` bodies have no iterators, so a loop that reads only `y_pred` is
// still a range loop over indices. `ignore_class` is read by `exclude_if`, not by
// the body.
#[allow(clippy::needless_range_loop, unused_variables)]
fn sparse_categorical_crossentropy<T: Float>(
    y_true: usize,
    y_pred: &[T],
    from_logits: bool,
    ignore_class: T,
) -> T {
    if from_logits {
        let mut max = y_pred[0];
        for i in 1..y_pred.len() {
            max = max.max(y_pred[i]);
        }
        // The loss does not change when every logit of a row is shifted by the same
        // amount, so the shift's gradient is exactly 0: see `categorical_crossentropy`.
        let max = max.detach();
        // -1 / 0 is -inf: see `categorical_crossentropy`.
        let all_masked = max == -1.0 / 0.0;
        // The true class's logit is read before the loop, so that the loop's gradient
        // writes come first in the reverse pass and set the row instead of adding to it.
        let picked = y_pred[y_true];
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            let shifted = if all_masked { 0.0 } else { y_pred[i] - max };
            sum += shifted.exp();
        }
        if all_masked {
            0.0
        } else {
            sum.ln() - (picked - max)
        }
    } else {
        let picked = y_pred[y_true];
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            sum += y_pred[i];
        }
        -(picked / sum).clamp(1e-7, 1.0 - 1e-7).ln()
    }
}

/// Categorical focal cross-entropy: each class's cross-entropy term scaled by
/// `alpha (1 - pᵢ)^gamma`, which shrinks the loss of classes predicted well.
///
/// ```text
/// t'ᵢ = tᵢ (1 - label_smoothing) + label_smoothing / C
///
/// probabilities (from_logits = false):
///     pᵢ = clamp(ŷᵢ / Σⱼ ŷⱼ, 1e-7, 1 - 1e-7),   log pᵢ = ln pᵢ
///
/// logits (from_logits = true), x = ŷ:
///     log pᵢ = (xᵢ - m) - ln Σⱼ e^(xⱼ - m),     m = maxⱼ xⱼ
///     pᵢ = e^(log pᵢ)
///
/// loss = -Σᵢ alpha (1 - pᵢ)^gamma t'ᵢ log pᵢ    (classes with t'ᵢ = 0 are left out)
/// ```
///
/// With `gamma = 0` and `alpha = 1` this is [`CategoricalCrossentropy`].
///
/// Parameters, in the order of `CategoricalFocalCrossentropy::new`: `alpha = 0.25`,
/// a weight for every class that must be `>= 0`, `gamma = 2.0`, which must be `>= 0`,
/// `from_logits = false`, and `label_smoothing = 0.0` in `[0, 1]`.
///
/// Edge cases:
///
/// - Probabilities are clipped as in [`CategoricalCrossentropy`], so `1 - pᵢ` is at
///   least `1e-7` and the focal factor stays differentiable.
/// - From logits, `1 - pᵢ` is computed as `-(e^(log pᵢ) - 1)` with `exp_m1`, so it
///   keeps its digits when `pᵢ` is close to 1. Where it is exactly 0, the focal
///   factor's gradient is taken as 0 unless `gamma = 1`.
/// - Masked logits of `-inf` and fully masked rows behave as in
///   [`CategoricalCrossentropy`]: a class with target 0 adds 0, and a row of `-inf`
///   has loss 0 and gradient 0.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a negative target
/// and, unless `from_logits`, a negative probability, NaN included.
///
/// Keras 3: `keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0,
/// from_logits=False, label_smoothing=0.0)`. With probabilities the formula is the same.
/// Keras also accepts a list of per-class `alpha` values, which this loss does not.
/// With logits this loss differs from Keras on purpose, as
/// [`BinaryFocalCrossentropy`](crate::losses::BinaryFocalCrossentropy) does. Keras
/// takes the softmax and then applies the clipped probability formula. So for a class
/// whose softmax probability falls below `1e-7`, its cross-entropy is capped at
/// `-ln(1e-7) ≈ 16.118` and passes no gradient. This loss keeps the exact log-softmax.
/// The two agree while every softmax probability lies in `[1e-7, 1 - 1e-7]`.
/// PyTorch: no equivalent in `torch.nn` or torchvision, which has only the sigmoid
/// (binary) focal loss.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // p = 0.5 for the target class: 0.25 × (1 - 0.5)² × ln 2.
/// let loss = CategoricalFocalCrossentropy::default();
/// let value: f64 = loss.value(&array![[1.0, 0.0]], &array![[0.5, 0.5]])?;
/// assert!((value - 0.0625 * std::f64::consts::LN_2).abs() < 1e-12);
///
/// // The same from logits: equal logits give p = 0.5.
/// let logits = CategoricalFocalCrossentropy::new(0.25, 2.0, true, 0.0);
/// let value: f64 = logits.value(&array![[1.0, 0.0]], &array![[3.0, 3.0]])?;
/// assert!((value - 0.0625 * std::f64::consts::LN_2).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("categorical_focal_crossentropy")]
#[loss(
    defaults(alpha = 0.25, gamma = 2.0, from_logits = false, label_smoothing = 0.0),
    require(
        alpha >= 0.0,
        gamma >= 0.0,
        label_smoothing >= 0.0,
        label_smoothing <= 1.0
    ),
    valid_inputs(y_true >= 0.0, from_logits || y_pred >= 0.0)
)]
// `#[loss]` bodies have no iterators, so a loop that reads only `y_pred` is
// still a range loop over indices.
#[allow(clippy::needless_range_loop)]
fn categorical_focal_crossentropy<T: Float>(
    y_true: &[T],
    y_pred: &[T],
    alpha: T,
    gamma: T,
    from_logits: bool,
    label_smoothing: T,
) -> T {
    let classes = T::from(y_pred.len()).unwrap();
    if from_logits {
        let mut max = y_pred[0];
        for i in 1..y_pred.len() {
            max = max.max(y_pred[i]);
        }
        // The loss does not change when every logit of a row is shifted by the same
        // amount, so the shift's gradient is exactly 0: see `categorical_crossentropy`.
        let max = max.detach();
        // -1 / 0 is -inf: see `categorical_crossentropy`.
        let all_masked = max == -1.0 / 0.0;
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            let shifted = if all_masked { 0.0 } else { y_pred[i] - max };
            sum += shifted.exp();
        }
        let log_sum = sum.ln();
        let mut loss = 0.0;
        for i in 0..y_pred.len() {
            let target = y_true[i] * (1.0 - label_smoothing) + label_smoothing / classes;
            let shifted = if all_masked { 0.0 } else { y_pred[i] - max };
            let log_probability = shifted - log_sum;
            let focal = (-log_probability.exp_m1()).powf(gamma);
            loss += if target == 0.0 {
                0.0
            } else {
                -alpha * focal * target * log_probability
            };
        }
        if all_masked { 0.0 } else { loss }
    } else {
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            sum += y_pred[i];
        }
        let mut loss = 0.0;
        for i in 0..y_pred.len() {
            let target = y_true[i] * (1.0 - label_smoothing) + label_smoothing / classes;
            let probability = (y_pred[i] / sum).clamp(1e-7, 1.0 - 1e-7);
            let focal = (1.0 - probability).powf(gamma);
            loss -= alpha * focal * target * probability.ln();
        }
        loss
    }
}

/// Categorical hinge loss: the amount by which the target class's score fails to beat
/// the best other class's score by a margin of 1.
///
/// ```text
/// pos = Σᵢ tᵢ ŷᵢ
/// neg = maxᵢ (1 - tᵢ) ŷᵢ
/// loss = max(neg - pos + 1, 0)
/// d loss / d ŷₖ = (1 - tₖ) [k attains neg] / (number of ties) - tₖ    for neg - pos + 1 > 0
///              = 0                                                    for neg - pos + 1 < 0
/// ```
///
/// For a one-hot target the target class's own term in `neg` is `(1 - 1) ŷ = 0`, so
/// `neg` is never below 0: wrong-class scores below 0 count as 0. When several classes
/// tie for `neg`, they share its gradient equally. At `neg - pos + 1 = 0` each side of
/// the outer `max` gets half of the gradient.
///
/// Keras 3: `keras.losses.CategoricalHinge`, the same formula.
/// PyTorch: no equivalent. `torch.nn.MultiMarginLoss` takes class indices and adds the
/// hinge terms of all wrong classes instead of taking the largest.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // pos = 0.7, neg = 0.5: 0.5 - 0.7 + 1 = 0.8.
/// let loss = CategoricalHinge::new();
/// let (value, grad) = loss.value_and_grad(&array![[0.0, 1.0, 0.0]], &array![[0.5, 0.7, 0.2]])?;
/// assert!((value - 0.8f64).abs() < 1e-12);
/// assert_eq!(grad, array![[1.0, -1.0, 0.0]]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("categorical_hinge")]
#[loss]
fn categorical_hinge<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut positive = 0.0;
    for i in 0..y_pred.len() {
        positive += y_true[i] * y_pred[i];
    }
    let mut negative = (1.0 - y_true[0]) * y_pred[0];
    for i in 1..y_pred.len() {
        negative = negative.max((1.0 - y_true[i]) * y_pred[i]);
    }
    (negative - positive + 1.0).max(0.0)
}
