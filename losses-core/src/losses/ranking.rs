//! Listwise ranking losses: each sample's row is one list of items, with graded
//! relevance labels in `y_true` and the model's scores in `y_pred`.

use super::helpers::sigmoid;
use crate::{Float, loss};

/// ApproxNDCG: the negative NDCG of the list ranked by the scores, with each item's rank
/// replaced by a smooth function of the scores so that it has a gradient.
///
/// From Qin, Liu and Li, "A general approximation framework for direct optimization
/// of information retrieval measures", Information Retrieval 13 (2010):
///
/// ```text
/// rankᵢ = 1 + Σ_{j ≠ i} sigmoid((sⱼ - sᵢ) / temperature)
/// gainᵢ = 2^relᵢ - 1
/// DCG   = Σᵢ gainᵢ / log2(1 + rankᵢ)
/// IDCG  = Σᵢ gainᵢ / log2(1 + idealᵢ)
/// loss  = -DCG / IDCG     for IDCG > 0
///       = 0               otherwise
/// ```
///
/// `s = ŷ` are the scores and `rel = y` the labels. `idealᵢ` is the item's position
/// when the list is sorted by label, highest first, with ties in index order:
/// `1 + #{j : relⱼ > relᵢ} + #{j < i : relⱼ = relᵢ}`. As `temperature` goes to 0,
/// each sigmoid becomes the indicator of `sⱼ > sᵢ`, `rankᵢ` becomes the item's
/// position in the list sorted by score, and the loss becomes `-NDCG`. It approaches
/// -1 for scores that order the list ideally and lie far apart compared with
/// `temperature`.
///
/// The sigmoid is [`sigmoid`](crate::losses::helpers::sigmoid), which does not
/// overflow, so scores far apart or a small `temperature` give exact 0s and 1s rather
/// than NaN. The discounts are computed with natural logarithms, `1 / ln(1 + rank)`,
/// which scales DCG and IDCG by the same factor `ln 2` and leaves the loss unchanged.
/// The cost is `O(n²)` per list of `n` items.
///
/// Parameters, in the order of `ApproxNdcg::new`: `temperature = 0.1`, which must be
/// `> 0`.
///
/// Edge cases:
///
/// - A list whose labels are all 0 (or all `<= 0`) has no relevant item, so
///   `IDCG = 0` and its NDCG is undefined. Such a list is left out: its loss and
///   gradient are 0, never NaN, and it is counted neither in the number of samples
///   that [`Reduction::SumOverBatchSize`](crate::Reduction::SumOverBatchSize)
///   divides by nor in the weight sum of [`Reduction::Mean`](crate::Reduction::Mean).
///   So it changes neither the value nor the gradient of the other lists. A batch
///   made only of such lists has value 0.
/// - A list that mixes negative labels with positive ones can still have
///   `IDCG <= 0`. Its loss is then 0 with gradient 0, but it counts as a sample.
/// - Tied scores give `sigmoid(0) = 1/2` per pair, with a finite gradient.
/// - Labels should be `>= 0`. A negative label has a negative gain. It is not treated
///   as padding. [`Validated`](crate::Validated) and
///   [`Loss::validate_inputs`](crate::Loss::validate_inputs) reject it, and a NaN
///   label.
///
/// Keras 3: no ranking losses. TF-Ranking's `tfr.keras.losses.ApproxNDCGLoss(
/// temperature=0.1)` computes the same approximate ranks, discounts and `-NDCG`. It
/// also leaves lists without a relevant item out of its mean. Unlike this loss, it
/// treats negative labels as padding.
/// PyTorch: no loss in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // Scores far apart give exact ranks: the relevant item is ranked second of two,
/// // so NDCG = (1 / log2 3) / (1 / log2 2).
/// let loss = ApproxNdcg::default();
/// let value: f64 = loss.value(&array![[1.0, 0.0]], &array![[0.0, 100.0]])?;
/// assert!((value + 1.0 / 3.0f64.log2()).abs() < 1e-12);
///
/// // A list without a relevant item is left out of the mean: the second list
/// // changes neither the value nor the first list's gradient.
/// let y_true = array![[1.0, 0.0], [0.0, 0.0]];
/// let y_pred = array![[0.0, 100.0], [0.3, 0.1]];
/// let (value, grad) = loss.value_and_grad(&y_true, &y_pred)?;
/// assert!((value + 1.0 / 3.0f64.log2()).abs() < 1e-12);
/// assert_eq!(grad.row(1), array![0.0, 0.0]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("approx_ndcg")]
#[loss(
    defaults(temperature = 0.1),
    require(temperature > 0.0),
    valid_inputs(y_true >= 0.0),
    exclude_if(y_true.iter().all(|label| *label <= 0.0))
)]
fn approx_ndcg<T: Float>(y_true: &[T], y_pred: &[T], temperature: T) -> T {
    let mut dcg = 0.0;
    let mut ideal_dcg = 0.0;
    for i in 0..y_pred.len() {
        // The term of j = i is sigmoid(0) = 1/2, so the sum over every j starts at 1/2.
        // The `if` chooses only the gap, which compiles to a select (with the sigmoid
        // inside it, value_and_grad ran 3.9 times slower), and keeps inf - inf out.
        let mut rank = 0.5;
        let mut ideal_position = 1.0;
        for j in 0..y_pred.len() {
            let gap = y_pred[j] - y_pred[i];
            rank += sigmoid(if i == j { 0.0 } else { gap } / temperature);
            let ahead = y_true[j] > y_true[i] || (y_true[j] == y_true[i] && j < i);
            ideal_position += if ahead { 1.0 } else { 0.0 };
        }
        // 2^rel - 1, and natural logarithms: the base cancels in DCG / IDCG.
        let gain = (y_true[i] * std::f64::consts::LN_2).exp_m1();
        dcg += gain / (1.0 + rank).ln();
        ideal_dcg += gain / (1.0 + ideal_position).ln();
    }
    if ideal_dcg > 0.0 {
        -dcg / ideal_dcg
    } else {
        0.0
    }
}
