//! The constant functions of the generic float type, such as `T::zero()` and
//! `T::epsilon()`, and the conversion `T::from(x).unwrap()`, in every kind of loss and
//! in a `#[differentiable]` helper. Gradients are checked against central finite
//! differences in f64. Values are checked against the plain functions in f32 and f64,
//! whose machine epsilon and largest value differ.

use losses_core::prelude::*;
use ndarray::{Array2, array};
use support::{H, assert_close, assert_gradient};

mod support;

/// A squared error with every constant function, each of which must leave the
/// gradient `2 (y_pred - y_true) + 1/2` unchanged.
#[loss]
fn constant_functions<T: Float>(y_true: T, y_pred: T) -> T {
    let zero = T::zero();
    let d = y_pred - y_true + zero * y_pred;
    let bounded = (T::one() * d).clamp(T::neg_infinity(), T::infinity());
    let tiny = T::epsilon() + T::min_positive_value() + T::neg_zero();
    let huge = T::max_value() + T::min_value();
    bounded.powi(2) + T::from(0.5).unwrap() * y_pred + T::from(2).unwrap() + tiny + huge
}

#[test]
fn elementwise_constants_gradient() {
    let y_true = array![0.0, 1.0, -2.0, 0.5].into_dyn();
    let y_pred = array![0.3, 0.2, 1.5, 0.5].into_dyn();
    let loss = ConstantFunctions::new();
    assert_gradient(&loss, &y_true, &y_pred);
    let (_, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    // d/dp [(p - t)² + p/2] = 2 (p - t) + 1/2, divided by the 4 elements of the mean.
    assert_eq!(grad[[1]], (2.0 * (0.2 - 1.0) + 0.5) / 4.0);
}

/// Machine epsilon of the evaluation type, added to a prediction.
#[loss]
fn plus_epsilon<T: Float>(y_true: T, y_pred: T) -> T {
    y_pred - y_true + T::epsilon()
}

#[test]
fn epsilon_follows_the_float_type() {
    let single: f32 = PlusEpsilon::new()
        .value(&array![0.0f32], &array![1.0f32])
        .unwrap();
    assert_eq!(single, 1.0 + f32::EPSILON);
    assert_eq!(single, plus_epsilon(0.0f32, 1.0));
    let double: f64 = PlusEpsilon::new()
        .value(&array![0.0], &array![1.0])
        .unwrap();
    assert_eq!(double, 1.0 + f64::EPSILON);
    assert_eq!(double, plus_epsilon(0.0f64, 1.0));
}

/// The prediction capped at the largest value of the evaluation type.
#[loss]
fn capped<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred * y_true).min(T::max_value())
}

#[test]
fn max_value_follows_the_float_type() {
    // 1e30 * 1e30 overflows f32 but not f64.
    let single: f32 = Capped::new()
        .value(&array![1e30f32], &array![1e30f32])
        .unwrap();
    assert_eq!(single, f32::MAX);
    assert_eq!(single, capped(1e30f32, 1e30));
    let double: f64 = Capped::new().value(&array![1e30], &array![1e30]).unwrap();
    assert_eq!(double, 1e30 * 1e30);
    assert_eq!(double, capped(1e30f64, 1e30));
}

/// A position-weighted softmax cross-entropy whose array and sums start from
/// `T::zero()`, with weights converted from indices by `T::from(i).unwrap()`.
#[loss]
fn weighted_softmax<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut e = vec![T::zero(); n];
    let mut sum = T::zero();
    for i in 0..n {
        e[i] = (y_pred[i] * T::one()).exp();
        sum += e[i];
    }
    let mut loss = T::zero();
    for i in 0..n {
        let weight = T::one() + T::from(i).unwrap() / T::from(n).unwrap();
        loss -= weight * y_true[i] * (e[i] / sum).ln();
    }
    loss
}

