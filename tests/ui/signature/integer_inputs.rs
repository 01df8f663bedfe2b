use losses_core::prelude::*;

#[loss]
fn discrete(y_true: i32, y_pred: i32) -> i32 {
    y_pred - y_true
}

fn main() {
    let loss = Discrete::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
