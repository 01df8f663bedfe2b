// Accepts a loss written in concrete `f32`, with an `f32` hyper-parameter.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn scaled_square(y_true: f32, y_pred: f32, scale: f32) -> f32 {
    scale * (y_pred - y_true).powi(2)
}

fn main() {
    let loss = ScaledSquare::new(2.0);
    let (value, grad) = loss
        .value_and_grad(&array![[1.0f32, 2.0]], &array![[2.0f32, 2.0]])
        .unwrap();
    // (2 × 1² + 0) / 2 elements; d/dp = 2 × 2 (p - t) / 2.
    assert_eq!(value, 1.0);
    assert_eq!(grad, array![[2.0f32, 0.0]]);
    assert_eq!(scaled_square(0.0, 1.0, 3.0), 3.0);
}
