//! One-dimensional slices through a loss: the value and its derivative along a line
//! of predictions.

use losses_core::{Batch, Loss, LossError};
use ndarray::{ArrayD, IxDyn};

/// The loss and its derivative at a parameter `t`, as `(value, d value / d t)`.
type Evaluate = dyn Fn(f64) -> Result<(f64, f64), LossError>;

/// A line through a loss's predictions, `y_pred(t) = base + t · direction`, evaluated
/// with the loss's own reverse-mode gradient: the derivative along the line is
/// `Σ (d value / d y_pred) · direction`.
pub struct Slice {
    evaluate: Box<Evaluate>,
}

impl Slice {
    /// Creates the slice of the loss of one element with target `y_true` at prediction
    /// `t`, so the derivative is d loss / d ŷ.
    pub fn element<L: Loss<f64> + 'static>(loss: L, y_true: f64) -> Self {
        let one = |value: f64| ArrayD::from_elem(IxDyn(&[1]), value);
        Self::along(loss, one(y_true), one(0.0), one(1.0))
    }

    /// Creates the slice of the loss of the targets `y_true` at predictions
    /// `base + t · direction`, such as one row for a row loss. `base` and `direction`
    /// have one shape, and `y_true` the shape the loss expects for it.
    pub fn along<L: Loss<f64> + 'static>(
        loss: L,
        y_true: ArrayD<f64>,
        base: ArrayD<f64>,
        direction: ArrayD<f64>,
    ) -> Self {
        let evaluate = move |t: f64| {
            let y_pred = &base + &(t * &direction);
            let mut grad = ArrayD::zeros(y_pred.raw_dim());
            let batch = Batch::new(y_true.view(), y_pred.view());
            let value = loss.evaluate_into(batch, grad.view_mut())?;
            Ok((value, directional(&grad, &direction)))
        };
        Self::from_fn(evaluate)
    }

    /// Creates a slice from a function of `t` that returns the value and the derivative
    /// along `t`, for losses of several inputs, which do not implement `Loss`.
    pub fn from_fn(evaluate: impl Fn(f64) -> Result<(f64, f64), LossError> + 'static) -> Self {
        Self {
            evaluate: Box::new(evaluate),
        }
    }

    /// Returns the value and the derivative along the line at `t`.
    pub fn at(&self, t: f64) -> Result<(f64, f64), LossError> {
        (self.evaluate)(t)
    }
}

fn directional(grad: &ArrayD<f64>, direction: &ArrayD<f64>) -> f64 {
    grad.iter().zip(direction).map(|(g, d)| g * d).sum()
}
