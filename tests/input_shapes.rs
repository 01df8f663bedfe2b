//! Shape checks of losses of several inputs. By default every input must have the
//! first input's shape. With `inputs_any_length`, the inputs need only the same sample
//! axes. A row target that does not match is reported with the first input's name.

use losses_core::prelude::*;
use ndarray::{Array2, array};
use support::assert_close;

mod support;

/// The rule of a loss declared without `inputs_any_length`.
const SAME_SHAPE: &str = "all inputs must have the same shape";

/// Returns a `rows × columns` array of distinct values.
fn embeddings(rows: usize, columns: usize, offset: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, columns), |(row, column)| {
        offset + 0.01 * (row * columns + column) as f64
    })
}

/// Checks that `error` is the default rule's mismatch of `first` and `other`, and that
/// its message names both inputs and both shapes.
fn assert_mismatch(
    error: LossError,
    (first, first_shape): (&'static str, &[usize]),
    (other, other_shape): (&'static str, &[usize]),
) {
    let message = error.to_string();
    assert_eq!(
        error,
        LossError::InputShapeMismatch {
            first,
            first_shape: first_shape.to_vec(),
            other,
            other_shape: other_shape.to_vec(),
            same_shape: true,
        }
    );
    for part in [
        first.to_string(),
        other.to_string(),
        format!("{first_shape:?}"),
        format!("{other_shape:?}"),
        SAME_SHAPE.to_string(),
    ] {
        assert!(message.contains(&part), "{part:?} is not in {message:?}");
    }
}

#[test]
fn contrastive_rejects_different_row_lengths() {
    let loss = ContrastiveLoss::default();
    let labels = array![1.0, 0.0, 1.0, 0.0];
    let x1 = embeddings(4, 128, 0.0);
    for columns in [130, 126] {
        let x2 = embeddings(4, columns, 0.5);
        let first = ("x1", &[4, 128][..]);
        let other = ("x2", &[4, columns][..]);
        assert_mismatch(loss.value(&labels, &x1, &x2).unwrap_err(), first, other);
        assert_mismatch(
            loss.value_and_grad(&labels, &x1, &x2).unwrap_err(),
            first,
            other,
        );
        assert_mismatch(
            loss.per_sample(&labels, &x1, &x2).unwrap_err(),
            first,
            other,
        );
        let weights = array![1.0, 1.0, 1.0, 1.0];
        assert_mismatch(
            loss.value_weighted(&labels, &x1, &x2, &weights)
                .unwrap_err(),
            first,
            other,
        );
    }
}

#[test]
fn contrastive_message_states_the_rule() {
    let error = ContrastiveLoss::default()
        .value(
            &array![1.0, 0.0, 1.0, 0.0],
            &embeddings(4, 128, 0.0),
            &embeddings(4, 130, 0.5),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "x1 has shape [4, 128] but x2 has shape [4, 130]; all inputs must have the same shape"
    );
}

#[test]
fn triplet_rejects_different_row_lengths() {
    let loss = TripletMarginLoss::default();
    let anchor = embeddings(4, 128, 0.0);
    let same = embeddings(4, 128, 0.3);
    let longer = embeddings(4, 130, 0.5);
    let first = ("anchor", &[4, 128][..]);
    for (positive, negative, other) in [(&longer, &same, "positive"), (&same, &longer, "negative")]
    {
        let other = (other, &[4, 130][..]);
        assert_mismatch(
            loss.value(&anchor, positive, negative).unwrap_err(),
            first,
            other,
        );
        assert_mismatch(
            loss.value_and_grad(&anchor, positive, negative)
                .unwrap_err(),
            first,
            other,
        );
        assert_mismatch(
            loss.per_sample(&anchor, positive, negative).unwrap_err(),
            first,
            other,
        );
    }
}

#[test]
fn shipped_losses_accept_equal_shapes() {
    let x1 = embeddings(4, 128, 0.0);
    let x2 = embeddings(4, 128, 0.002);
    let labels = array![1.0, 0.0, 1.0, 0.0];
    let contrastive = ContrastiveLoss::default().value(&labels, &x1, &x2);
    assert!(contrastive.is_ok(), "{contrastive:?}");
    let triplet = TripletMarginLoss::default().value(&x1, &x2, &embeddings(4, 128, 1.0));
    assert!(triplet.is_ok(), "{triplet:?}");
}

/// Returns the squared gap between the sums of two rows, which may differ in length.
#[loss(inputs(a, b), inputs_any_length)]
fn sum_gap<T: Float>(a: &[T], b: &[T]) -> T {
    let mut gap = 0.0;
    for i in 0..a.len() {
        gap += a[i];
    }
    for j in 0..b.len() {
        gap -= b[j];
    }
    gap * gap
}

#[test]
fn any_length_accepts_different_rows() {
    let loss = SumGap::new();
    let a = array![[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]];
    let b = array![[1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.25]];
    // The gaps are 6 - 5 = 1 and 1.5 - 0.25 = 1.25, and the value is the mean of their
    // squares.
    let expected = (1.0 + 1.5625) / 2.0;
    assert_close(expected, loss.value(&a, &b).unwrap(), "value");
    let (value, grad_a, grad_b) = loss.value_and_grad(&a, &b).unwrap();
    assert_close(expected, value, "value_and_grad");
    // d gap² / d a = 2 gap, d gap² / d b = -2 gap, over 2 samples.
    assert_eq!(grad_a, array![[1.0; 3], [1.25; 3]]);
    assert_eq!(grad_b, array![[-1.0; 5], [-1.25; 5]]);
    assert_eq!(
        loss.per_sample(&a, &b).unwrap().into_raw_vec_and_offset().0,
        vec![1.0, 1.5625]
    );
}

#[test]
fn any_length_requires_same_samples() {
    let error = SumGap::new()
        .value(&array![[1.0, 2.0]], &array![[1.0], [2.0]])
        .unwrap_err();
    assert_eq!(
        error,
        LossError::InputShapeMismatch {
            first: "a",
            first_shape: vec![1, 2],
            other: "b",
            other_shape: vec![2, 1],
            same_shape: false,
        }
    );
    assert_eq!(
        error.to_string(),
        "a has shape [1, 2] but b has shape [2, 1]; \
         all inputs must have the same sample axes (all but the last)"
    );
}

/// Returns the squared error of `left + right` against a row target, in a loss whose
/// first input is not `y_pred`.
#[loss(inputs(left, right))]
fn fitted_sum<T: Float>(y_true: &[T], left: &[T], right: &[T]) -> T {
    let mut loss = 0.0;
    for i in 0..left.len() {
        loss += (left[i] + right[i] - y_true[i]).powi(2);
    }
    loss
}

#[test]
fn row_target_mismatch_names_input() {
    let loss = FittedSum::new();
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let y_true = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let error = loss.value(&y_true, &x, &x).unwrap_err();

    assert_eq!(
        error,
        LossError::TargetShapeMismatch {
            y_true: vec![2, 3],
            input: "left",
            input_shape: vec![2, 2],
            expected: vec![vec![2, 2]],
        }
    );
    let message = error.to_string();
    assert!(message.contains("left (shape [2, 2])"), "{message}");
    assert!(!message.contains("y_pred"), "{message}");

    assert_eq!(
        loss.value_and_grad(&y_true, &x, &x).unwrap_err(),
        error,
        "value_and_grad"
    );
    assert_eq!(
        loss.per_sample(&y_true, &x, &x).unwrap_err(),
        error,
        "per_sample"
    );

    // A target of the first input's shape is accepted. Each term is x² here, so the mean
    // over the two samples is (1 + 4 + 9 + 16) / 2.
    let value = loss.value(&x, &x, &x).unwrap();
    assert_close((1.0 + 4.0 + 9.0 + 16.0) / 2.0, value, "value");
}

#[test]
fn empty_rows_name_their_input() {
    let loss = SparseCategoricalCrossentropy::new(true, -1.0);
    let error = loss
        .value(&array![0.0, 0.0], &Array2::<f64>::zeros((2, 0)))
        .unwrap_err();
    assert_eq!(
        error,
        LossError::EmptyRows {
            input: "y_pred",
            shape: vec![2, 0],
        }
    );
    assert_eq!(
        error.to_string(),
        "y_pred has shape [2, 0], which has no elements; a loss needs at least one element"
    );

    let pairs = ContrastiveLoss::default();
    let empty = Array2::<f64>::zeros((2, 0));
    let error = pairs.value(&array![1.0, 0.0], &empty, &empty).unwrap_err();
    assert_eq!(
        error,
        LossError::EmptyRows {
            input: "x1",
            shape: vec![2, 0],
        }
    );
}
