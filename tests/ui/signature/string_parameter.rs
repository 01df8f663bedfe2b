use losses_core::prelude::*;

#[loss]
fn labelled(y_true: f32, y_pred: f32, label: String) -> f32 {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Labelled::new(String::from("mae"));
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
