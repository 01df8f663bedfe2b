use losses_core::prelude::*;

#[loss]
fn immediate(y_true: f32, y_pred: f32) -> f32 {
    (|x: f32| x * x)(y_pred - y_true)
}

fn main() {
    let loss = Immediate::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
