//! Row losses: `y_true` and `y_pred` are rows `&[T]` along the last axis, and the body
//! uses loops, indexing, reductions and `usize` arithmetic. Each test loss is checked
//! against central finite differences in f64.

use losses_core::prelude::*;
use ndarray::{Array2, ArrayD, IxDyn, array};
use support::assert_gradient;

mod support;

fn dyn2(rows: &[&[f64]]) -> ArrayD<f64> {
    let columns = rows[0].len();
    let flat: Vec<f64> = rows.iter().flat_map(|row| row.iter().copied()).collect();
    Array2::from_shape_vec((rows.len(), columns), flat)
        .expect("rectangular")
        .into_dyn()
}

/// Softmax cross-entropy with label smoothing, from a max and two sums.
#[loss(defaults(label_smoothing = 0.0))]
fn smoothed_cce<T: Float>(y_true: &[T], y_pred: &[T], label_smoothing: T) -> T {
    let classes = T::from(y_pred.len()).unwrap();
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += (y_pred[i] - max).exp();
    }
    let log_sum = max + sum.ln();
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        let target = y_true[i] * (1.0 - label_smoothing) + label_smoothing / classes;
        loss += target * (log_sum - y_pred[i]);
    }
    loss
}

/// A quadratic form with a matrix hyper-parameter, checked against the row length.
#[loss(require(matrix.len() == features * features))]
fn quadratic_form(y_true: &[f64], y_pred: &[f64], matrix: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut q = 0.0;
    for i in 0..n {
        for j in 0..n {
            q += (y_pred[i] - y_true[i]) * matrix[i * n + j] * (y_pred[j] - y_true[j]);
        }
    }
    q
}

/// Pairwise terms with a nested loop whose inner sum feeds the outer one, a uniform
/// branch on indices and a per-sample branch on values.
#[loss]
fn pairwise_soft_rank(y_true: &[f64], y_pred: &[f64], temperature: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        let mut rank = 1.0;
        for j in 0..y_pred.len() {
            rank += if i == j {
                0.0
            } else {
                1.0 / (1.0 + (-(y_pred[j] - y_pred[i]) / temperature).exp())
            };
        }
        let gain = if y_true[i] > 0.0 { y_true[i] } else { 0.0 };
        total += gain / (1.0 + rank).log2();
    }
    -total
}

/// An inactive carried counter used by the differentiated terms, and a min reduction.
#[loss]
fn position_weighted(y_true: &[f64], y_pred: &[f64], top: usize) -> f64 {
    let mut position = 1.0;
    let mut weighted = 0.0;
    let mut smallest = y_pred[0];
    for i in 0..top {
        weighted += y_pred[i] * y_true[i] / position;
        position += 1.0;
        smallest = smallest.min(y_pred[i]);
    }
    weighted - smallest * (top as f64)
}

#[test]
fn smoothed_cce_gradient() {
    let y_true = dyn2(&[&[0.0, 1.0, 0.0], &[1.0, 0.0, 0.0]]);
    let y_pred = dyn2(&[&[1.0, 2.0, 3.0], &[0.5, 0.5, -1.0]]);
    assert_gradient(&SmoothedCce::new(0.0), &y_true, &y_pred);
    assert_gradient(&SmoothedCce::new(0.2), &y_true, &y_pred);
}

