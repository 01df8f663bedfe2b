// Accepts the constant functions of the generic float type and `T::from(x).unwrap()`,
// in an elementwise loss, a row loss with a local array and a helper.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn floor_at_zero<T: Float>(x: T) -> T {
    x.max(T::zero())
}

#[loss]
fn clipped_log<T: Float>(y_true: T, y_pred: T) -> T {
    let p = y_pred.clamp(T::epsilon(), T::one() - T::epsilon());
    let cap = T::max_value().min(T::infinity()) + T::min_value().max(T::neg_infinity());
    -y_true * p.ln() + T::from(0.5).unwrap() * floor_at_zero(p) + cap * T::neg_zero()
        + T::min_positive_value() * T::zero()
}

#[loss]
fn counted<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut kept = vec![T::zero(); n];
    let mut total = T::zero();
    for i in 0..n {
        kept[i] = (y_pred[i] - y_true[i]) * T::from(i + 1).unwrap();
        total += kept[i] / T::from(n).unwrap();
    }
    total + <T as Float>::epsilon() * T::zero()
}

fn main() {
    let value: f32 = ClippedLog::new()
        .value(&array![1.0f32], &array![0.5f32])
        .unwrap();
    assert_eq!(value, clipped_log(1.0f32, 0.5));
    let (value, grad) = Counted::new()
        .value_and_grad(&array![[0.0, 0.0]], &array![[1.0, 1.0]])
        .unwrap();
    assert_eq!(value, 1.5);
    assert_eq!(grad, array![[0.5, 1.0]]);
}
