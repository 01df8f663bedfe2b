//! The Kullback-Leibler divergence between a target distribution and a predicted one,
//! one row of probabilities per sample.

use crate::{Float, loss};

/// Kullback-Leibler divergence `KL(t ‖ ŷ)` of the predicted distribution from the
/// target distribution, with both clipped away from 0 as Keras does.
///
/// ```text
/// t̃ᵢ = clamp(tᵢ, 1e-7, 1)
/// p̃ᵢ = clamp(ŷᵢ, 1e-7, 1)
/// loss = Σᵢ t̃ᵢ ln(t̃ᵢ / p̃ᵢ)
/// d loss / d ŷᵢ = -t̃ᵢ / p̃ᵢ    for 1e-7 <= ŷᵢ <= 1
///              = 0            outside that range
/// ```
///
/// The clip bounds count as inside the range. Rows are not normalised, so they should
/// already sum to 1. Then the loss is at least 0 up to the clip: it is 0 when
/// `ŷ = t`.
///
/// Edge cases:
///
/// - A target of 0 with a prediction of 0 adds `1e-7 ln(1e-7 / 1e-7) = 0` to the loss
///   and, because the prediction is below the clip range, 0 to the gradient.
/// - A target of 0 with a prediction `p` in `[1e-7, 1]` adds `1e-7 ln(1e-7 / p)`, a
///   small negative amount, with gradient `-1e-7 / p`. The exact divergence would add
///   0 there.
/// - A prediction of 0 for a class with a positive target is clipped to `1e-7`, so the
///   loss stays finite, near `t ln(t / 1e-7)`, and that class gets no gradient.
///
/// Domain: [`Validated`](crate::Validated) and
/// [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject a negative target
/// or prediction, NaN included. Without validation a negative entry is clipped to
/// `1e-7` like a 0.
///
/// Keras 3: `keras.losses.KLDivergence`, the same formula and clips.
/// PyTorch: `torch.nn.KLDivLoss(reduction="batchmean")` applied to `ŷ.log()` equals
/// this loss under [`Reduction::SumOverBatchSize`](crate::Reduction::SumOverBatchSize)
/// without the clips. It takes log-probabilities as input, and counts a target of 0
/// as 0.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = KLDivergence::new();
/// let y_true = array![[0.5, 0.5, 0.0]];
/// let y_pred = array![[0.25, 0.75, 0.0]];
///
/// // 0.5 ln 2 + 0.5 ln(2/3); the zero class adds 0 to value and gradient.
/// let (value, grad) = loss.value_and_grad(&y_true, &y_pred)?;
/// let expected = 0.5 * 2.0f64.ln() + 0.5 * (2.0f64 / 3.0).ln();
/// assert!((value - expected).abs() < 1e-12);
/// assert!((grad[[0, 0]] + 2.0).abs() < 1e-12);
/// assert_eq!(grad[[0, 2]], 0.0);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("kl_divergence")]
#[loss(name = KLDivergence, valid_inputs(y_true >= 0.0, y_pred >= 0.0))]
fn kl_divergence<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        let target = y_true[i].clamp(1e-7, 1.0);
        let prediction = y_pred[i].clamp(1e-7, 1.0);
        loss += target * (target / prediction).ln();
    }
    loss
}
