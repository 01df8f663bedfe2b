//! Local arrays in row losses, `let mut v = vec![0.0; n];`, written in one loop and
//! read in later ones: gradients against central finite differences in f64, values
//! against the plain functions, and the errors for indices past the array.

use losses_core::prelude::*;
use ndarray::array;
use support::assert_gradient;

mod support;

/// Softmax cross-entropy that keeps the exponentials in an array, instead of
/// computing them twice.
#[loss]
fn stored_softmax<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut max = y_pred[0];
    for i in 1..n {
        max = max.max(y_pred[i]);
    }
    let mut e = vec![0.0; n];
    let mut sum = 0.0;
    for i in 0..n {
        e[i] = (y_pred[i] - max).exp();
        sum += e[i];
    }
    let mut loss = 0.0;
    for i in 0..n {
        loss -= y_true[i] * (e[i] / sum).ln();
    }
    loss
}

/// Centred predictions, each read by every pair in a nested loop, and a fixed-size
/// array of per-bucket sums filled with `+=` at a computed index.
#[loss]
fn pairwise_centred(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut mean = 0.0;
    for i in 0..n {
        mean += y_pred[i];
    }
    let mean = mean / n as f64;
    let mut centred = vec![0.0; n];
    let mut buckets = [0.0; 2];
    for i in 0..n {
        centred[i] = y_pred[i] - mean;
        buckets[i % 2] += y_true[i] * y_pred[i] * y_pred[i];
    }
    let mut total = 0.0;
    for i in 0..n {
        for j in 0..n {
            total += centred[i] * centred[j] * y_true[j];
        }
    }
    total + buckets[0] * buckets[1] - buckets[1]
}

/// An array written from another array, with `-=` into a zero-filled array.
#[loss]
fn chained_arrays(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut squares = vec![0.0; n];
    for i in 0..n {
        squares[i] = y_pred[i] * y_pred[i];
    }
    let mut shifted = vec![0.0; n];
    for i in 0..n {
        shifted[(i + 1) % n] -= squares[i].sqrt() * y_true[i];
    }
    let mut total = 0.0;
    for i in 0..shifted.len() {
        total += shifted[i].exp();
    }
    total
}

#[test]
fn stored_softmax_gradient() {
    let y_true = array![[1.0, 0.0, 0.0], [0.2, 0.5, 0.3]].into_dyn();
    let y_pred = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]].into_dyn();
    assert_gradient(&StoredSoftmax::new(), &y_true, &y_pred);
}

#[test]
fn stored_softmax_value() {
    let y_pred = [0.5f64, -1.0, 2.0];
    let (y_true, row) = (array![[0.0, 0.0, 1.0]], array![[0.5, -1.0, 2.0]]);
    let value = StoredSoftmax::new().value(&y_true, &row).unwrap();
    let sum: f64 = y_pred.iter().map(|x| x.exp()).sum();
    let expected = -(2.0f64.exp() / sum).ln();
    assert!(
        (value - expected).abs() < 1e-14,
        "{value} against {expected}"
    );
}

#[test]
fn stored_softmax_f32_matches_f64() {
    let y_true = array![[0.2f32, 0.5, 0.3]];
    let y_pred = array![[1.5f32, 0.25, -0.75]];
    let (_, single) = StoredSoftmax::new()
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    let (_, double) = StoredSoftmax::new()
        .value_and_grad(&y_true.mapv(f64::from), &y_pred.mapv(f64::from))
        .unwrap();
    for (a, b) in single.iter().zip(double.iter()) {
        assert!(
            (f64::from(*a) - b).abs() < 1e-6,
            "{single} against {double}"
        );
    }
}

#[test]
fn pairwise_centred_gradient() {
    let y_true = array![[1.0, 0.5, 0.0, 2.0], [0.3, 0.0, 1.0, 1.0]].into_dyn();
    let y_pred = array![[0.5, -1.0, 2.0, 0.25], [1.5, 0.25, -0.75, 0.1]].into_dyn();
    assert_gradient(&PairwiseCentred::new(), &y_true, &y_pred);
}

