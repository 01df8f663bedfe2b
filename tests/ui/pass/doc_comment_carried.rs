// Accepts doc comments on the function, before and after the attribute, and carries them to the type.
#![deny(missing_docs)]
//! A crate whose public items must all be documented.
use losses_core::prelude::*;
use ndarray::array;

/// Squared error.
#[loss]
/// The error is `y_pred - y_true`.
pub fn documented<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).powi(2)
}

fn main() {
    let value: f64 = Documented::new().value(&array![1.0], &array![2.0]).unwrap();
    assert_eq!(value, 1.0);
}
