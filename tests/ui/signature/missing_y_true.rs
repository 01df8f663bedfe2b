use losses_core::prelude::*;

#[loss]
fn untargeted(target: f32, y_pred: f32) -> f32 {
    (y_pred - target).abs()
}

fn main() {
    let loss = Untargeted::new(1.0);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
