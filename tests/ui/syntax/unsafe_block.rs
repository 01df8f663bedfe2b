use losses_core::prelude::*;

#[loss]
fn trusted(y_true: f32, y_pred: f32) -> f32 {
    let e = unsafe { y_pred - y_true };
    e * e
}

fn main() {
    let loss = Trusted::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
