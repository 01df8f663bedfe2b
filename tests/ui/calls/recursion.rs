use losses_core::prelude::*;

#[loss]
fn nested(y_true: f32, y_pred: f32) -> f32 {
    if y_pred > 1.0 { nested(y_true, y_pred - 1.0) } else { y_pred - y_true }
}

fn main() {
    let loss = Nested::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