#[test]
fn row_constants_gradient() {
    let y_true = array![[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]].into_dyn();
    let y_pred = array![[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]].into_dyn();
    assert_gradient(&WeightedSoftmax::new(), &y_true, &y_pred);
}

/// A squared distance between two inputs, started from `T::zero()`.
#[loss(inputs(a, b))]
fn constant_distance<T: Float>(a: &[T], b: &[T]) -> T {
    let mut total = T::zero();
    for i in 0..a.len() {
        total += (a[i] - b[i]).powi(2) * T::from(0.5).unwrap();
    }
    total + T::epsilon()
}

fn central_difference(
    f: impl Fn(&Array2<f64>) -> f64,
    at: &Array2<f64>,
    index: (usize, usize),
) -> f64 {
    let mut shifted = at.clone();
    shifted[index] += H;
    let up = f(&shifted);
    shifted[index] -= 2.0 * H;
    let down = f(&shifted);
    (up - down) / (2.0 * H)
}

#[test]
fn multi_input_constants_gradient() {
    let loss = ConstantDistance::new();
    let a = array![[0.3, -0.4], [0.1, 0.2]];
    let b = array![[0.0, 0.1], [0.4, -0.2]];
    let (_, grad_a, grad_b) = loss.value_and_grad(&a, &b).unwrap();
    for index in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        let numeric_a = central_difference(|a| loss.value(a, &b).unwrap(), &a, index);
        assert_close(numeric_a, grad_a[index], &format!("a {index:?}"));
        let numeric_b = central_difference(|b| loss.value(&a, b).unwrap(), &b, index);
        assert_close(numeric_b, grad_b[index], &format!("b {index:?}"));
    }
}

/// A soft Dice loss whose sums start from `T::zero()` and whose smoothing is `T::one()`.
#[loss(batch)]
fn constant_dice<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut intersection = T::zero();
    let mut total = T::zero();
    for i in 0..y_pred.len() {
        intersection += y_true[i] * y_pred[i];
        total += y_true[i] + y_pred[i];
    }
    T::one() - (T::from(2).unwrap() * intersection + T::one()) / (total + T::one())
}

#[test]
fn batch_constants_gradient() {
    let y_true = array![[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]].into_dyn();
    let y_pred = array![[0.8, 0.1, 0.6], [0.3, 0.9, 0.4]].into_dyn();
    assert_gradient(&ConstantDice::new(), &y_true, &y_pred);
    let whole = ConstantDice::new().with_axis(Axis::WholeBatch);
    assert_gradient(&whole, &y_true, &y_pred);
    // 1 - (2 Σ t p + 1) / (Σ t + Σ p + 1) over the whole batch.
    let intersection = 0.8 + 0.6 + 0.9 + 0.4;
    let total = 4.0 + 3.1;
    let expected = 1.0 - (2.0 * intersection + 1.0) / (total + 1.0);
    let value = whole.value(&y_true, &y_pred).unwrap();
    assert!(
        (value - expected).abs() < 1e-14,
        "{value} against {expected}"
    );
}

/// A hinge that starts from `T::zero()` in a helper.
#[differentiable]
fn hinge_at<T: Float>(x: T, margin: T) -> T {
    (margin - x).max(T::zero()) + T::epsilon() * T::zero()
}

#[loss]
fn helper_hinge<T: Float>(y_true: T, y_pred: T) -> T {
    hinge_at(y_true * y_pred, T::one())
}

#[test]
fn helper_constants_gradient() {
    let y_true = array![1.0, -1.0, 1.0].into_dyn();
    let y_pred = array![0.3, 0.2, 2.0].into_dyn();
    assert_gradient(&HelperHinge::new(), &y_true, &y_pred);
    let (_, grad) = HelperHinge::new().value_and_grad(&y_true, &y_pred).unwrap();
    // d/dp max(1 - t p, 0) = -t inside the margin, over the 3 elements of the mean.
    assert_eq!(grad[[0]], -1.0 / 3.0);
    assert_eq!(grad[[2]], 0.0);
}
