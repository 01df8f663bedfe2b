use losses_core::prelude::*;

#[loss]
fn counted(y_true: f32, y_pred: f32) -> i32 {
    if y_pred > y_true { 1 } else { 0 }
}

fn main() {
    let loss = Counted::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
