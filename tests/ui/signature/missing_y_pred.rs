use losses_core::prelude::*;

#[loss]
fn unpredicted(y_true: f32, prediction: f32) -> f32 {
    (prediction - y_true).abs()
}

fn main() {
    let loss = Unpredicted::new(0.5);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
