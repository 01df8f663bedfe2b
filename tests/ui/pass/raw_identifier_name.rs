// Accepts a raw identifier as the function name: `r#type` gives the type `Type`.
use losses_core::prelude::*;

#[loss]
fn r#type(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Type::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
