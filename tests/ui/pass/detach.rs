// Accepts `.detach()` in an elementwise loss, a row loss and a helper, on a generic and
// on a concrete float type. The original functions stay callable, with `x.detach()`
// equal to `x`.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn frozen_square<T: Float>(x: T) -> T {
    x * x.detach()
}

#[loss]
fn scaled_error<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred.detach() + 1.0) * frozen_square(y_pred - y_true)
}

#[loss]
#[allow(clippy::needless_range_loop)]
fn shifted_log_sum_exp(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += y_true[i] * (y_pred[i] - max.detach()).exp();
    }
    sum.ln() + max.detach()
}

fn main() {
    // d/dp (p + 1) (p - t)² with p + 1 and one factor p - t held constant:
    // (p + 1) (p - t) = 3 * 1 at p = 2, t = 1.
    let (value, grad) = ScaledError::new()
        .value_and_grad(&array![1.0], &array![2.0])
        .unwrap();
    assert_eq!((value, grad[0]), (3.0, 3.0));
    assert_eq!(scaled_error(1.0f32, 2.0), 3.0);
    assert_eq!(frozen_square(3.0f64), 9.0);

    // ln Σ tᵢ e^xᵢ with the shift detached: the gradient is still the weighted softmax,
    // here 1/2 each, since the shift cancels in the value.
    let (value, grad) = ShiftedLogSumExp::new()
        .value_and_grad(&array![[1.0, 1.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
    assert_eq!(grad, array![[0.5, 0.5]]);
    assert_eq!(shifted_log_sum_exp(&[1.0, 1.0], &[0.0, 0.0]), std::f64::consts::LN_2);
}
