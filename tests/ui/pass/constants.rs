// Accepts the supported `consts` paths in f64 and f32 losses.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn with_constants(y_true: f64, y_pred: f64) -> f64 {
    let a = std::f64::consts::PI + std::f64::consts::TAU + std::f64::consts::E;
    let b = std::f64::consts::LN_2 + std::f64::consts::LN_10 + std::f64::consts::LOG2_E;
    let c = std::f64::consts::LOG10_E + std::f64::consts::SQRT_2 + std::f64::consts::FRAC_1_SQRT_2;
    let d = std::f64::consts::FRAC_2_SQRT_PI
        + std::f64::consts::FRAC_1_PI
        + core::f64::consts::FRAC_PI_2;
    (a + b + c + d) * (y_pred - y_true)
}

#[loss]
fn with_f32_constant(y_true: f32, y_pred: f32) -> f32 {
    std::f32::consts::LN_2 * (y_pred - y_true)
}

fn main() {
    let value: f64 = WithConstants::new()
        .value(&array![0.0], &array![1.0])
        .unwrap();
    assert_eq!(value, with_constants(0.0, 1.0));
    let value = WithF32Constant::new()
        .value(&array![0.0f32], &array![1.0f32])
        .unwrap();
    assert_eq!(value, std::f32::consts::LN_2);
}
