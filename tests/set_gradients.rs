//! Gradient outputs that the reverse pass sets instead of adding to.
//!
//! When the first gradient write of a slice in the reverse pass comes from a load `x[i]`
//! in a loop `for i in 0..len` that runs for every sample, that write sets each element
//! and the drivers skip zeroing the output. These tests fill the outputs with NaN first:
//! any element the pass fails to set, or adds to before setting, shows up as NaN or as a
//! wrong value.

use losses_core::kernel::multi;
use losses_core::losses::{
    CategoricalCrossentropy, ContrastiveLoss, CosineSimilarity, Dice, Jaccard, KLDivergence,
    SparseCategoricalCrossentropy, TripletMarginLoss, Tversky,
};
use losses_core::prelude::*;
use losses_core::{MultiBatch, MultiRowKernel, RowKernel};
use ndarray::{Array, Array1, Array2, ArrayD, ArrayView2, Dimension, IxDyn, s};

/// Returns a seeded `rows × columns` array of values in `[low, low + 1)`.
fn seeded(rows: usize, columns: usize, seed: u64, low: f64) -> Array2<f64> {
    let mut state = seed | 1;
    Array2::from_shape_fn((rows, columns), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        low + (state >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// Checks that a gradient written into an output full of NaN equals the one written
/// into a fresh output, bit for bit, and returns that gradient.
fn assert_into_matches<L: Loss<f64>, D: Dimension>(
    name: &str,
    loss: &L,
    y_true: &Array<f64, D>,
    y_pred: &Array2<f64>,
) -> Array2<f64> {
    let (value, grad) = loss.value_and_grad(y_true, y_pred).unwrap();
    let mut filled = Array2::from_elem(y_pred.raw_dim(), f64::NAN);
    let filled_value = loss
        .value_and_grad_into(y_true, y_pred, &mut filled)
        .unwrap();
    assert_eq!(filled_value.to_bits(), value.to_bits(), "{name}: value");
    for (k, (a, b)) in filled.iter().zip(&grad).enumerate() {
        assert_eq!(
            a.to_bits(),
            b.to_bits(),
            "{name}: gradient element {k}: {a} against {b}"
        );
    }
    grad
}

/// Returns whether row loss `K` sets its gradient rows.
fn sets<K: RowKernel<f32>>() -> bool {
    K::SETS_GRADIENT
}

/// Returns which gradient rows loss `K` of several inputs sets.
fn multi_sets<K: MultiRowKernel<f32>>() -> &'static [bool] {
    K::SETS_GRADIENTS
}

#[test]
fn shipped_row_losses_set_their_gradients() {
    assert!(sets::<Dice>());
    assert!(sets::<Jaccard>());
    assert!(sets::<Tversky>());
    assert!(sets::<KLDivergence>());
    assert!(sets::<CosineSimilarity>());
    // Its loops sit in both arms of `if from_logits`, and each arm sets the row.
    assert!(sets::<CategoricalCrossentropy>());
    assert!(sets::<SparseCategoricalCrossentropy>());
    assert_eq!(multi_sets::<ContrastiveLoss>(), &[true, true]);
    assert_eq!(multi_sets::<TripletMarginLoss>(), &[true, true, true]);
}

#[test]
fn row_losses_write_every_element_over_nan() {
    // 3 rows of 37: two full blocks of 16 lanes and a tail of 5.
    let y_true = seeded(3, 37, 5, 0.0).mapv(|t| if t > 0.5 { 1.0 } else { 0.0 });
    let y_pred = seeded(3, 37, 9, 0.0);

    // Whole-row statistics.
    assert_into_matches("Dice", &Dice::default(), &y_true, &y_pred);
    assert_into_matches(
        "Dice, whole batch",
        &Dice::default().with_axis(Axis::WholeBatch),
        &y_true,
        &y_pred,
    );
    assert_into_matches("Jaccard", &Jaccard::default(), &y_true, &y_pred);
    assert_into_matches("Tversky", &Tversky::default(), &y_true, &y_pred);
    assert_into_matches(
        "CosineSimilarity",
        &CosineSimilarity::default(),
        &y_true,
        &y_pred,
    );

    // Both arms of `if from_logits`.
    assert_into_matches(
        "CategoricalCrossentropy",
        &CategoricalCrossentropy::default(),
        &y_true,
        &y_pred,
    );
    assert_into_matches(
        "CategoricalCrossentropy from logits",
        &CategoricalCrossentropy::new(true, 0.1),
        &y_true,
        &(&y_pred * 8.0 - 4.0),
    );

    let distribution = seeded(3, 37, 11, 0.1);
    assert_into_matches(
        "KLDivergence",
        &KLDivergence::default(),
        &distribution,
        &y_pred,
    );
}

#[test]
fn sparse_labels_write_every_element_over_nan() {
    let labels = Array1::from(vec![0.0, 36.0, 17.0]);
    let logits = seeded(3, 37, 41, -0.5) * 8.0;
    let probabilities = seeded(3, 37, 43, 0.1);
    for (from_logits, y_pred) in [(true, &logits), (false, &probabilities)] {
        let loss = SparseCategoricalCrossentropy::new(from_logits, -1.0);
        assert_into_matches("SparseCategoricalCrossentropy", &loss, &labels, y_pred);

        // The row of class 17 is left out, and its gradient row must be 0.
        let ignoring = SparseCategoricalCrossentropy::new(from_logits, 17.0);
        let grad = assert_into_matches("ignore_class", &ignoring, &labels, y_pred);
        assert!(grad.row(2).iter().all(|g| *g == 0.0));
    }
}

#[test]
fn whole_batch_over_several_chunks_writes_every_element() {
    // More elements than one chunk of the whole-batch drivers, with a partial last one.
    let y_true = seeded(3, 7000, 13, 0.0).mapv(|t| if t > 0.5 { 1.0 } else { 0.0 });
    let y_pred = seeded(3, 7000, 17, 0.0);
    let whole = Dice::default().with_axis(Axis::WholeBatch);
    assert_into_matches("Dice, whole batch", &whole, &y_true, &y_pred);
}

#[test]
fn large_batch_long_rows_set_every_element() {
    // Rows longer than 4 KiB in a batch of more than 16 MiB (35 MB of `f64` inputs here).
    // The kernel then writes each sample's gradient into a buffer, which the sample loop
    // copies out by non-temporal stores.
    let y_true = seeded(2000, 1100, 19, 0.0).mapv(|t| if t > 0.5 { 1.0 } else { 0.0 });
    let y_pred = seeded(2000, 1100, 23, 0.0);
    assert_into_matches("Dice", &Dice::default(), &y_true, &y_pred);
    assert_into_matches(
        "CategoricalCrossentropy from logits",
        &CategoricalCrossentropy::new(true, 0.0),
        &y_true,
        &(&y_pred * 8.0 - 4.0),
    );
}

// Batches larger than 16 MiB, whose gradient the drivers write by non-temporal stores
// from a buffer, one row or block at a time.

/// Checks that `large` and `small` have the same `f64` values, bit for bit.
fn assert_same_bits(context: &str, large: ArrayView2<f64>, small: &Array2<f64>) {
    for (k, (a, b)) in large.iter().zip(small).enumerate() {
        assert_eq!(
            a.to_bits(),
            b.to_bits(),
            "{context}, element {k}: {a} against {b}"
        );
    }
}

/// Checks that the gradient of a large batch, summed, equals the gradients of its
/// rows computed in batches of 10 rows, which stay in the caches, bit for bit.
fn assert_rows_match_small_batches<L: Loss<f64>>(
    name: &str,
    loss: &L,
    y_true: &Array2<f64>,
    y_pred: &Array2<f64>,
) {
    let (_, grad) = loss.value_and_grad(y_true, y_pred).unwrap();
    for start in (0..y_pred.nrows()).step_by(10) {
        let rows = s![start..(start + 10).min(y_pred.nrows()), ..];
        let (_, small) = loss
            .value_and_grad(
                &y_true.slice(rows).to_owned(),
                &y_pred.slice(rows).to_owned(),
            )
            .unwrap();
        assert_same_bits(&format!("{name}: row {start}"), grad.slice(rows), &small);
    }
}

#[test]
fn large_batch_rows_match_small_batches() {
    // 2000 rows of 1101 `f64`, 35 MB with the targets. A row is 8808 bytes, so every
    // other row starts 8 bytes past a 16-byte boundary.
    let y_true = seeded(2000, 1101, 29, 0.0).mapv(|t| if t > 0.5 { 1.0 } else { 0.0 });
    let y_pred = seeded(2000, 1101, 31, 0.0);
    let dice = Dice::default().with_reduction(Reduction::Sum);
    assert_rows_match_small_batches("Dice", &dice, &y_true, &y_pred);
    let cce = CategoricalCrossentropy::new(true, 0.1).with_reduction(Reduction::Sum);
    assert_rows_match_small_batches(
        "CategoricalCrossentropy",
        &cce,
        &y_true,
        &(&y_pred * 8.0 - 4.0),
    );
}

#[test]
fn large_batch_pairs_match_small_batches() {
    // 17 000 pairs of 129 `f64`, 35 MB of embeddings. A row is 1032 bytes, so every
    // other row starts 8 bytes past a 16-byte boundary.
    let labels = seeded(17_000, 1, 37, 0.0)
        .column(0)
        .mapv(|t| if t > 0.5 { 1.0 } else { 0.0 });
    let (x1, x2) = (seeded(17_000, 129, 41, -0.5), seeded(17_000, 129, 43, -0.5));
    let loss = ContrastiveLoss::new(2.0).with_reduction(Reduction::Sum);
    let (_, g1, g2) = loss.value_and_grad(&labels, &x1, &x2).unwrap();
    for start in (0..17_000).step_by(1000) {
        let rows = s![start..start + 1000, ..];
        let small_labels = labels.slice(s![start..start + 1000]).to_owned();
        let (small_x1, small_x2) = (x1.slice(rows).to_owned(), x2.slice(rows).to_owned());
        let (_, s1, s2) = loss
            .value_and_grad(&small_labels, &small_x1, &small_x2)
            .unwrap();
        assert_same_bits(&format!("x1: pair {start}"), g1.slice(rows), &s1);
        assert_same_bits(&format!("x2: pair {start}"), g2.slice(rows), &s2);
    }
}

#[test]
fn large_whole_batch_matches_formula() {
    // 2 500 003 `f64`, 20 MB, in one row: every chunk but the last is whole, and the
    // last ends inside a block. d loss / d pₖ = -(2 tₖ D - (2 I + s)) / D², with
    // I = Σ t p and D = Σ t + Σ p + s, here in `f64` sums added in another order.
    let y_true = seeded(1, 2_500_003, 47, 0.0).mapv(|t| if t > 0.5 { 1.0 } else { 0.0 });
    let y_pred = seeded(1, 2_500_003, 53, 0.0);
    let loss = Dice::default().with_axis(Axis::WholeBatch);
    let grad = assert_into_matches("Dice, whole batch", &loss, &y_true, &y_pred);

    let intersection: f64 = y_true.iter().zip(&y_pred).map(|(t, p)| t * p).sum();
    let denominator = y_true.sum() + y_pred.sum() + 1.0;
    let numerator = 2.0 * intersection + 1.0;
    for (k, (g, t)) in grad.iter().zip(&y_true).enumerate() {
        let expected = -(2.0 * t * denominator - numerator) / (denominator * denominator);
        let error = (g - expected).abs() / expected.abs();
        assert!(error < 1e-9, "element {k}: {g} against {expected}");
    }
}

/// Runs `kernel::multi::value_and_grad_into` with outputs full of NaN and compares
/// with `value_and_grad`'s fresh outputs.
fn assert_multi_into_matches<K: MultiRowKernel<f64> + Sync>(
    name: &str,
    loss: &K,
    y_true: Option<&Array1<f64>>,
    inputs: &[&Array2<f64>],
    expected: &[Array2<f64>],
) {
    let batch = MultiBatch {
        y_true: y_true.map(|labels| labels.view().into_dyn()),
        inputs: inputs.iter().map(|input| input.view().into_dyn()).collect(),
        sample_weight: None,
    };
    let mut outputs: Vec<ArrayD<f64>> = inputs
        .iter()
        .map(|input| ArrayD::from_elem(IxDyn(input.shape()), f64::NAN))
        .collect();
    let views = outputs.iter_mut().map(|output| output.view_mut()).collect();
    multi::value_and_grad_into(loss, batch, views).unwrap();
    for (input, (output, grad)) in outputs.iter().zip(expected).enumerate() {
        for (k, (a, b)) in output.iter().zip(grad).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name}: input {input}, element {k}"
            );
        }
    }
}

