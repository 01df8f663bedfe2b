//! Loss functions for machine learning whose gradients are derived at compile time.
//!
//! (Crate documentation is being written.)

#![deny(missing_docs)]

// Generated code names this crate by its absolute path, `::losses_core`, so the
// shipped losses below can use `#[loss]` inside the crate that defines it.
extern crate self as losses_core;

#[cfg(feature = "candle")]
pub mod candle;
pub mod check;
pub mod error;
mod helper;
pub mod kernel;
#[doc(hidden)]
pub mod lanes;
pub mod loss;
pub mod losses;
mod math;
mod prefetch;
pub mod real;
pub mod reduction;
#[doc(hidden)]
pub mod scratch;
pub mod simd;
pub mod sum;
pub mod validated;

pub use error::LossError;
pub use kernel::multi::MultiBatch;
pub use kernel::{
    Axis, BatchKernel, ElementwiseKernel, KernelError, MultiRowKernel, RowKernel, TargetShape,
};
pub use loss::{Batch, Loss};
pub use losses::SmoothBleu;
pub use losses::{
    ApproxNdcg, CategoricalCrossentropy, CategoricalFocalCrossentropy, CategoricalHinge,
    CosineSimilarity, Dice, Jaccard, KLDivergence, Mahalanobis, Tversky,
};
pub use losses::{
    BinaryCrossentropy, BinaryFocalCrossentropy, Hinge, Huber, LogCosh, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
    SquaredHinge, WeightedBinaryCrossentropy,
};
pub use losses::{ContrastiveLoss, SparseCategoricalCrossentropy, TripletMarginLoss};
#[doc = include_str!("../docs/differentiable.md")]
pub use losses_macros::differentiable;
#[doc = include_str!("../docs/loss.md")]
pub use losses_macros::loss;
pub use real::{LossFloat, Mask, Real};
pub use reduction::Reduction;
pub use validated::Validated;

pub use num_traits;
pub use num_traits::Float;

/// Items that generated code reaches through `::losses_core::__private`; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::reject_nan_elements;
    pub use crate::helper::{Differentiable, DifferentiableRows};
    pub use crate::kernel::{batch, elementwise, multi, rows};
    pub use crate::lanes;
    pub use crate::scratch::Scratch;
    pub use ndarray;
    pub use ndarray::{ArrayD, ArrayViewMutD};

    /// Returns `x` unchanged: `x.detach()` becomes this call in the original function
    /// of a loss, which has no reverse pass.
    #[inline(always)]
    pub fn detach<T>(x: T) -> T {
        x
    }
}

/// Everything a user of the crate needs in scope.
pub mod prelude {
    pub use crate::losses::SmoothBleu;
    pub use crate::losses::{
        ApproxNdcg, CategoricalCrossentropy, CategoricalFocalCrossentropy, CategoricalHinge,
        CosineSimilarity, Dice, Jaccard, KLDivergence, Mahalanobis, Tversky,
    };
    pub use crate::losses::{
        BinaryCrossentropy, BinaryFocalCrossentropy, Hinge, Huber, LogCosh, MeanAbsoluteError,
        MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
        SquaredHinge, WeightedBinaryCrossentropy,
    };
    pub use crate::losses::{ContrastiveLoss, SparseCategoricalCrossentropy, TripletMarginLoss};
    pub use crate::{
        Axis, ElementwiseKernel, Float, Loss, LossError, LossFloat, Mask, Real, Reduction,
        differentiable, loss,
    };
    /// `x.to_usize().unwrap()`, which a row loss accepts to read a float label as an
    /// index, is a `ToPrimitive` method that an `f32` or `f64` function needs in scope.
    pub use num_traits::ToPrimitive;
}
