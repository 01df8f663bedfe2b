use losses_core::prelude::*;

#[loss]
fn truthy(y_true: f32, y_pred: f32) -> f32 {
    if y_pred { y_pred - y_true } else { 0.0 }
}

fn main() {
    let loss = Truthy::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
