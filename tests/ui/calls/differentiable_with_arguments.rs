use losses_core::prelude::*;

#[differentiable(inline)]
fn softplus<T: Float>(x: T) -> T {
    x.exp().ln_1p()
}

#[loss]
fn smooth_hinge<T: Float>(y_true: T, y_pred: T) -> T {
    softplus(1.0 - y_true * y_pred)
}

fn main() {
    let loss = SmoothHinge::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
