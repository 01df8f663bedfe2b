//! `#[differentiable]` helpers that take rows `&[T]`: values against hand-derived
//! formulas, gradients against the formulas' derivatives and against central finite
//! differences in f64, a row passed twice, nested and qualified calls, several
//! inputs, and an index out of bounds.

use losses_core::prelude::*;
use ndarray::{Array1, Array2, array};

mod linear_algebra {
    use losses_core::prelude::*;

    /// `Σ aᵢ bᵢ`.
    #[differentiable]
    pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
        let mut sum = T::zero();
        for i in 0..a.len() {
            sum += a[i] * b[i];
        }
        sum
    }
}

use linear_algebra::dot;

/// `scale × ‖a − b‖²`, or `scale × ‖a − b‖` unless `squared`, from three dot products,
/// one of them called by path.
#[differentiable]
fn scaled_distance<T: Float>(a: &[T], b: &[T], scale: T, squared: bool) -> T {
    let distance = linear_algebra::dot(a, a) - 2.0 * dot(a, b) + dot(b, b);
    if squared {
        scale * distance
    } else {
        scale * distance.sqrt()
    }
}

/// `Σ aᵢ aᵢ₊₁` in `f32`.
#[differentiable]
fn neighbour_products(a: &[f32]) -> f32 {
    let mut sum = 0.0;
    for i in 0..a.len() - 1 {
        sum += a[i] * a[i + 1];
    }
    sum
}

/// Reads one element past the end of `a`.
#[differentiable]
fn past_the_end<T: Float>(a: &[T]) -> T {
    let mut sum = T::zero();
    for i in 0..a.len() {
        sum += a[i + 1];
    }
    sum
}

/// `‖p‖² − 2 p·t + ‖t‖² = ‖p − t‖²`, with `p` passed twice to one call.
#[loss]
fn expanded_squared_distance<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    dot(y_pred, y_pred) - 2.0 * dot(y_pred, y_true) + dot(y_true, y_true)
}

/// `Σᵢ pᵢ (p·t) + scale p₀ ‖p − t‖²`: a helper call inside a loop, and a helper that
/// calls helpers, with a float and a `bool` argument beside the rows.
#[loss]
fn weighted_projection<T: Float>(y_true: &[T], y_pred: &[T], scale: T) -> T {
    let mut total = T::zero();
    for i in 0..y_pred.len() {
        total += y_pred[i] * dot(y_pred, y_true);
    }
    total + scaled_distance(y_pred, y_true, scale * y_pred[0], true)
}

/// `Σ pᵢ pᵢ₊₁ + t₀` in `f32`.
#[loss]
fn neighbours(y_true: &[f32], y_pred: &[f32]) -> f32 {
    neighbour_products(y_pred) + y_true[0]
}

#[loss]
fn out_of_bounds<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    past_the_end(y_pred) + y_true[0]
}

/// `y x₁·x₂ + ‖x₁‖`, plus a helper call whose value and gradient are 0: helpers on
/// both differentiated inputs of a pair.
#[loss(inputs(x1, x2))]
fn pair_similarity<T: Float>(y_true: T, x1: &[T], x2: &[T]) -> T {
    y_true * dot(x1, x2) + scaled_distance(x1, x1, 0.0, true) + dot(x1, x1).sqrt()
}

fn targets() -> Array2<f64> {
    array![[1.0, 2.0, 3.0], [-0.5, 0.25, 1.5]]
}

fn predictions() -> Array2<f64> {
    array![[0.5, -1.0, 2.0], [0.75, 0.5, -2.0]]
}

fn central_difference(
    f: impl Fn(&Array2<f64>) -> f64,
    at: &Array2<f64>,
    index: (usize, usize),
) -> f64 {
    let h = 1e-6;
    let mut shifted = at.clone();
    shifted[index] += h;
    let up = f(&shifted);
    shifted[index] -= 2.0 * h;
    let down = f(&shifted);
    (up - down) / (2.0 * h)
}

fn assert_close(expected: f64, found: f64, context: &str) {
    let tolerance = 1e-6 * expected.abs().max(found.abs()) + 1e-8;
    assert!(
        (expected - found).abs() <= tolerance,
        "{context}: expected {expected}, found {found}"
    );
}

