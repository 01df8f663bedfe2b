//! Losses of whole-batch statistics, `#[loss(batch)]`: a soft Dice loss evaluated per
//! sample or over the whole batch, and the whole-batch sums merged across chunks.

use losses_core::kernel::batch::{self, CHUNK};
use losses_core::prelude::*;
use losses_core::{BatchKernel, RowKernel};
use ndarray::{Array2, array};

/// Soft Dice: 1 - (2 Σ t p + smooth) / (Σ t + Σ p + smooth).
#[loss(batch, defaults(smooth = 1.0))]
fn soft_dice<T: Float>(y_true: &[T], y_pred: &[T], smooth: T) -> T {
    let mut intersection = 0.0;
    let mut targets = 0.0;
    let mut predictions = 0.0;
    for i in 0..y_pred.len() {
        intersection += y_true[i] * y_pred[i];
        targets += y_true[i];
        predictions += y_pred[i];
    }
    1.0 - (2.0 * intersection + smooth) / (targets + predictions + smooth)
}

/// A seeded batch of `rows` rows of `columns` masks and predictions in [0, 1].
fn batch_of(rows: usize, columns: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let y_true = Array2::from_shape_fn((rows, columns), |_| if next() > 0.5 { 1.0 } else { 0.0 });
    let y_pred = Array2::from_shape_fn((rows, columns), |_| next());
    (y_true, y_pred)
}

#[test]
fn whole_batch_is_one_row_of_everything() {
    let (y_true, y_pred) = batch_of(4, 5, 3);
    let whole = SoftDice::default().with_axis(Axis::WholeBatch);
    let (value, grad) = whole.value_and_grad(&y_true, &y_pred).unwrap();

    // The same sums computed directly.
    let intersection: f64 = (&y_true * &y_pred).sum();
    let denominator = y_true.sum() + y_pred.sum() + 1.0;
    let expected = 1.0 - (2.0 * intersection + 1.0) / denominator;
    assert!((value - expected).abs() < 1e-14, "{value} {expected}");

    // d/dp_i = -(2 t_i D - (2I + s)) / D²
    for ((t, p), g) in y_true.iter().zip(&y_pred).zip(&grad) {
        let _ = p;
        let exact =
            -(2.0 * t * denominator - (2.0 * intersection + 1.0)) / (denominator * denominator);
        assert!((g - exact).abs() < 1e-14, "{g} {exact}");
    }
}

/// The message of a request for per-sample losses over the whole batch.
const NO_PER_SAMPLE: &str = "SoftDice is evaluated over the whole batch, which has one loss \
     and no per-sample losses, so `per_sample` and `Reduction::None` have nothing to return; \
     use `Axis::PerSample` for per-sample losses, or another reduction for the loss of the batch";

#[test]
fn per_sample_axis_is_the_row_loss() {
    let (y_true, y_pred) = batch_of(3, 4, 5);
    let per_sample = SoftDice::default().per_sample(&y_true, &y_pred).unwrap();
    assert_eq!(per_sample.shape(), &[3]);
}

#[test]
fn whole_batch_has_no_per_sample_losses() {
    let (y_true, y_pred) = batch_of(3, 4, 5);
    let whole = SoftDice::default().with_axis(Axis::WholeBatch);
    let error = whole.per_sample(&y_true, &y_pred).unwrap_err();
    assert_eq!(error, LossError::WholeBatchPerSample { loss: "SoftDice" });
    assert_eq!(error.to_string(), NO_PER_SAMPLE);
}

#[test]
fn whole_batch_rejects_no_reduction() {
    let (y_true, y_pred) = batch_of(3, 4, 5);
    let whole = SoftDice::default()
        .with_axis(Axis::WholeBatch)
        .with_reduction(Reduction::None);
    let expected = LossError::WholeBatchPerSample { loss: "SoftDice" };
    assert_eq!(whole.value(&y_true, &y_pred), Err(expected.clone()));
    assert_eq!(
        whole.value_and_grad(&y_true, &y_pred).unwrap_err(),
        expected
    );
    let mut grad = Array2::zeros((3, 4));
    let error = whole.value_and_grad_into(&y_true, &y_pred, &mut grad);
    assert_eq!(error, Err(expected));
    assert_eq!(grad, Array2::<f64>::zeros((3, 4)));
}

