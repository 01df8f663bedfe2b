use losses_core::prelude::*;

// A running sum read later in the same iteration would need its value at every
// iteration to be reversed, so it is rejected.
#[loss]
fn prefix_sum<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut running = 0.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        running += y_pred[i];
        total += running * y_true[i];
    }
    total
}

fn main() {
    let _ = PrefixSum::new().value(&ndarray::array![[1.0f64, 2.0]], &ndarray::array![[0.5f64, 1.0]]);
}
