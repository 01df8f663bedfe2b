use losses_core::prelude::*;

#[loss]
fn paired(y_true: f32, y_pred: f32) -> f32 {
    let (a, b) = (y_true, y_pred);
    (a - b).abs()
}

fn main() {
    let loss = Paired::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