#[test]
fn multi_input_losses_write_every_element_over_nan() {
    let labels = Array1::from(vec![1.0, 0.0, 1.0, 0.0]);
    let (x1, x2, x3) = (
        seeded(4, 21, 3, -0.5),
        seeded(4, 21, 7, -0.5),
        seeded(4, 21, 19, -0.5),
    );

    let contrastive = ContrastiveLoss::new(2.0);
    let (_, g1, g2) = contrastive.value_and_grad(&labels, &x1, &x2).unwrap();
    assert_multi_into_matches(
        "ContrastiveLoss",
        &contrastive,
        Some(&labels),
        &[&x1, &x2],
        &[g1, g2],
    );

    let triplet = TripletMarginLoss::new(1.0);
    let (_, ga, gp, gn) = triplet.value_and_grad(&x1, &x2, &x3).unwrap();
    assert_multi_into_matches(
        "TripletMarginLoss",
        &triplet,
        None,
        &[&x1, &x2, &x3],
        &[ga, gp, gn],
    );
}

// User losses with loads inside and outside the pattern.

/// Reads `y_pred[0]` outside the loop as well.
#[loss]
fn first_again<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += y_true[i] * y_pred[i];
    }
    total + y_pred[0] * y_pred[0]
}

/// Skips element 0, whose gradient must stay 0.
#[loss]
fn from_one<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 1..y_pred.len() {
        total += y_true[i] * y_pred[i];
    }
    total
}

