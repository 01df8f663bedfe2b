use losses_core::prelude::*;

#[loss]
fn traced(y_true: f32, y_pred: f32) -> f32 {
    println!("{y_pred}");
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Traced::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
