// Accepts two `+=` updates of one sum in a loop iteration, which is still a plain sum.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn two_updates<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += y_pred[i];
        total += y_true[i] * y_pred[i];
    }
    total
}

fn main() {
    let (value, grad) = TwoUpdates::new()
        .value_and_grad(&array![[1.0, 2.0]], &array![[3.0, 4.0]])
        .unwrap();
    assert_eq!((value, grad), (3.0 + 4.0 + 3.0 + 8.0, array![[2.0, 3.0]]));
}
