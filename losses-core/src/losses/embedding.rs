//! Metric-learning losses on embeddings: the contrastive loss of a pair and the triplet
//! margin loss.
//!
//! Each input contains one embedding per sample along its last axis, and every input is
//! differentiated. The distance between two embeddings is the Euclidean one,
//! `d(u, v) = ‖u - v‖₂`, computed without an epsilon. Where two embeddings coincide,
//! `d = √0`, and the derivative of `sqrt` at 0 is taken as 0, so the gradient stays
//! finite and no direction is invented for a distance of 0.
//!
//! The embeddings of one loss must have the same shape: embeddings of different
//! shapes, such as rows of 128 and 130 elements, are a
//! [`LossError::InputShapeMismatch`](crate::LossError::InputShapeMismatch) naming both.

use crate::{Float, loss};

/// Contrastive loss of a pair of embeddings: similar pairs (label 1) are pulled
/// together, dissimilar pairs (label 0) pushed apart until they are `margin` apart.
///
/// ```text
/// d = ‖x1 - x2‖₂
/// loss = y d² + (1 - y) max(margin - d, 0)²
/// d loss / d x1 = 2 y (x1 - x2) - 2 (1 - y) max(margin - d, 0) (x1 - x2) / d
/// d loss / d x2 = -d loss / d x1
/// ```
///
/// `y_true` contains one label per pair: 1 for similar, 0 for dissimilar, or a soft label
/// in between. Its shape is the samples' shape, with or without a last axis of 1.
///
/// Parameters: `margin = 1.0`, which must be `>= 0`. Build the loss with
/// `ContrastiveLoss::new(margin)` or `ContrastiveLoss::default()`.
///
/// Kinks and edge cases:
///
/// - The similar term uses `d²`, the sum of squares, directly, so it is smooth
///   everywhere: identical embeddings of a similar pair give loss 0 and gradient 0.
/// - A dissimilar pair of identical embeddings has loss `margin²` and gradient 0,
///   because the derivative of `sqrt` at 0 is taken as 0. The direction in which to
///   push them apart is undefined there.
/// - At `d = margin` the two arguments of `max` tie. Either way the gap is 0, so the
///   dissimilar term's gradient is 0.
///
/// This is the loss of Hadsell, Chopra and LeCun, "Dimensionality reduction by
/// learning an invariant mapping" (CVPR 2006), with their label flipped and without
/// their factor 1/2: they write `Y = 0` for similar pairs and
/// `(1 - Y) D²/2 + Y max(0, m - D)²/2`. The form here is that of TensorFlow Addons'
/// `tfa.losses.ContrastiveLoss`, which takes the distance itself as its prediction.
///
/// Keras 3: no contrastive loss (3.15 has none).
/// PyTorch: no contrastive loss in `torch.nn`. `HingeEmbeddingLoss` is related but
/// takes distances and uses `d` and `max(margin - d, 0)` without squares.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = ContrastiveLoss::new(2.0);
/// let labels = array![1.0, 0.0];
/// let x1 = array![[0.0, 0.0], [0.0, 0.0]];
/// let x2 = array![[3.0, 4.0], [0.6, 0.8]];
///
/// // A similar pair at distance 5 costs 25; a dissimilar pair at distance 1, with
/// // margin 2, costs (2 - 1)² = 1. The mean over the two pairs is 13.
/// let (value, grad1, grad2) = loss.value_and_grad(&labels, &x1, &x2)?;
/// assert!((value - 13.0f64).abs() < 1e-12);
/// // First pair: 2 (x1 - x2) / 2 pairs.
/// assert_eq!(grad1.row(0), array![-3.0, -4.0]);
/// assert_eq!(grad2.row(0), array![3.0, 4.0]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("contrastive_loss")]
#[loss(inputs(x1, x2), defaults(margin = 1.0), require(margin >= 0.0))]
fn contrastive_loss<T: Float>(y_true: T, x1: &[T], x2: &[T], margin: T) -> T {
    let mut squared_distance = 0.0;
    for i in 0..x1.len() {
        squared_distance += (x1[i] - x2[i]).powi(2);
    }
    let gap = (margin - squared_distance.sqrt()).max(0.0);
    y_true * squared_distance + (1.0 - y_true) * gap * gap
}

