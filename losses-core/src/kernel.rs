//! The per-element kernel trait that `#[loss]` implements, and the batch drivers that
//! turn a kernel into a [`Loss`](crate::Loss).

pub mod elementwise;
mod layout;
#[cfg(test)]
mod tests;

use crate::{LossError, LossFloat, Real, Reduction};

/// A loss defined element by element: the loss of a sample is the mean of the kernel
/// over the sample's features.
///
/// `#[loss]` implements this trait for the type it generates and then implements
/// [`Loss`](crate::Loss) by calling the drivers in [`elementwise`], which check the
/// inputs, loop over the elements and reduce.
///
/// The methods are generic over `V` so that one kernel serves a single element
/// (`V = T`) and, later, a SIMD vector of several elements.
pub trait ElementwiseKernel<T: LossFloat> {
    /// Type name, for error messages.
    const NAME: &'static str;

    /// Returns the reduction that combines per-sample losses into the value.
    fn reduction(&self) -> Reduction;

    /// Checks the hyper-parameters.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] for a value outside its domain.
    fn validate(&self) -> Result<(), LossError>;

    /// Returns the loss of one element, or of each lane of a SIMD vector of elements.
    fn forward<V: Real<Scalar = T>>(&self, y_true: V, y_pred: V) -> V;

    /// Returns the loss of one element and `seed × d loss / d y_pred`.
    ///
    /// The loss must be bit-identical to [`forward`](Self::forward)'s, so that
    /// a value computed with its gradient equals the value computed alone.
    fn reverse<V: Real<Scalar = T>>(&self, y_true: V, y_pred: V, seed: V) -> (V, V);
}
