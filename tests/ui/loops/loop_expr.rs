use losses_core::prelude::*;

#[loss]
fn spinning(y_true: f32, y_pred: f32) -> f32 {
    let e = loop {
        break y_pred - y_true;
    };
    e * e
}

fn main() {
    let loss = Spinning::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