/// Reads only the even elements, inside a branch on the index.
#[loss]
fn even_only<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += if i % 2 == 0 {
            y_true[i] * y_pred[i]
        } else {
            0.0
        };
    }
    total
}

/// Two loops over the row: the one written last in the source runs first in the
/// reverse pass and sets, the other adds.
#[loss]
fn sum_times_squares<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += y_pred[i];
    }
    let mut squares = 0.0;
    for i in 0..y_pred.len() {
        squares += y_true[i] * y_pred[i] * y_pred[i];
    }
    sum * squares
}

/// Ends its loop at `y_true.len()`, which the macro does not take for the length of
/// `y_pred`.
#[loss]
fn to_target_length<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_true.len() {
        total += y_true[i] * y_pred[i];
    }
    total
}

/// Reads `y_pred[0]` before the loop: its write comes after the loop's in the reverse
/// pass, so it adds to an element the loop has set.
#[loss]
fn first_before<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let first = y_pred[0] * y_pred[0];
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += y_true[i] * y_pred[i];
    }
    first + total
}

/// Reads a neighbour in the loop, which would add to an element before a later
/// iteration sets it.
#[loss]
fn with_neighbour<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        let next = (i + 1) % y_pred.len();
        total += y_true[i] * y_pred[i] * y_pred[next];
    }
    total
}

