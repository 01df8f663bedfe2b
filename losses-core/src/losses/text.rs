//! Losses over token sequences: a sequence of predicted token distributions per sample,
//! scored against reference token ids.

use crate::{Float, loss};

/// SmoothBleu: one minus a differentiable surrogate of sentence BLEU, computed from
/// predicted token probabilities instead of decoded tokens.
///
/// Each sample is a candidate of `L` positions, each a probability row over a vocabulary
/// of `V` tokens, and a reference of `R` token ids. Reshape predictions of shape
/// `[N, L, V]` to `[N, L × V]` for `y_pred`. `y_true` holds the reference ids as whole
/// numbers, shape `[N, R]`. `R` need not equal `L` or `L × V`.
///
/// ```text
/// P[t][v] = y_pred[t·V + v]       probability of token v at position t, t < L
/// r       = y_true                reference token ids, length R
///
/// for each order n = 1, 2, 3, 4 and each distinct n-gram g of r:
///     count(g) = number of times g occurs in r
///     C(g)     = Σ_{t = 0}^{L − n} Π_{k = 0}^{n − 1} P[t + k][g_k]
/// M_n  = Σ_g min(C(g), count(g))
/// p_n  = (M_n + smooth) / (max(L − n + 1, 0) + smooth)
/// BP   = exp(1 − R / L)   if L < R
///      = 1                otherwise
/// BLEU = BP · exp(¼ Σ_n ln p_n)      and 0 when some M_n + smooth = 0
/// loss = 1 − BLEU
///
/// d loss / d C(g) = −BLEU / (4 (M_n + smooth))   for C(g) < count(g)
///                 = half of that                  for C(g) = count(g)
///                 = 0                             for C(g) > count(g)
/// ```
///
/// If the token at each position is drawn from its row independently, `C(g)` is the
/// expected number of times `g` occurs in the candidate. `M_n` clips that expectation
/// at the reference count. It is not the expectation of the clipped count, which would
/// need the distribution of the count and not only its mean, so the loss is a surrogate
/// of expected BLEU rather than equal to it.
/// `L` and `R` do not depend on the probabilities, so `BP` is a constant factor.
///
/// Relation to BLEU (Papineni, Roukos, Ward and Zhu, "BLEU: a method for automatic
/// evaluation of machine translation", ACL 2002): let every row be one-hot. Then `C(g)`
/// is the number of times `g` occurs in the decoded candidate, and `M_n` is BLEU's
/// clipped n-gram count. The denominator `L − n + 1` is BLEU's number of candidate
/// n-grams, and candidate n-grams absent from the reference add 0 to both. So with
/// `smooth = 0` the loss equals `1 − BLEU` of the sentence against its one reference,
/// with uniform weights ¼ up to 4-grams, up to rounding, and BLEU is 0 when some order
/// has no match. BLEU with several references clips at the largest count over the
/// references, which this loss does not support. Over a batch the reduction averages
/// sentence-level losses. That differs from corpus BLEU, which adds the counts of all
/// sentences before dividing.
///
/// `smooth` is added to the numerator and the denominator of every precision, unigrams
/// included. With `smooth > 0` every `p_n` is positive, so every order contributes a
/// gradient, and a candidate shorter than `n` tokens gets `p_n = 1` for that order.
/// With `smooth = 0` an order without a match makes the loss 1 with gradient 0, which
/// leaves training no signal, so use `smooth = 0` to evaluate and `smooth > 0`, such as
/// 1, to train.
///
/// The rows should be probability distributions, such as softmax outputs. The loss
/// neither checks nor normalises them. `min` passes its gradient to the smaller
/// argument and half to each at a tie. So where a one-hot candidate contains an n-gram
/// exactly as often as the reference, `C(g)` gets half of its gradient from below. The
/// cost per sample is `O(R² + R·L)` operations for each order, and the reverse pass
/// runs the loops again instead of storing them.
///
/// Parameters, in the order of `SmoothBleu::new`: `vocabulary`, the number `V` of tokens,
/// which must be `>= 1` and divide the row length of `y_pred`, and `smooth`, which must
/// be `>= 0`. There is no `Default`, because `vocabulary` has no natural value.
///
/// Errors: a reference id that is negative, fractional or not finite is a
/// [`LossError::InvalidLabel`](crate::LossError). An id of `V` or more is a
/// [`LossError::IndexOutOfBounds`](crate::LossError) on `y_pred`, from the read at the
/// last position, `(L − 1)·V + id`, which passes the end of the row. A row length of
/// `y_pred` that is not a multiple of `V` is a
/// [`LossError::InvalidHyperParameter`](crate::LossError).
///
/// Keras 3 and PyTorch: no BLEU loss.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // Vocabulary of 3. The candidate decodes to [0, 1]; the reference is [0, 1, 2].
/// let loss = SmoothBleu::new(3, 1.0);
/// let y_pred = array![[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]];
/// let y_true = array![[0.0, 1.0, 2.0]];
///
/// // Every candidate n-gram matches: p_1 = (2 + 1) / (2 + 1), p_2 = (1 + 1) / (1 + 1),
/// // and the orders 3 and 4 have no candidate n-gram, so p_3 = p_4 = 1 / 1. The
/// // candidate is shorter than the reference, so BLEU = BP = exp(1 − 3 / 2).
/// let value: f64 = loss.value(&y_true, &y_pred)?;
/// assert!((value - (1.0 - (-0.5f64).exp())).abs() < 1e-12);
///
/// // Uniform rows give a higher loss. At the first position, token 0 starts the
/// // reference bigram (0, 1) and token 2 starts none, so raising token 0 lowers the
/// // loss more.
/// let uniform = array![[1.0 / 3.0; 6]];
/// let (worse, grad) = loss.value_and_grad(&y_true, &uniform)?;
/// assert!(worse > value);
/// assert!(grad[[0, 0]] < grad[[0, 2]]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("smooth_bleu")]
#[loss(
    target_any_length,
    require(vocabulary >= 1, smooth >= 0.0, features % vocabulary == 0)
)]
fn smooth_bleu<T: Float>(y_true: &[T], y_pred: &[T], vocabulary: usize, smooth: T) -> T {
    let candidate_len = y_pred.len() / vocabulary;
    let reference_len = y_true.len();
    let mut log_precisions = 0.0;
    let mut zero_precisions = 0.0;
    for n in 1..=4 {
        // The n-gram of the reference that ends at j, visited once per occurrence. Each
        // occurrence adds min(C, count) / count, so the sum over the occurrences of an
        // n-gram is min(C, count), as over distinct n-grams.
        let mut matches = 0.0;
        for j in n - 1..reference_len {
            let mut count = 0.0;
            for i in n - 1..reference_len {
                let mut differing = 0.0;
                for k in 0..n {
                    differing += if y_true[i - k] == y_true[j - k] {
                        0.0
                    } else {
                        1.0
                    };
                }
                count += if differing == 0.0 { 1.0 } else { 0.0 };
            }
            // C(g), summed over the candidate n-grams ending at t. A loop cannot carry
            // a product of differentiated values, so the product over the n tokens is
            // written out, with factors of 1 past the order.
            let mut expected = 0.0;
            for t in n - 1..candidate_len {
                let last = y_pred[t * vocabulary + y_true[j].to_usize().unwrap()];
                let second_last = if n > 1 {
                    y_pred[(t - 1) * vocabulary + y_true[j - 1].to_usize().unwrap()]
                } else {
                    1.0
                };
                let third_last = if n > 2 {
                    y_pred[(t - 2) * vocabulary + y_true[j - 2].to_usize().unwrap()]
                } else {
                    1.0
                };
                let fourth_last = if n > 3 {
                    y_pred[(t - 3) * vocabulary + y_true[j - 3].to_usize().unwrap()]
                } else {
                    1.0
                };
                expected += fourth_last * third_last * second_last * last;
            }
            matches += expected.min(count) / count;
        }
        let candidates = if candidate_len >= n {
            T::from(candidate_len + 1 - n).unwrap()
        } else {
            0.0
        };
        // M_n + smooth = 0 only when smooth = 0. BLEU is then 0, and ln 0 is not taken.
        let numerator = matches + smooth;
        zero_precisions += if numerator > 0.0 { 0.0 } else { 1.0 };
        log_precisions += if numerator > 0.0 {
            (numerator / (candidates + smooth)).ln()
        } else {
            0.0
        };
    }
    let brevity_penalty = if candidate_len < reference_len {
        (1.0 - T::from(reference_len).unwrap() / T::from(candidate_len).unwrap()).exp()
    } else {
        1.0
    };
    if zero_precisions > 0.0 {
        1.0
    } else {
        1.0 - brevity_penalty * (0.25 * log_precisions).exp()
    }
}