#[test]
fn pairwise_centred_value() {
    let (t, p) = ([1.0, 0.5, 0.0], [0.5, -1.0, 2.0]);
    let value = PairwiseCentred::new()
        .value(&array![t], &array![p])
        .unwrap();
    let mean = (p[0] + p[1] + p[2]) / 3.0;
    let centred = p.map(|x| x - mean);
    let mut total = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            total += centred[i] * centred[j] * t[j];
        }
    }
    let even = t[0] * p[0] * p[0] + t[2] * p[2] * p[2];
    let odd = t[1] * p[1] * p[1];
    let expected = total + even * odd - odd;
    assert!(
        (value - expected).abs() < 1e-14,
        "{value} against {expected}"
    );
}

#[test]
fn chained_arrays_gradient() {
    let y_true = array![[1.0, 0.5, 0.25, 2.0]].into_dyn();
    let y_pred = array![[0.5, -1.0, 2.0, 0.25]].into_dyn();
    assert_gradient(&ChainedArrays::new(), &y_true, &y_pred);
}

#[test]
fn many_rows_reuse_buffers() {
    // Every row's arrays start from their fill value, whatever an earlier row left.
    let y_true = ndarray::Array2::from_shape_fn((50, 5), |(i, j)| ((i + j) % 3) as f64);
    let y_pred = ndarray::Array2::from_shape_fn((50, 5), |(i, j)| (i as f64 - j as f64) / 7.0);
    let loss = PairwiseCentred::new();
    let per_sample = loss.per_sample(&y_true, &y_pred).unwrap();
    for row in 0..50 {
        let alone = loss
            .per_sample(
                &y_true.slice(ndarray::s![row..row + 1, ..]).to_owned(),
                &y_pred.slice(ndarray::s![row..row + 1, ..]).to_owned(),
            )
            .unwrap();
        assert_eq!(per_sample[row], alone[0], "row {row}");
    }
}

#[test]
fn long_row_writes_out_of_bounds() {
    // A row of two elements leaves `kept[2]` at 0; a row of four writes `kept[3]`,
    // which is an error naming the array and the index, not a panic.
    #[loss]
    fn first_three(y_true: &[f64], y_pred: &[f64]) -> f64 {
        let mut kept = [0.0; 3];
        for i in 0..y_pred.len() {
            kept[i] = y_pred[i] * y_true[i];
        }
        kept[0] + kept[1] + kept[2]
    }
    let loss = FirstThree::new();
    assert_eq!(
        loss.value(&array![[1.0, 2.0]], &array![[3.0, 4.0]])
            .unwrap(),
        11.0
    );
    let (y_true, y_pred) = (array![[1.0, 1.0, 1.0, 1.0]], array![[1.0, 1.0, 1.0, 1.0]]);
    let error = loss.value(&y_true, &y_pred).unwrap_err();
    assert_eq!(
        error,
        LossError::WriteOutOfBounds {
            loss: "FirstThree",
            array: "kept",
            index: 3,
            len: 3,
            sample: 0
        }
    );
    assert_eq!(
        error.to_string(),
        "FirstThree wrote index 3 of `kept`, whose length is 3, in sample 0"
    );
    // The reverse function runs the forward pass again, and stops at the same store.
    let error = loss.value_and_grad(&y_true, &y_pred).unwrap_err();
    assert_eq!(
        error.to_string(),
        "FirstThree wrote index 3 of `kept`, whose length is 3, in sample 0"
    );
}

