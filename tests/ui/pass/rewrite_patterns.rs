// Accepts the unstable patterns that the macro computes in a stable form.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn sigmoid<T: Float>(x: T) -> T {
    1.0 / (1.0 + (-x).exp())
}

#[loss]
fn patterns<T: Float>(y_true: T, y_pred: T) -> T {
    let softplus = (1.0 + y_pred.exp()).ln();
    let log_sigmoid = sigmoid(y_pred).ln() + (1.0 - sigmoid(y_pred)).ln();
    let log_sum_exp = (y_pred.exp() + y_true.exp()).ln();
    let small = (1.0 + y_pred).ln() + (y_pred.exp() - 1.0);
    softplus + log_sigmoid + log_sum_exp + small
}

fn main() {
    // In f32, σ(50) rounds to 1, so the unstable ln(1 - σ(50)) would be -∞.
    let value: f32 = Patterns::new()
        .value(&array![0.0f32], &array![50.0f32])
        .unwrap();
    assert!(value.is_finite());
}