#[test]
fn whole_batch_reductions_give_the_batch_loss() {
    // The batch has one value, which each reduction returns as it is.
    let (y_true, y_pred) = batch_of(3, 4, 5);
    let whole = SoftDice::default().with_axis(Axis::WholeBatch);
    let value = whole.value(&y_true, &y_pred).unwrap();
    for reduction in [Reduction::Sum, Reduction::Mean] {
        let reduced = whole.with_reduction(reduction);
        assert_eq!(
            reduced.value(&y_true, &y_pred).unwrap(),
            value,
            "{reduction:?}"
        );
    }
}

#[test]
fn chunks_merge_to_the_whole_batch_bit_for_bit() {
    // Four chunks of CHUNK elements: the whole batch merges them as (c0 + c1) + (c2 + c3),
    // so two halves of two chunks each, merged alike, give the same bits.
    let (y_true, y_pred) = batch_of(4, CHUNK, 11);
    let loss = SoftDice::default().with_axis(Axis::WholeBatch);
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();

    let (t, p) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());
    let half = 2 * CHUNK;
    let first = batch::partials(&loss, &t[..half], &p[..half]).unwrap();
    let second = batch::partials(&loss, &t[half..], &p[half..]).unwrap();
    let sums = batch::merge(&[first, second]);
    assert_eq!(BatchKernel::finish(&loss, &sums), value);

    // Each part's gradient needs only the merged sums' adjoints and its own elements.
    let mut adjoints = vec![0.0; 3];
    BatchKernel::finish_reverse(&loss, &sums, 1.0, &mut adjoints);
    let mut parts = vec![0.0; t.len()];
    let (left, right) = parts.split_at_mut(half);
    batch::chunk_reverse(&loss, &t[..half], &p[..half], &adjoints, left).unwrap();
    batch::chunk_reverse(&loss, &t[half..], &p[half..], &adjoints, right).unwrap();
    assert_eq!(parts.as_slice(), grad.as_slice().unwrap());
}

#[test]
fn any_split_merges_to_the_same_value() {
    let (y_true, y_pred) = batch_of(3, 7, 13);
    let loss = SoftDice::default().with_axis(Axis::WholeBatch);
    let value = loss.value(&y_true, &y_pred).unwrap();
    let (t, p) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());
    let parts: Vec<Vec<f64>> = [(0, 5), (5, 12), (12, 21)]
        .iter()
        .map(|&(start, end)| batch::partials(&loss, &t[start..end], &p[start..end]).unwrap())
        .collect();
    let merged = BatchKernel::finish(&loss, &batch::merge(&parts));
    assert!((merged - value).abs() < 1e-15, "{merged} {value}");
}

#[test]
fn whole_batch_rejects_sample_weights() {
    let loss = SoftDice::default().with_axis(Axis::WholeBatch);
    let error = loss
        .value_weighted(&array![[1.0, 0.0]], &array![[0.5, 0.5]], &array![1.0])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "SoftDice is evaluated over the whole batch, which has no per-sample losses to weigh; use `Axis::PerSample` for sample weights"
    );
}

#[test]
fn whole_batch_of_empty_masks_is_finite() {
    let loss = SoftDice::default().with_axis(Axis::WholeBatch);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert!(grad.iter().all(|g| g.is_finite()));
}

/// A smoothed overlap ratio whose sums start from the smoothing term.
#[loss(batch)]
fn started_ratio<T: Float>(y_true: &[T], y_pred: &[T], smooth: T) -> T {
    let mut overlap = smooth;
    let mut total = smooth * 2.0;
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
        total += y_true[i] + y_pred[i];
    }
    overlap / total
}

