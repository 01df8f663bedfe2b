use losses_core::prelude::*;

#[loss(defaults(delta = 1, from_logits = 0.0))]
fn huberish(y_true: f32, y_pred: f32, delta: f32, from_logits: bool) -> f32 {
    let e = (y_pred - y_true).abs();
    if from_logits { e } else { e.min(delta) }
}

fn main() {
    let loss = Huberish::default();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