/// Sets the row in one arm of a branch only.
#[loss(defaults(whole = true))]
fn one_arm<T: Float>(y_true: &[T], y_pred: &[T], whole: bool) -> T {
    if whole {
        let mut total = 0.0;
        for i in 0..y_pred.len() {
            total += y_true[i] * y_pred[i];
        }
        total
    } else {
        y_true[1] * y_pred[1]
    }
}

/// Leaves out rows whose first target is negative: their gradient rows must be 0.
#[loss(exclude_if(y_true[0] < 0.0))]
fn masked_squares<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += (y_pred[i] - y_true[i]).powi(2);
    }
    total
}

#[test]
fn user_losses_set_only_what_their_loops_cover() {
    assert!(!sets::<FirstAgain>());
    assert!(!sets::<FromOne>());
    // Its loads sit in the arms of a branch on the index.
    assert!(!sets::<EvenOnly>());
    assert!(!sets::<ToTargetLength>());
    assert!(sets::<SumTimesSquares>());
    assert!(sets::<MaskedSquares>());
    assert!(sets::<FirstBefore>());
    assert!(!sets::<WithNeighbour>());
    assert!(!sets::<OneArm>());

    let y_true = seeded(2, 19, 23, 0.0);
    let y_pred = seeded(2, 19, 29, -0.5);

    let grad = assert_into_matches("first_again", &FirstAgain::default(), &y_true, &y_pred);
    // Mean over 2 rows: (y_true[0] + 2 y_pred[0]) / 2 at element 0, y_true / 2 elsewhere.
    assert_eq!(grad[[1, 0]], (y_true[[1, 0]] + 2.0 * y_pred[[1, 0]]) / 2.0);
    assert_eq!(grad[[1, 5]], y_true[[1, 5]] / 2.0);

    let grad = assert_into_matches("from_one", &FromOne::default(), &y_true, &y_pred);
    assert_eq!(grad[[0, 0]], 0.0);
    assert_eq!(grad[[0, 1]], y_true[[0, 1]] / 2.0);

    let grad = assert_into_matches("even_only", &EvenOnly::default(), &y_true, &y_pred);
    assert_eq!(grad[[1, 3]], 0.0);
    assert_eq!(grad[[1, 4]], y_true[[1, 4]] / 2.0);

    let grad = assert_into_matches(
        "to_target_length",
        &ToTargetLength::default(),
        &y_true,
        &y_pred,
    );
    assert_eq!(grad[[0, 3]], y_true[[0, 3]] / 2.0);

    let grad = assert_into_matches(
        "sum_times_squares",
        &SumTimesSquares::default(),
        &y_true,
        &y_pred,
    );
    for row in 0..2 {
        let sum: f64 = y_pred.row(row).sum();
        let squares: f64 = (0..19)
            .map(|i| y_true[[row, i]] * y_pred[[row, i]].powi(2))
            .sum();
        for i in 0..19 {
            let expected = (squares + sum * 2.0 * y_true[[row, i]] * y_pred[[row, i]]) / 2.0;
            assert!(
                (grad[[row, i]] - expected).abs() < 1e-12,
                "row {row}, element {i}"
            );
        }
    }

    let grad = assert_into_matches("first_before", &FirstBefore::default(), &y_true, &y_pred);
    // Each contribution is scaled by 1/2 on its own, so the sum may round differently.
    let expected = (y_true[[1, 0]] + 2.0 * y_pred[[1, 0]]) / 2.0;
    assert!((grad[[1, 0]] - expected).abs() < 1e-15);
    assert_eq!(grad[[1, 5]], y_true[[1, 5]] / 2.0);

    let grad = assert_into_matches(
        "with_neighbour",
        &WithNeighbour::default(),
        &y_true,
        &y_pred,
    );
    // d/dp_3 = (t_3 p_4 + t_2 p_2) / 2 over 2 rows.
    let expected = (y_true[[0, 3]] * y_pred[[0, 4]] + y_true[[0, 2]] * y_pred[[0, 2]]) / 2.0;
    assert!((grad[[0, 3]] - expected).abs() < 1e-15);

    for whole in [true, false] {
        let grad = assert_into_matches("one_arm", &OneArm::new(whole), &y_true, &y_pred);
        let expected = if whole { y_true[[0, 4]] / 2.0 } else { 0.0 };
        assert_eq!(grad[[0, 4]], expected, "whole = {whole}");
        assert_eq!(grad[[0, 1]], y_true[[0, 1]] / 2.0, "whole = {whole}");
    }

    let mut targets = y_true.clone();
    targets[[0, 0]] = -1.0;
    let grad = assert_into_matches(
        "masked_squares",
        &MaskedSquares::default(),
        &targets,
        &y_pred,
    );
    assert!(grad.row(0).iter().all(|g| *g == 0.0));
    // One row counts: d/dp (p - t)² = 2 (p - t).
    assert_eq!(grad[[1, 2]], 2.0 * (y_pred[[1, 2]] - targets[[1, 2]]));
}

/// Sums `a[i] b[i]` over the length of `a`, for inputs of their own lengths, so the
/// loop covers `b` only in part.
#[loss(inputs(a, b), inputs_any_length)]
fn prefix_product<T: Float>(a: &[T], b: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..a.len() {
        total += a[i] * b[i];
    }
    total
}

#[test]
fn any_length_sets_covered_input_only() {
    assert_eq!(multi_sets::<PrefixProduct>(), &[true, false]);
    let (a, b) = (seeded(2, 5, 31, 0.0), seeded(2, 9, 37, 0.0));
    let (_, ga, gb) = PrefixProduct::default().value_and_grad(&a, &b).unwrap();
    // d/db_i = a_i / 2 for i < 5, and 0 past the end of `a`.
    assert_eq!(gb[[1, 2]], a[[1, 2]] / 2.0);
    assert_eq!(gb[[1, 7]], 0.0);
    assert_multi_into_matches(
        "prefix_product",
        &PrefixProduct::default(),
        None,
        &[&a, &b],
        &[ga, gb],
    );
}
