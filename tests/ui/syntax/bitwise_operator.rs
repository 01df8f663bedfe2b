use losses_core::prelude::*;

#[loss]
fn masked(y_true: f32, y_pred: f32, a: bool, b: bool) -> f32 {
    if a & b { y_pred - y_true } else { y_true - y_pred }
}

fn main() {
    let loss = Masked::new(true, false);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