/// Compares every gradient entry with a central difference of `value`.
fn assert_gradient_matches(
    value: impl Fn(&Array2<f64>) -> f64,
    at: &Array2<f64>,
    grad: &Array2<f64>,
    context: &str,
) {
    for (index, analytic) in grad.indexed_iter() {
        let numeric = central_difference(&value, at, index);
        assert_close(numeric, *analytic, &format!("{context} at {index:?}"));
    }
}

#[test]
fn row_passed_twice_sums_both_adjoints() {
    // l = ‖p − t‖² per row, the mean over 2 rows: ∂/∂p = 2 (p − t) / 2 = p − t.
    let (t, p) = (targets(), predictions());
    let loss = ExpandedSquaredDistance::new();
    let (value, grad) = loss.value_and_grad(&t, &p).unwrap();
    let difference = &p - &t;
    let expected_value = difference.mapv(|d| d * d).sum() / 2.0;
    assert_close(expected_value, value, "value");
    for (index, found) in grad.indexed_iter() {
        let entry = (index.0, index.1);
        assert_close(difference[entry], *found, &format!("gradient at {index:?}"));
    }
}

#[test]
fn row_passed_twice_matches_finite_differences() {
    let (t, p) = (targets(), predictions());
    let loss = ExpandedSquaredDistance::new();
    let (_, grad) = loss.value_and_grad(&t, &p).unwrap();
    let value = |p: &Array2<f64>| loss.value(&t, p).unwrap();
    assert_gradient_matches(value, &p, &grad.into_dimensionality().unwrap(), "gradient");
}

#[test]
fn nested_helpers_match_hand_derived_value() {
    // Row 1: p = (0.5, −1, 2), t = (1, 2, 3): Σp = 1.5, p·t = 4.5, ‖p − t‖² = 10.25,
    // so l = 1.5 × 4.5 + 0.7 × 0.5 × 10.25 = 10.3375.
    let t = array![[1.0, 2.0, 3.0]];
    let p = array![[0.5, -1.0, 2.0]];
    let value = WeightedProjection::new(0.7).value(&t, &p).unwrap();
    assert_close(10.3375, value, "value");
}

#[test]
fn nested_helpers_match_finite_differences() {
    let (t, p) = (targets(), predictions());
    let loss = WeightedProjection::new(0.7);
    let (_, grad) = loss.value_and_grad(&t, &p).unwrap();
    let value = |p: &Array2<f64>| loss.value(&t, p).unwrap();
    assert_gradient_matches(value, &p, &grad.into_dimensionality().unwrap(), "gradient");
}

#[test]
fn concrete_f32_helper_gradient() {
    // l = p₀p₁ + p₁p₂ + t₀: ∂l/∂p = (p₁, p₀ + p₂, p₁) = (−1, 2.5, −1).
    let t = array![[1.0f32, 2.0, 3.0]];
    let p = array![[0.5f32, -1.0, 2.0]];
    let (value, grad) = Neighbours::new().value_and_grad(&t, &p).unwrap();
    assert_eq!(value, -1.5);
    assert_eq!(
        grad.iter().copied().collect::<Vec<f32>>(),
        [-1.0, 2.5, -1.0]
    );
}

#[test]
fn helper_index_out_of_bounds_is_error() {
    let (t, p) = (targets(), predictions());
    let error = OutOfBounds::new().value_and_grad(&t, &p).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("index 3"), "{message}");
    assert!(message.contains("`a`"), "{message}");
}

#[test]
fn helper_on_both_inputs_matches_finite_differences() {
    let labels: Array1<f64> = array![1.0, -0.5];
    let (x1, x2) = (predictions(), targets());
    let loss = PairSimilarity::new();
    let (_, grad1, grad2) = loss.value_and_grad(&labels, &x1, &x2).unwrap();
    let by_x1 = |x1: &Array2<f64>| loss.value(&labels, x1, &x2).unwrap();
    let by_x2 = |x2: &Array2<f64>| loss.value(&labels, &x1, x2).unwrap();
    let grad1: Array2<f64> = grad1.into_dimensionality().unwrap();
    let grad2: Array2<f64> = grad2.into_dimensionality().unwrap();
    assert_gradient_matches(by_x1, &x1, &grad1, "gradient of x1");
    assert_gradient_matches(by_x2, &x2, &grad2, "gradient of x2");
}
