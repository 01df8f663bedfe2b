//! The shipped elementwise losses, each written as scalar Rust with `#[loss]`.
//!
//! Every loss here is generic over its float type, so one type serves `f32` and `f64`
//! data. Float hyper-parameters are stored as `f64`. Names, parameters, their order and
//! their defaults follow Keras 3, and the `Default` of each type is Keras's default
//! configuration. The loss of a sample is the mean of the elementwise loss over the
//! last axis, as in Keras. [`Loss`](crate::Loss) describes how samples, features,
//! sample weights and [`Reduction`](crate::Reduction)s combine.
//!
//! | loss | Keras 3 | PyTorch |
//! | --- | --- | --- |
//! | [`MeanSquaredError`] | `MeanSquaredError` | `MSELoss` |
//! | [`MeanAbsoluteError`] | `MeanAbsoluteError` | `L1Loss` |
//! | [`MeanAbsolutePercentageError`] | `MeanAbsolutePercentageError` | none |
//! | [`MeanSquaredLogarithmicError`] | `MeanSquaredLogarithmicError` | none |
//! | [`Huber`] | `Huber` | `HuberLoss` |
//! | [`LogCosh`] | `LogCosh` | none |
//! | [`BinaryCrossentropy`] | `BinaryCrossentropy` | `BCELoss`, or `BCEWithLogitsLoss` for logits |
//! | [`BinaryFocalCrossentropy`] | `BinaryFocalCrossentropy`, except for logits past about ±16 | `torchvision.ops.sigmoid_focal_loss` (logits, balancing on) |
//! | [`WeightedBinaryCrossentropy`] | none | `BCEWithLogitsLoss(pos_weight)` for logits |
//! | [`Poisson`] | `Poisson` | `PoissonNLLLoss(log_input=False)` |
//! | [`Hinge`] | `Hinge`, except for batches mixing label 0 with other labels | none: `HingeEmbeddingLoss` is a different loss |
//! | [`SquaredHinge`] | `SquaredHinge`, with the same label exception | none |
//!
//! The row losses take each sample's row along the last axis as one vector: class
//! scores, a flattened segmentation mask, a list of items to rank or a feature vector.
//! Their loss of a sample is a function of the whole row, such as a sum over classes,
//! not a mean over features.
//!
//! | loss | Keras 3 | PyTorch |
//! | --- | --- | --- |
//! | [`CategoricalCrossentropy`] | `CategoricalCrossentropy` | `CrossEntropyLoss` with probability targets, for logits |
//! | [`SparseCategoricalCrossentropy`] | `SparseCategoricalCrossentropy`, except for labels past the last class | `CrossEntropyLoss` with class-index targets, for logits |
//! | [`CategoricalFocalCrossentropy`] | `CategoricalFocalCrossentropy`, except for softmax probabilities outside `[1e-7, 1 - 1e-7]` | none |
//! | [`CategoricalHinge`] | `CategoricalHinge` | none: `MultiMarginLoss` is a different loss |
//! | [`KLDivergence`] | `KLDivergence` | `KLDivLoss(reduction="batchmean")` on log-probabilities, without the clips |
//! | [`CosineSimilarity`] | `CosineSimilarity` | `-cosine_similarity(eps=1e-7)` |
//! | [`Dice`] | `Dice(axis=-1)`, with `smooth` in place of its epsilon | none |
//! | [`Jaccard`] | none | none |
//! | [`Tversky`] | `Tversky(axis=-1)`, with `alpha` and `beta` swapped and `smooth` in place of its epsilon | none |
//! | [`ApproxNdcg`] | none: TF-Ranking's `ApproxNDCGLoss` | none |
//! | [`Mahalanobis`] | none | none |
//!
//! The losses of several inputs take one embedding per sample in each input and
//! differentiate every input. Their types have inherent `value`, `value_and_grad` and
//! `per_sample` methods, with one array argument per input, instead of implementing
//! [`Loss`](crate::Loss).
//!
//! | loss | Keras 3 | PyTorch |
//! | --- | --- | --- |
//! | [`ContrastiveLoss`] | none: TensorFlow Addons' `ContrastiveLoss` on the distances | none |
//! | [`TripletMarginLoss`] | none | `TripletMarginLoss(p=2)`, without its `eps` |
//!
//! Each type's documentation gives its formula, its parameters, its gradient at kinks
//! and clip bounds, and where it differs from the Keras 3 and PyTorch losses.
//!
//! PyTorch's `reduction="mean"` averages all elements, which equals
//! [`Reduction::SumOverBatchSize`](crate::Reduction::SumOverBatchSize) here. Its
//! `reduction="sum"` adds all elements, which is `F` times
//! [`Reduction::Sum`](crate::Reduction::Sum) here for samples of `F` features, because
//! the loss of a sample is the mean over its features.
//!
//! The [`helpers`] module contains the overflow-free sigmoid and softplus that the
//! losses are built on, and a `relu` whose derivative at 0 is 0. They are
//! `#[differentiable]`, so user-written losses can call them too.
//!
//! ```
//! use losses_core::prelude::*;
//! use ndarray::array;
//!
//! let loss = Huber::default().with_reduction(Reduction::Sum);
//! let y_true = array![[0.0f32, 0.0], [1.0, 1.0]];
//! let y_pred = array![[0.5f32, 0.5], [1.0, 4.0]];
//!
//! // Per sample: (0.125 + 0.125) / 2 = 0.125 and (0 + 2.5) / 2 = 1.25.
//! let value = loss.value(&y_true, &y_pred)?;
//! assert_eq!(value, 1.375f32);
//! # Ok::<(), LossError>(())
//! ```

/// Expands to a collapsed `<details>` block that embeds `docs/img/<stem>.svg`, the plot
/// of a loss and its gradient drawn by `examples/plot_losses`. rustdoc cannot show an
/// image file of the crate, so the SVG text goes in inline. The files contain no blank
/// line, which would end the HTML block.
macro_rules! plot_doc {
    ($stem:literal) => {
        concat!(
            "\n<details>\n<summary>Plot of the loss and its gradient</summary>\n",
            include_str!(concat!("../../docs/img/", $stem, ".svg")),
            "</details>\n"
        )
    };
}

mod anomaly;
mod categorical;
mod divergence;
mod embedding;
mod focal;
pub mod helpers;
mod hinge;
mod probabilistic;
mod ranking;
mod regression;
mod segmentation;
mod similarity;
mod text;

pub use anomaly::Mahalanobis;
pub use categorical::{
    CategoricalCrossentropy, CategoricalFocalCrossentropy, CategoricalHinge,
    SparseCategoricalCrossentropy,
};
pub use divergence::KLDivergence;
pub use embedding::{ContrastiveLoss, TripletMarginLoss};
pub use focal::BinaryFocalCrossentropy;
pub use hinge::{Hinge, SquaredHinge};
pub use probabilistic::{BinaryCrossentropy, Poisson, WeightedBinaryCrossentropy};
pub use ranking::ApproxNdcg;
pub use regression::{
    Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError,
};
pub use segmentation::{Dice, Jaccard, Tversky};
pub use similarity::CosineSimilarity;
pub use text::SmoothBleu;
