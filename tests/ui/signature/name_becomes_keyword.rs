use losses_core::prelude::*;

#[loss]
fn self_(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).abs()
}

fn main() {
    let _ = self_(1.0, 0.5);
}
