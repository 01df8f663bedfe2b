// Accepts a `pub` loss in a module, used from outside it.
use losses_core::Loss;
use ndarray::array;

mod losses {
    use losses_core::prelude::*;

    /// Mean absolute error.
    #[loss]
    pub fn mae<T: Float>(y_true: T, y_pred: T) -> T {
        (y_pred - y_true).abs()
    }
}

fn main() {
    let value: f64 = losses::Mae::new()
        .value(&array![1.0], &array![-1.0])
        .unwrap();
    assert_eq!(value, 2.0);
    assert_eq!(losses::mae(1.0f64, -1.0), 2.0);
}
