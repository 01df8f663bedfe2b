use losses_core::prelude::*;

#[loss]
fn switched(y_true: f32, y_pred: f32, squared: bool) -> f32 {
    let e = y_pred - y_true;
    match squared {
        true => e * e,
        false => e.abs(),
    }
}

fn main() {
    let loss = Switched::new(true);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