/// Triplet margin loss: the anchor should lie closer to the positive than to the
/// negative, by at least `margin`.
///
/// ```text
/// d(u, v) = ‖u - v‖₂
/// loss = max(d(a, p) - d(a, n) + margin, 0)
/// d loss / d a = (a - p) / d(a, p) - (a - n) / d(a, n)
/// d loss / d p = -(a - p) / d(a, p)
/// d loss / d n = (a - n) / d(a, n)                    while the hinge is active
/// ```
///
/// The three inputs are the anchor, positive and negative embeddings, in that order.
/// The loss takes no `y_true`.
///
/// Parameters: `margin = 1.0`, which must be `>= 0`. Build the loss with
/// `TripletMarginLoss::new(margin)` or `TripletMarginLoss::default()`.
///
/// Kinks and edge cases:
///
/// - Where the anchor equals the positive (or the negative), that distance is
///   `√0 = 0` and its gradient is taken as 0: the term `(a - p) / d(a, p)` is left out
///   instead of being `0 / 0`. The other distance keeps its gradient.
/// - At `d(a, p) - d(a, n) + margin = 0` the hinge's two arguments tie, and each gets
///   half of the gradient.
/// - Once the negative is farther than the positive by more than `margin`, the loss
///   and all three gradients are 0.
///
/// Keras 3: no triplet loss (3.15 has none).
/// PyTorch: `torch.nn.TripletMarginLoss(margin=1.0, p=2)`, with `swap=False`, its
/// default, and its `reduction="mean"` matching
/// [`Reduction::SumOverBatchSize`](crate::Reduction::SumOverBatchSize). PyTorch
/// computes each distance as `‖u - v + eps‖₂` with `eps = 1e-6` added to every
/// component of the difference, and this loss does not. For embeddings of `D`
/// components the two distances differ by at most `1e-6 √D`, by the triangle
/// inequality. Where `u = v`, PyTorch's distance is `1e-6 √D` and its gradient with
/// respect to `u` is the unit vector `(1, …, 1) / √D`. This loss has distance 0 and
/// gradient 0 there instead, because it takes the derivative of `sqrt` at 0 as 0.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = TripletMarginLoss::new(2.0);
/// let anchor = array![[0.0, 0.0]];
/// let positive = array![[0.0, 1.0]];
/// let negative = array![[3.0, 4.0]];
///
/// // d(a, p) = 1 and d(a, n) = 5: 1 - 5 + 2 < 0, so the triplet costs nothing.
/// let value: f64 = loss.value(&anchor, &positive, &negative)?;
/// assert_eq!(value, 0.0);
///
/// // A closer negative, d(a, n) = 1.5: 1 - 1.5 + 2 = 1.5.
/// let negative = array![[0.0, -1.5]];
/// let (value, grad_a, grad_p, grad_n) = loss.value_and_grad(&anchor, &positive, &negative)?;
/// assert_eq!(value, 1.5);
/// assert_eq!(grad_a, array![[0.0, -2.0]]);
/// assert_eq!(grad_p, array![[0.0, 1.0]]);
/// assert_eq!(grad_n, array![[0.0, 1.0]]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("triplet_margin_loss")]
#[loss(
    inputs(anchor, positive, negative),
    defaults(margin = 1.0),
    require(margin >= 0.0)
)]
fn triplet_margin_loss<T: Float>(anchor: &[T], positive: &[T], negative: &[T], margin: T) -> T {
    let mut to_positive = 0.0;
    let mut to_negative = 0.0;
    for i in 0..anchor.len() {
        to_positive += (anchor[i] - positive[i]).powi(2);
        to_negative += (anchor[i] - negative[i]).powi(2);
    }
    (to_positive.sqrt() - to_negative.sqrt() + margin).max(0.0)
}
