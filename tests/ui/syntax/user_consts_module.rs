use losses_core::prelude::*;

mod consts {
    pub const E: f64 = 0.5;
}

// A user's constant is not the standard one of the same name; the macro cannot read
// its value, so it asks for a hyper-parameter.
#[loss]
fn user_consts_module(y_true: f64, y_pred: f64) -> f64 {
    y_true + y_pred * consts::E
}

fn main() {
    let _ = UserConstsModule::new().value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
