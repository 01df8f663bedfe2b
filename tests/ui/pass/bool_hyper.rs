// Accepts a `bool` hyper-parameter and branches on it.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn switchable<T: Float>(y_true: T, y_pred: T, squared: bool) -> T {
    let e = y_pred - y_true;
    if squared { e * e } else { e.abs() }
}

fn main() {
    let (y_true, y_pred) = (array![0.0], array![-3.0]);
    assert_eq!(Switchable::new(true).value(&y_true, &y_pred).unwrap(), 9.0);
    assert_eq!(Switchable::new(false).value(&y_true, &y_pred).unwrap(), 3.0);
    assert!(Switchable::new(true).squared);
}
