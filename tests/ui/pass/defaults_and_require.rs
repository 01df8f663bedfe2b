// Accepts `defaults(...)`, with a negative and a `bool` default, and `require(...)`.
use losses_core::prelude::*;
use ndarray::array;

#[loss(defaults(delta = 1.0, offset = -0.5, clip = false), require(delta > 0.0, !clip || offset <= 0.0))]
fn shifted_huber(y_true: f32, y_pred: f32, delta: f32, offset: f32, clip: bool) -> f32 {
    let e = (y_pred - y_true + offset).abs();
    let e = if clip { e.min(delta) } else { e };
    if e <= delta {
        0.5 * e * e
    } else {
        delta * (e - 0.5 * delta)
    }
}

fn main() {
    let loss = ShiftedHuber::default();
    assert_eq!(loss, ShiftedHuber::new(1.0, -0.5, false));
    let value = loss.value(&array![0.0f32], &array![0.5f32]).unwrap();
    assert_eq!(value, 0.0);
    let invalid = ShiftedHuber::new(-1.0, 0.0, false);
    assert!(invalid.value(&array![0.0f32], &array![0.5f32]).is_err());
}