#[test]
fn add_past_the_end_is_a_write() {
    // `+=` at a computed index writes too: the bucket of a label of 2 is past a
    // two-bucket array.
    #[loss]
    fn bucket_sums(y_true: &[f64], y_pred: &[f64]) -> f64 {
        let mut buckets = [0.0; 2];
        for i in 0..y_pred.len() {
            buckets[y_true[i] as usize] += y_pred[i];
        }
        buckets[0] * buckets[1]
    }
    let loss = BucketSums::new();
    assert_eq!(
        loss.value(&array![[0.0, 1.0, 1.0]], &array![[2.0, 3.0, 4.0]])
            .unwrap(),
        14.0
    );
    let error = loss
        .value(
            &array![[0.0, 1.0], [1.0, 2.0]],
            &array![[2.0, 3.0], [4.0, 5.0]],
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "BucketSums wrote index 2 of `buckets`, whose length is 2, in sample 1"
    );
}

#[test]
fn read_past_the_end_is_a_read() {
    #[loss]
    fn last_kept(y_true: &[f64], y_pred: &[f64]) -> f64 {
        let mut kept = [0.0; 2];
        for i in 0..2 {
            kept[i] = y_pred[i] * y_true[i];
        }
        kept[y_pred.len() - 1]
    }
    let loss = LastKept::new();
    assert_eq!(
        loss.value(&array![[1.0, 2.0]], &array![[3.0, 4.0]])
            .unwrap(),
        8.0
    );
    let error = loss
        .value(&array![[1.0, 1.0, 1.0]], &array![[1.0, 1.0, 1.0]])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "LastKept read index 2 of `kept`, whose length is 2, in sample 0"
    );
}

/// The squared distance between two inputs after centring each, with the centred
/// values of the first input kept in an array.
#[loss(inputs(a, b))]
fn centred_distance(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    let mut mean = 0.0;
    for i in 0..n {
        mean += a[i] - b[i];
    }
    let mean = mean / n as f64;
    let mut differences = vec![0.0; n];
    for i in 0..n {
        differences[i] = a[i] - b[i] - mean;
    }
    let mut total = 0.0;
    for i in 0..n {
        total += differences[i] * differences[i];
    }
    total
}

#[test]
fn two_inputs_share_one_array() {
    let loss = CentredDistance::new();
    let a = ndarray::array![[0.3, -0.4, 0.2], [0.1, 0.2, 0.9]];
    let b = ndarray::array![[0.0, 0.1, 0.2], [0.4, -0.2, 0.1]];
    let (_, grad_a, grad_b) = loss.value_and_grad(&a, &b).unwrap();
    let h = 1e-6;
    for index in [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)] {
        let mut up = a.clone();
        up[index] += h;
        let mut down = a.clone();
        down[index] -= h;
        let numeric = (loss.value(&up, &b).unwrap() - loss.value(&down, &b).unwrap()) / (2.0 * h);
        assert!(
            (numeric - grad_a[index]).abs() < 1e-7,
            "a {index:?}: {numeric} against {}",
            grad_a[index]
        );
        // The loss depends on a - b only.
        assert!((grad_b[index] + grad_a[index]).abs() < 1e-12, "b {index:?}");
    }
}

/// A product over the elements of an array, and an array that carries no gradient.
#[loss]
fn product_of_kept(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut kept = vec![0.0; n];
    let mut targets = vec![0.0; n];
    for i in 0..n {
        kept[i] = y_pred[i] - y_true[i];
        targets[i] = 2.0 * y_true[i];
    }
    let mut product = 1.0;
    for i in 0..n {
        product *= kept[i] + targets[i];
    }
    product
}

#[test]
fn product_of_kept_gradient() {
    let y_true = array![[0.5, 1.0, -0.25], [2.0, 0.0, 1.0]].into_dyn();
    let y_pred = array![[0.3, -0.7, 1.1], [0.25, 1.5, -0.4]].into_dyn();
    assert_gradient(&ProductOfKept::new(), &y_true, &y_pred);
}

#[test]
fn product_of_kept_zero_factor() {
    // The factors are y_pred + y_true = (0, 3, 4): only the first gets 3 × 4.
    let (value, grad) = ProductOfKept::new()
        .value_and_grad(&array![[1.0, 1.0, 1.0]], &array![[-1.0, 2.0, 3.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[12.0, 0.0, 0.0]]);
}
