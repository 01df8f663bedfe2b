// Accepts `x.to_usize().unwrap()` as an index in an f32 loss: the prelude brings
// `ToPrimitive` into scope, which the original function needs for the method.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn picked(y_true: &[f32], y_pred: &[f32]) -> f32 {
    -y_pred[y_true[0].to_usize().unwrap()]
}

fn main() {
    let value = Picked::new()
        .value(&array![[1.0f32, 0.0]], &array![[3.0f32, 5.0]])
        .unwrap();
    assert_eq!(value, -5.0);
    assert_eq!(picked(&[0.0], &[2.0, 4.0]), -2.0);
}
