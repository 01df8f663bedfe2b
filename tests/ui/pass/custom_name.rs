// Accepts `name = TypeName`, which replaces the UpperCamelCase function name.
use losses_core::prelude::*;
use ndarray::array;

#[loss(name = Quadratic)]
fn my_quadratic_loss<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).powi(2)
}

fn main() {
    assert_eq!(Quadratic::NAME, "Quadratic");
    let value: f64 = Quadratic::new().value(&array![0.0], &array![2.0]).unwrap();
    assert_eq!(value, 4.0);
}
