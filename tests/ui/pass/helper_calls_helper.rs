// Accepts a helper that calls another helper, with two float parameters.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn softplus<T: Float>(x: T) -> T {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[differentiable]
fn bce_from_logit<T: Float>(logit: T, target: T) -> T {
    target * softplus(-logit) + (1.0 - target) * softplus(logit)
}

#[loss]
fn logit_bce<T: Float>(y_true: T, y_pred: T) -> T {
    bce_from_logit(y_pred, y_true)
}

fn main() {
    let (value, grad) = LogitBce::new()
        .value_and_grad(&array![1.0], &array![0.0])
        .unwrap();
    // softplus(0) = ln 2, and d/dx softplus(-x) = -σ(-x) = -1/2.
    assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
    assert_eq!(grad, array![-0.5]);
}