#[test]
fn smoothed_cce_value() {
    // Row [0, 0] of two classes with target class 1: ln 2.
    let value: f64 = SmoothedCce::default()
        .value(&array![[0.0, 1.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
}

#[test]
fn one_dimensional_input_is_one_row() {
    let loss = SmoothedCce::default();
    let per_sample = loss
        .per_sample(&array![0.0, 1.0], &array![0.0, 0.0])
        .unwrap();
    assert_eq!(per_sample.shape(), &[1]);
}

#[test]
fn quadratic_form_gradient() {
    let matrix = vec![2.0, 0.5, 0.0, 0.3, 1.0, -0.2, 0.1, 0.0, 3.0];
    let y_true = dyn2(&[&[0.1, 0.2, 0.3], &[1.0, -1.0, 0.5]]);
    let y_pred = dyn2(&[&[0.4, -0.2, 0.9], &[0.0, 0.3, 0.2]]);
    assert_gradient(&QuadraticForm::new(matrix), &y_true, &y_pred);
}

/// Rows of 20 run a full block of the generated sum loops and a tail of 4, and the
/// inner loop reads `y_pred[i]` of the outer one in every iteration.
#[test]
fn quadratic_form_gradient_on_long_rows() {
    let n = 20;
    let matrix: Vec<f64> = (0..n * n)
        .map(|k| ((k * 7 % 11) as f64 - 5.0) / 10.0)
        .collect();
    let row =
        |offset: f64| -> Vec<f64> { (0..n).map(|k| ((k as f64 + offset) * 0.37).sin()).collect() };
    let (first, second, third) = (row(0.0), row(1.5), row(3.0));
    let y_true = dyn2(&[&first, &second]);
    let y_pred = dyn2(&[&second, &third]);
    assert_gradient(&QuadraticForm::new(matrix), &y_true, &y_pred);
}

#[test]
fn quadratic_form_rejects_wrong_dimension() {
    let loss = QuadraticForm::new(vec![1.0, 0.0, 0.0, 1.0]);
    let error = loss
        .value(&array![[0.0, 0.0, 0.0]], &array![[1.0, 1.0, 1.0]])
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("matrix.len() == features * features"),
        "{message}"
    );
    assert!(message.contains("features = 3"), "{message}");
}

#[test]
fn pairwise_soft_rank_gradient() {
    let y_true = dyn2(&[&[3.0, 0.0, 1.0, 2.0]]);
    let y_pred = dyn2(&[&[0.3, -0.1, 0.8, 0.2]]);
    assert_gradient(&PairwiseSoftRank::new(0.5), &y_true, &y_pred);
}

#[test]
fn position_weighted_gradient() {
    let y_true = dyn2(&[&[1.0, 2.0, 0.5, 4.0], &[0.0, 1.0, 1.0, 1.0]]);
    let y_pred = dyn2(&[&[0.3, -0.1, 0.8, 0.2], &[0.5, 0.25, 1.0, -2.0]]);
    assert_gradient(&PositionWeighted::new(3), &y_true, &y_pred);
}

#[test]
fn min_reduction_splits_ties() {
    // smallest = min(y_pred[0], y_pred[0..2]) over equal values: three ties at 1.0,
    // so each of the two elements gets 1/3 + 1/3 of -top and the weighted term.
    let loss = PositionWeighted::new(2);
    let (_, grad) = loss
        .value_and_grad(&array![[0.0, 0.0]], &array![[1.0, 1.0]])
        .unwrap();
    assert!((grad[[0, 0]] - (-2.0 * 2.0 / 3.0)).abs() < 1e-15, "{grad}");
    assert!((grad[[0, 1]] - (-2.0 / 3.0)).abs() < 1e-15, "{grad}");
}

#[test]
fn index_past_the_row_is_an_error() {
    let loss = PositionWeighted::new(5);
    let error = loss
        .value(
            &array![[0.0, 0.0], [0.0, 0.0]],
            &array![[1.0, 1.0], [1.0, 1.0]],
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "PositionWeighted read index 2 of `y_pred`, whose length is 2, in sample 0"
    );
}

#[test]
fn weighted_rows_follow_the_reduction() {
    let y_true = array![[0.0, 1.0], [1.0, 0.0]];
    let y_pred = array![[0.0, 0.0], [2.0, 0.0]];
    let loss = SmoothedCce::default().with_reduction(Reduction::Mean);
    let weights = array![1.0, 3.0];
    let per_sample: ArrayD<f64> = SmoothedCce::default().per_sample(&y_true, &y_pred).unwrap();
    let value: f64 = loss.value_weighted(&y_true, &y_pred, &weights).unwrap();
    let expected = (per_sample[IxDyn(&[0])] + 3.0 * per_sample[IxDyn(&[1])]) / 4.0;
    assert!((value - expected).abs() < 1e-15);
}

/// Cross-entropy from logits with one class index per sample.
#[loss]
fn sparse_softmax_cross_entropy<T: Float>(y_true: usize, y_pred: &[T]) -> T {
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += (y_pred[i] - max).exp();
    }
    max + sum.ln() - y_pred[y_true]
}

/// A margin loss on the squared norm of a row, with one float label per sample.
#[loss]
fn labelled_margin(y_true: f64, y_pred: &[f64], margin: f64) -> f64 {
    let mut squared = 0.0;
    for i in 0..y_pred.len() {
        squared += y_pred[i] * y_pred[i];
    }
    let distance = squared.sqrt();
    let gap = (margin - distance).max(0.0);
    y_true * squared + (1.0 - y_true) * gap * gap
}

#[test]
fn sparse_labels_match_one_hot() {
    let logits: Array2<f64> = array![[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]];
    let sparse = SparseSoftmaxCrossEntropy::new()
        .value_and_grad(&array![1.0, 0.0], &logits)
        .unwrap();
    let dense = SmoothedCce::default()
        .value_and_grad(&array![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], &logits)
        .unwrap();
    assert!((sparse.0 - dense.0).abs() < 1e-15);
    for (a, b) in sparse.1.iter().zip(dense.1.iter()) {
        assert!((a - b).abs() < 1e-15);
    }
}

#[test]
fn sparse_labels_accept_a_trailing_axis_of_one() {
    let logits = array![[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]];
    let flat: f64 = SparseSoftmaxCrossEntropy::new()
        .value(&array![1.0, 0.0], &logits)
        .unwrap();
    let column: f64 = SparseSoftmaxCrossEntropy::new()
        .value(&array![[1.0], [0.0]], &logits)
        .unwrap();
    assert_eq!(flat, column);
}

#[test]
fn sparse_label_out_of_range_is_an_error() {
    let error = SparseSoftmaxCrossEntropy::new()
        .value(
            &array![1.0, 3.0],
            &array![[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]],
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "SparseSoftmaxCrossEntropy read index 3 of `y_pred`, whose length is 3, in sample 1"
    );
}

#[test]
fn fractional_label_is_an_error() {
    let error = SparseSoftmaxCrossEntropy::new()
        .value(&array![1.5], &array![[1.0, 2.0]])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "SparseSoftmaxCrossEntropy expects class indices in y_true, but sample 0 has the label 1.5; labels must be whole numbers from 0"
    );
}

