//! The cosine similarity loss between target and predicted vectors, one row per
//! sample.

use crate::{Float, loss};

/// Negative cosine similarity between the target and the predicted vector: -1 when they
/// point the same way, 0 when orthogonal, 1 when opposite.
///
/// ```text
/// t̂ = t / max(‖t‖, 1e-7)
/// p̂ = ŷ / max(‖ŷ‖, 1e-7)
/// loss = -Σᵢ t̂ᵢ p̂ᵢ
/// d loss / d ŷ = -(t̂ - (t̂ · p̂) p̂) / ‖ŷ‖    for ‖ŷ‖ > 1e-7
///             = -t̂ / 1e-7                  for ‖ŷ‖ < 1e-7
/// ```
///
/// The loss is `-cos θ`, in `[-1, 1]`, not `1 - cos θ`: minimising it maximises the
/// similarity. The gradient with respect to `ŷ` is orthogonal to `ŷ` while
/// `‖ŷ‖ > 1e-7`, so it turns the prediction without scaling it.
///
/// The bound `1e-7` on each norm keeps zero vectors finite. A target or a prediction
/// of all zeros gives a loss of 0. An all-zero prediction gets the gradient
/// `-t̂ / 1e-7`, of size 1e7 for a non-zero target, which points toward the target.
///
/// Keras 3: `keras.losses.CosineSimilarity(axis=-1)`, the same `-cos θ`. Keras 3.15
/// normalises with `keras.ops.normalize`, which bounds each norm below by its epsilon
/// `1e-7`, as here. TensorFlow's `tf.math.l2_normalize`, which tf.keras used, bounds
/// the squared norm by `1e-12` instead, so its norms by `1e-6`. The two differ only
/// for vectors shorter than `1e-6`.
/// PyTorch: `-torch.nn.functional.cosine_similarity(y_pred, y_true, dim=-1,
/// eps=1e-7)`, whose documented formula bounds each norm by `eps` in the same way. Its
/// default `eps` is `1e-8`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = CosineSimilarity::new();
/// // The same direction, orthogonal, and the opposite direction.
/// let y_true = array![[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]];
/// let y_pred = array![[2.0, 0.0], [0.0, 3.0], [-1.0, -1.0]];
/// let per_sample = loss.per_sample(&y_true, &y_pred)?;
/// assert!((per_sample[0] + 1.0f64).abs() < 1e-12);
/// assert!(per_sample[1].abs() < 1e-12);
/// assert!((per_sample[2] - 1.0).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("cosine_similarity")]
#[loss]
fn cosine_similarity<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut dot = 0.0;
    let mut true_squares = 0.0;
    let mut pred_squares = 0.0;
    for i in 0..y_pred.len() {
        dot += y_true[i] * y_pred[i];
        true_squares += y_true[i] * y_true[i];
        pred_squares += y_pred[i] * y_pred[i];
    }
    let true_norm = true_squares.sqrt().max(1e-7);
    let pred_norm = pred_squares.sqrt().max(1e-7);
    -dot / (true_norm * pred_norm)
}
