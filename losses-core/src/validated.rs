//! Opt-in validation of inputs against a loss's domain.

use ndarray::{ArrayD, ArrayViewMutD};

use crate::{Batch, Loss, LossError, LossFloat, Reduction};

/// A loss that checks its inputs with [`Loss::validate_inputs`] before every
/// evaluation, so that a label outside `[0, 1]` or a negative probability is an error
/// naming the first such element instead of a value computed from it.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// #[loss(valid_inputs(y_true >= 0.0 && y_true <= 1.0))]
/// fn absolute_error<T: Float>(y_true: T, y_pred: T) -> T {
///     (y_pred - y_true).abs()
/// }
///
/// let loss = AbsoluteError::new().validated();
/// let error = loss.value(&array![[1.0, 2.0]], &array![[0.5, 0.5]]).unwrap_err();
/// assert!(matches!(error, LossError::InvalidInput { ref index, .. } if index == &[0, 1]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Validated<L>(pub L);

impl<T: LossFloat, L: Loss<T>> Loss<T> for Validated<L> {
    fn reduction(&self) -> Reduction {
        self.0.reduction()
    }

    fn evaluate_value(&self, batch: Batch<'_, T>) -> Result<T, LossError> {
        self.0.validate_inputs(batch.clone())?;
        self.0.evaluate_value(batch)
    }

    fn evaluate_into(
        &self,
        batch: Batch<'_, T>,
        grad: ArrayViewMutD<'_, T>,
    ) -> Result<T, LossError> {
        self.0.validate_inputs(batch.clone())?;
        self.0.evaluate_into(batch, grad)
    }

    fn evaluate_per_sample(&self, batch: Batch<'_, T>) -> Result<ArrayD<T>, LossError> {
        self.0.validate_inputs(batch.clone())?;
        self.0.evaluate_per_sample(batch)
    }

    fn validate_inputs(&self, batch: Batch<'_, T>) -> Result<(), LossError> {
        self.0.validate_inputs(batch)
    }
}