#[test]
fn sparse_label_shape_mismatch_names_both_shapes() {
    let error = SparseSoftmaxCrossEntropy::new()
        .value(&array![1.0, 0.0, 2.0], &array![[1.0, 2.0], [0.5, 0.5]])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "y_true has shape [3], but the samples of y_pred (shape [2, 2]) need y_true of shape [2] or [2, 1]"
    );
}

#[test]
fn labelled_margin_gradient() {
    let y_true = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1.0, 0.0, 0.0]).unwrap();
    let y_pred = dyn2(&[&[0.3, -0.4], &[0.1, 0.2], &[2.0, 1.0]]);
    assert_gradient(&LabelledMargin::new(1.0), &y_true, &y_pred);
}

#[test]
fn labelled_margin_at_zero_distance_is_finite() {
    // sqrt at 0 has derivative 0, so identical embeddings give a finite gradient.
    let loss = LabelledMargin::new(1.0);
    let (value, grad) = loss
        .value_and_grad(&array![0.0], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 1.0);
    assert!(grad.iter().all(|g| g.is_finite()), "{grad}");
}

/// A weighted mean of the predictions, undefined when a row's weights are all zero:
/// such a row is left out.
#[loss(exclude_if(y_true.iter().all(|t| *t <= 0.0)))]
fn target_weighted_mean<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut weighted = 0.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        weighted += y_true[i] * y_pred[i];
        total += y_true[i];
    }
    weighted / total
}

#[test]
fn excluded_row_is_left_out_of_the_mean() {
    let loss = TargetWeightedMean::new();
    let y_true = array![[1.0, 3.0], [0.0, 0.0]];
    let y_pred = array![[2.0, 4.0], [5.0, 7.0]];
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    // Only the first row counts: (1·2 + 3·4) / 4 = 3.5, divided by one sample.
    assert_eq!(value, 3.5);
    assert_eq!(grad, array![[0.25, 0.75], [0.0, 0.0]]);
    let per_sample: ArrayD<f64> = loss.per_sample(&y_true, &y_pred).unwrap();
    assert_eq!(per_sample.as_slice().unwrap(), &[3.5, 0.0]);
}

#[test]
fn all_rows_excluded_give_zero() {
    let (value, grad) = TargetWeightedMean::new()
        .value_and_grad(&array![[0.0, 0.0]], &array![[5.0, 7.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0]]);
}

/// Expected unigram matches of a sequence of probability rows (`y_pred` flattened as
/// positions × vocabulary) against reference token ids of their own length.
#[loss(target_any_length)]
fn expected_unigram_matches<T: Float>(y_true: &[T], y_pred: &[T], vocabulary: usize) -> T {
    let positions = y_pred.len() / vocabulary;
    let mut matches = 0.0;
    for j in 0..y_true.len() {
        let token = y_true[j].to_usize().unwrap();
        for t in 0..positions {
            matches += y_pred[t * vocabulary + token];
        }
    }
    -matches
}

#[test]
fn reference_ids_index_the_rows() {
    let loss = ExpectedUnigramMatches::new(3);
    // Two positions over a vocabulary of 3; reference [2, 0, 2].
    let y_true = dyn2(&[&[2.0, 0.0, 2.0]]);
    let y_pred = dyn2(&[&[0.1, 0.2, 0.7, 0.5, 0.25, 0.25]]);
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    // Token 2 counts twice, token 0 once, at both positions.
    assert!((value + (2.0 * (0.7 + 0.25) + (0.1 + 0.5))).abs() < 1e-15);
    assert_eq!(
        grad.as_slice().unwrap(),
        &[-1.0, 0.0, -2.0, -1.0, 0.0, -2.0]
    );
}

#[test]
fn fractional_reference_id_is_rejected() {
    let loss = ExpectedUnigramMatches::new(3);
    let error = loss
        .value(&array![[0.5]], &array![[0.1, 0.2, 0.7]])
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidLabel { value, sample: 0, .. } if value == 0.5),
        "{error}"
    );
}

#[test]
fn reference_rows_need_the_same_samples() {
    let loss = ExpectedUnigramMatches::new(3);
    let error = loss
        .value(&array![[0.0], [1.0]], &array![[0.1, 0.2, 0.7]])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "y_true has shape [2, 1], but the samples of y_pred (shape [1, 3]) need y_true of shape [1] followed by any length"
    );
}
