use losses_core::prelude::*;

// A running product read later in the same iteration would need its value at every
// iteration in the reverse pass, like a running sum.
#[loss]
fn running_product<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut product = 1.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        product *= y_pred[i];
        total += product * y_true[i];
    }
    total
}

fn main() {
    let _ = RunningProduct::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
