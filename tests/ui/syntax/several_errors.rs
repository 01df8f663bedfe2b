use losses_core::prelude::*;

#[loss]
fn careless(y_true: f32, y_pred: f32) -> f32 {
    let mut total = 0.0;
    for _ in 0..2 {}
    let e = (y_pred - y_true).lnn();
    2 * e + y_pred as f32
}

fn main() {
    let loss = Careless::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
