use losses_core::prelude::*;

#[loss]
fn thresholded(y_true: f32, y_pred: f32, strict: bool) -> f32 {
    let above = if strict { y_pred > y_true } else { y_pred >= y_true };
    if above { y_pred - y_true } else { 0.0 }
}

fn main() {
    let loss = Thresholded::new(true);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
