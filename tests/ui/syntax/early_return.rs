use losses_core::prelude::*;

#[loss]
fn clipped(y_true: f32, y_pred: f32) -> f32 {
    if y_pred > 1.0 {
        return 0.0;
    }
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Clipped::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
