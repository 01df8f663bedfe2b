use losses_core::prelude::*;

#[loss]
fn annotated(y_true: f32, y_pred: f32) -> f32 {
    let e: i32 = y_pred - y_true;
    e
}

fn main() {
    let loss = Annotated::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
