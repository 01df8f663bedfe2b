//! The macro rewrites numerically unstable patterns to their stable forms. Each loss
//! below is written the unstable way; in f32 the unstable form would give an infinity,
//! a NaN or a lost small value at the inputs tested, so finite exact results show the
//! rewrite took place.

use losses_core::prelude::*;
use ndarray::array;

/// The logistic function, as a user would write it.
#[differentiable]
fn sigmoid<T: Float>(x: T) -> T {
    1.0 / (1.0 + (-x).exp())
}

#[loss]
fn neg_ln_sigmoid_inline(y_true: f32, y_pred: f32) -> f32 {
    -(1.0 / (1.0 + (-y_pred).exp())).ln() + 0.0 * y_true
}

#[loss]
fn neg_ln_sigmoid_helper(y_true: f32, y_pred: f32) -> f32 {
    -sigmoid(y_pred).ln() + 0.0 * y_true
}

#[loss]
fn neg_ln_one_minus_sigmoid(y_true: f32, y_pred: f32) -> f32 {
    -(1.0 - sigmoid(y_pred)).ln() + 0.0 * y_true
}

#[loss]
fn ln_one_plus_exp(y_true: f32, y_pred: f32) -> f32 {
    (1.0 + y_pred.exp()).ln() + 0.0 * y_true
}

#[loss]
fn ln_sum_exp(y_true: f32, y_pred: f32) -> f32 {
    (y_pred.exp() + y_true.exp()).ln()
}

#[loss]
fn ln_one_plus(y_true: f32, y_pred: f32) -> f32 {
    (1.0 + y_pred).ln() + 0.0 * y_true
}

#[loss]
fn exp_minus_one(y_true: f32, y_pred: f32) -> f32 {
    y_pred.exp() - 1.0 + 0.0 * y_true
}

/// Value and gradient of one element; the reduction divides by 1.
fn one<L: Loss<f32>>(loss: &L, y_true: f32, y_pred: f32) -> (f32, f32) {
    let (value, grad) = loss
        .value_and_grad(&array![y_true], &array![y_pred])
        .expect("valid input");
    (value, grad[0])
}

#[test]
fn ln_sigmoid_inline_is_log_sigmoid() {
    // -ln σ(x) = softplus(-x); d/dx = -σ(-x)
    assert_eq!(one(&NegLnSigmoidInline::new(), 0.0, -100.0), (100.0, -1.0));
    let (value, grad) = one(&NegLnSigmoidInline::new(), 0.0, 100.0);
    assert!(value > 0.0, "{value}");
    assert!(value < 1e-43, "{value}");
    assert!(grad < 0.0, "{grad}");
    assert!(grad > -1e-43, "{grad}");
}

#[test]
fn ln_sigmoid_helper_is_log_sigmoid() {
    assert_eq!(one(&NegLnSigmoidHelper::new(), 0.0, -100.0), (100.0, -1.0));
}

#[test]
fn ln_one_minus_sigmoid_is_softplus() {
    // -ln(1 - σ(x)) = softplus(x); d/dx = σ(x)
    assert_eq!(one(&NegLnOneMinusSigmoid::new(), 0.0, 100.0), (100.0, 1.0));
}

#[test]
fn ln_one_plus_exp_is_softplus() {
    assert_eq!(one(&LnOnePlusExp::new(), 0.0, 100.0), (100.0, 1.0));
    let (value, grad) = one(&LnOnePlusExp::new(), 0.0, -100.0);
    assert!(value > 0.0, "{value}");
    assert!(value < 1e-43, "{value}");
    assert!(grad > 0.0, "{grad}");
    assert!(grad < 1e-43, "{grad}");
}

#[test]
fn ln_sum_exp_is_log_sum_exp() {
    // ln(e^a + e^a) = a + ln 2, and each term's softmax weight is 1/2.
    let (value, grad) = one(&LnSumExp::new(), 1e4, 1e4);
    assert_eq!(value, 1e4 + std::f32::consts::LN_2);
    assert_eq!(grad, 0.5);
}

#[test]
fn ln_one_plus_is_ln_1p() {
    let (value, grad) = one(&LnOnePlus::new(), 0.0, 1e-10);
    assert_eq!(value, 1e-10);
    assert_eq!(grad, 1.0);
}

#[test]
fn exp_minus_one_is_exp_m1() {
    let (value, grad) = one(&ExpMinusOne::new(), 0.0, 1e-10);
    assert_eq!(value, 1e-10);
    assert_eq!(grad, 1.0);
}

#[loss]
fn clipped_log_likelihood(y_true: f32, y_pred: f32) -> f32 {
    let p = y_pred.clamp(1e-7, 1.0 - 1e-7);
    -(y_true * p.ln() + (1.0 - y_true) * (1.0 - p).ln())
}

#[test]
fn clamped_ln_keeps_values_and_nan() {
    // The clamp moves every input, the subnormal, zero, infinite and negative ones
    // included, into [1e-7, 1 - 1e-7], where `ln_positive` is `ln`.
    let loss = ClippedLogLikelihood::new();
    let p_low = 1e-7f32;
    let p_high = 1.0f32 - 1e-7;
    let inputs = [
        (1.0, 0.0, -p_low.ln(), 0.0),
        (1.0, -3.0, -p_low.ln(), 0.0),
        (1.0, 1e-45, -p_low.ln(), 0.0),
        (0.0, 1.0, -(1.0 - p_high).ln(), 0.0),
        (0.0, f32::INFINITY, -(1.0 - p_high).ln(), 0.0),
        (1.0, 0.25, -0.25f32.ln(), -4.0),
        (0.0, 0.5, -0.5f32.ln(), 2.0),
    ];
    // The kernels' `ln` and the standard library's may differ by an ulp.
    for (y_true, y_pred, value, grad) in inputs {
        let (found, found_grad) = one(&loss, y_true, y_pred);
        assert!(
            (found - value).abs() <= 2e-7 * value,
            "{found} at {y_pred:e}"
        );
        assert_eq!(found_grad, grad, "at y_pred = {y_pred:e}");
    }

    // A NaN is not inside the clamp's range, so its rule passes no gradient.
    let (value, grad) = one(&loss, 1.0, f32::NAN);
    assert!(value.is_nan(), "{value}");
    assert_eq!(grad, 0.0);
}
