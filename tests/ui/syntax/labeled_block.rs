use losses_core::prelude::*;

#[loss]
fn labelled(y_true: f32, y_pred: f32) -> f32 {
    let e = 'error: { y_pred - y_true };
    e * e
}

fn main() {
    let loss = Labelled::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
