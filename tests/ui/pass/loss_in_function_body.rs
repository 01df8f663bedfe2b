// Accepts a loss and a helper declared as items inside a function body.
use losses_core::prelude::*;
use ndarray::array;

fn main() {
    #[differentiable]
    fn half<T: Float>(x: T) -> T {
        0.5 * x
    }

    #[loss]
    fn local<T: Float>(y_true: T, y_pred: T) -> T {
        half(y_pred - y_true)
    }

    let value: f64 = Local::new().value(&array![1.0], &array![3.0]).unwrap();
    assert_eq!(value, 1.0);
}