#[test]
fn starting_values_count_once_per_batch() {
    // Four rows of CHUNK elements make several chunks, whose sums each start from 0.
    let (y_true, y_pred) = batch_of(4, CHUNK, 17);
    let loss = StartedRatio::new(0.5).with_axis(Axis::WholeBatch);
    let value = loss.value(&y_true, &y_pred).unwrap();
    let overlap: f64 = (&y_true * &y_pred).sum() + 0.5;
    let total = y_true.sum() + y_pred.sum() + 1.0;
    let expected = overlap / total;
    assert!(
        (value - expected).abs() < 1e-12 * expected,
        "{value} against {expected}"
    );
}

/// A ratio of sums declared with their type, `let mut sum: T = ..;`.
#[loss(batch)]
fn typed_ratio<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut overlap: T = T::zero();
    let mut total: T = 1.0;
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
        total += y_true[i] + y_pred[i];
    }
    overlap / total
}

#[test]
fn typed_sums_merge_over_the_batch() {
    let (y_true, y_pred) = batch_of(3, 4, 19);
    let loss = TypedRatio::new().with_axis(Axis::WholeBatch);
    let value = loss.value(&y_true, &y_pred).unwrap();
    let overlap: f64 = (&y_true * &y_pred).sum();
    let total = y_true.sum() + y_pred.sum() + 1.0;
    let expected = overlap / total;
    assert!(
        (value - expected).abs() < 1e-12 * expected,
        "{value} against {expected}"
    );
}

/// Soft Dice whose loops run to a bound read from the row before them.
#[loss(batch)]
fn bounded_dice<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut intersection = 0.0;
    let mut total = 0.0;
    for i in 0..n {
        intersection += y_true[i] * y_pred[i];
        total += y_true[i] + y_pred[i];
    }
    1.0 - (2.0 * intersection + 1.0) / (total + 1.0)
}

#[test]
fn row_length_bounds_the_loops() {
    let (y_true, y_pred) = batch_of(4, CHUNK, 23);
    for axis in [Axis::PerSample, Axis::WholeBatch] {
        let bounded = BoundedDice::new().with_axis(axis);
        let reference = SoftDice::new(1.0).with_axis(axis);
        let (value, grad) = bounded.value_and_grad(&y_true, &y_pred).unwrap();
        let (expected, expected_grad) = reference.value_and_grad(&y_true, &y_pred).unwrap();
        // `total` adds t + p per element, where SoftDice keeps two sums, so the
        // roundings differ.
        assert!(
            (value - expected).abs() < 1e-12,
            "{axis:?}: {value} against {expected}"
        );
        for (g, e) in grad.iter().zip(&expected_grad) {
            assert!((g - e).abs() < 1e-12, "{axis:?}: gradient {g} against {e}");
        }
    }
}

/// Log-ratio loss of three whole-batch sums with transcendental terms, in two loops.
#[loss(batch)]
fn log_ratio<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut mass = 0.0;
    let mut overlap = 0.0;
    let mut spread = 1.0;
    for i in 0..y_pred.len() {
        mass += y_pred[i].exp();
        overlap += y_true[i] * y_pred[i].ln_1p();
    }
    for i in 0..y_pred.len() {
        spread += (y_pred[i] - y_true[i]).powi(2);
    }
    (mass / spread).ln() - overlap / mass
}

#[test]
fn gradient_across_chunks_matches_differences() {
    let (y_true, y_pred) = batch_of(3, CHUNK, 29);
    let loss = LogRatio::new().with_axis(Axis::WholeBatch);
    let (_, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    let columns = y_pred.ncols();
    // The first and last elements of each chunk, and some between.
    let mut probes = vec![
        0,
        1,
        CHUNK - 1,
        CHUNK,
        2 * CHUNK - 1,
        2 * CHUNK,
        3 * CHUNK - 1,
    ];
    probes.extend((0..8).map(|k| 1_234 + 2_857 * k));
    let step = 1e-5;
    for flat in probes {
        let at = [flat / columns, flat % columns];
        let mut shifted = y_pred.clone();
        shifted[at] += step;
        let up = loss.value(&y_true, &shifted).unwrap();
        shifted[at] -= 2.0 * step;
        let down = loss.value(&y_true, &shifted).unwrap();
        let numeric = (up - down) / (2.0 * step);
        let analytic = grad[at];
        assert!(
            (analytic - numeric).abs() < 1e-7 * analytic.abs().max(1e-3),
            "element {flat}: {analytic} against {numeric}"
        );
    }
}

#[test]
fn gradient_alone_matches_reverse_bits() {
    // `#[loss(batch)]` writes the adjoint loss `__LogRatioAdjoint`, whose value is
    // `Σₖ aₖ sumₖ`. Its `gradient` leaves out the forward loops that `reverse` runs.
    let (y_true, y_pred) = batch_of(1, 1_003, 31);
    let (t, p) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());
    let kernel = __LogRatioAdjoint::new(0.75, -1.5, 0.125);
    let mut from_reverse = vec![0.0; p.len()];
    let mut from_gradient = vec![0.0; p.len()];
    RowKernel::reverse(&kernel, t, p, 2.0, &mut from_reverse).unwrap();
    RowKernel::gradient(&kernel, t, p, 2.0, &mut from_gradient).unwrap();
    assert_eq!(from_reverse, from_gradient);
    assert!(from_gradient.iter().all(|g| *g != 0.0));
}

#[test]
fn split_rejects_unpaired_parts() {
    let loss = SoftDice::default();
    let (t, p) = ([1.0, 0.0, 1.0], [0.5, 0.5]);
    assert_eq!(
        batch::partials(&loss, &t, &p).unwrap_err().to_string(),
        "y_true has shape [3] but y_pred has shape [2]; they must be equal"
    );
    let adjoints = [1.0, 1.0, 1.0];
    let mut grad = [0.0; 2];
    assert_eq!(
        batch::chunk_reverse(&loss, &t, &p, &adjoints, &mut grad).unwrap_err(),
        LossError::ShapeMismatch {
            y_true: vec![3],
            y_pred: vec![2],
        }
    );
    let mut short = [0.0; 1];
    assert_eq!(
        batch::chunk_reverse(&loss, &t[..2], &p, &adjoints, &mut short).unwrap_err(),
        LossError::GradientShape {
            grad: vec![1],
            expected: vec![2],
        }
    );
}

#[test]
fn empty_part_merges_as_zeros() {
    let loss = SoftDice::default();
    let (t, p) = ([1.0, 0.0, 1.0], [0.5, 0.25, 0.75]);
    let whole = batch::partials(&loss, &t, &p).unwrap();
    let empty = batch::partials(&loss, &[], &[]).unwrap();
    assert_eq!(empty, vec![0.0; 3]);
    assert_eq!(batch::merge(&[whole.clone(), empty]), whole);
    // A part given without sums at all counts as zeros too.
    assert_eq!(batch::merge(&[Vec::new(), whole.clone()]), whole);
}

#[test]
fn chunk_gradient_needs_one_adjoint_per_sum() {
    let loss = SoftDice::default();
    let (t, p) = ([1.0, 0.0], [0.5, 0.5]);
    let mut grad = [0.0; 2];
    let error = batch::chunk_reverse(&loss, &t, &p, &[1.0], &mut grad).unwrap_err();
    assert_eq!(
        error.to_string(),
        "SoftDice has 3 whole-batch sums but got 1 adjoints; pass one adjoint per sum, as \
         `BatchKernel::finish_reverse` writes them"
    );
    assert_eq!(grad, [0.0; 2]);
}

/// Computes a weighted sum whose weight is declared `mut` but never assigned: a
/// constant, not a sum that starts from 0 in each chunk.
#[loss(batch)]
#[allow(unused_mut)]
fn weighted_total<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut weight = 2.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += weight * y_pred[i] * y_true[i];
    }
    total
}

#[test]
fn unassigned_mut_is_a_constant() {
    let (y_true, y_pred) = batch_of(2, CHUNK + 3, 29);
    let loss = WeightedTotal::new().with_axis(Axis::WholeBatch);
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    let expected = 2.0 * (&y_true * &y_pred).sum();

    assert!(
        (value - expected).abs() < 1e-12 * expected,
        "{value} against {expected}"
    );
    for (g, t) in grad.iter().zip(&y_true) {
        assert!(
            (g - 2.0 * t).abs() < 1e-12,
            "gradient {g} against {}",
            2.0 * t
        );
    }
}
