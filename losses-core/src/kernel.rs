//! The per-element kernel trait that `#[loss]` implements, and the batch drivers that
//! turn a kernel into a [`Loss`](crate::Loss).

pub mod batch;
pub mod elementwise;
mod layout;
pub mod multi;
mod parallel;
mod pass;
pub mod rows;
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
/// The methods are generic over `V`. The drivers call them with `V = T`, one element
/// at a time, inside loops that the compiler vectorises at the instruction set level
/// chosen at run time (see [`simd`](crate::simd)). A type of SIMD lanes that implements
/// [`Real`] could be passed as `V` as well.
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

    /// Returns the first of the loss's input conditions, `valid_inputs(...)` in
    /// `#[loss]`, that an element violates, as written. `None` when all hold.
    fn invalid_inputs(&self, y_true: T, y_pred: T) -> Option<&'static str> {
        let _ = (y_true, y_pred);
        None
    }

    /// The number of copies of the element loop that the drivers compile: 1, 2 or 4.
    ///
    /// A kernel whose formula branches on a flag, such as `from_logits`, can give each
    /// value of its flags a copy, [`forward_variant`](Self::forward_variant) with the
    /// flags as constants. The loop of each copy then runs one side of the branch
    /// only: no test per element, and none of the other side's work, which the
    /// compiler may otherwise move above the test.
    /// `#[loss]` makes a copy for each combination of up to two `bool` parameters.
    const VARIANTS: usize = 1;

    /// Returns the copy that fits the hyper-parameters, below
    /// [`VARIANTS`](Self::VARIANTS).
    fn variant(&self) -> usize {
        0
    }

    /// Returns the loss of one element as copy `VARIANT` computes it. It must return
    /// the bits of [`forward`](Self::forward) whenever [`variant`](Self::variant)
    /// returns `VARIANT`.
    #[inline(always)]
    fn forward_variant<const VARIANT: usize, V: Real<Scalar = T>>(
        &self,
        y_true: V,
        y_pred: V,
    ) -> V {
        self.forward(y_true, y_pred)
    }

    /// Returns the loss of one element and its seeded derivative as copy `VARIANT`
    /// computes them. It must return the bits of [`reverse`](Self::reverse) whenever
    /// [`variant`](Self::variant) returns `VARIANT`.
    #[inline(always)]
    fn reverse_variant<const VARIANT: usize, V: Real<Scalar = T>>(
        &self,
        y_true: V,
        y_pred: V,
        seed: V,
    ) -> (V, V) {
        self.reverse(y_true, y_pred, seed)
    }
}

/// A loss defined row by row: the loss of a sample is the kernel applied to the
/// sample's elements along the last axis, such as a row of class scores.
///
/// `#[loss]` implements this trait when `y_pred` is `&[T]`, and then implements
/// [`Loss`](crate::Loss) by calling the drivers in [`rows`].
pub trait RowKernel<T: LossFloat> {
    /// Type name, for error messages.
    const NAME: &'static str;

    /// Whether `y_true` has a row per sample or one value per sample.
    const TARGET: TargetShape;

    /// Whether [`reverse`](Self::reverse) and [`gradient`](Self::gradient) set every
    /// element of `grad` instead of adding to it, so that `grad` may start with any
    /// values. The drivers then skip zeroing the row. `#[loss]` sets it when a loop over
    /// the whole row makes the first write of each element.
    const SETS_GRADIENT: bool = false;

    /// Returns the reduction that combines per-sample losses into the value.
    fn reduction(&self) -> Reduction;

    /// Checks the hyper-parameters.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] for a value outside its domain.
    fn validate(&self) -> Result<(), LossError>;

    /// Checks the hyper-parameters against the row length, such as a matrix that must
    /// be `features × features`.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] when they do not fit.
    fn validate_features(&self, features: usize) -> Result<(), LossError>;

    /// Returns the loss of one row. `y_true` has one element when
    /// [`TARGET`](Self::TARGET) is [`TargetShape::PerSample`].
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    fn forward(&self, y_true: &[T], y_pred: &[T]) -> Result<T, KernelError>;

    /// Returns the loss of one row and adds `seed × d loss / d y_pred` to `grad`,
    /// which has the row's length and starts at zero, unless
    /// [`SETS_GRADIENT`](Self::SETS_GRADIENT).
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    fn reverse(
        &self,
        y_true: &[T],
        y_pred: &[T],
        seed: T,
        grad: &mut [T],
    ) -> Result<T, KernelError>;

    /// Adds `seed × d loss / d y_pred` to `grad` as [`reverse`](Self::reverse) does,
    /// without the loss. Call it only on a row whose forward pass has succeeded: an
    /// override may then leave out the work that serves the loss alone, and with it the
    /// errors that work would return. The whole-batch drivers call it for each chunk
    /// after summing the chunk. The default calls `reverse`.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    #[inline(always)]
    fn gradient(
        &self,
        y_true: &[T],
        y_pred: &[T],
        seed: T,
        grad: &mut [T],
    ) -> Result<(), KernelError> {
        self.reverse(y_true, y_pred, seed, grad).map(|_| ())
    }

    /// Whether the sample with this target row is left out: it gets loss 0 and
    /// gradient 0 and does not count in the divisor of the mean. The default leaves
    /// nothing out; `exclude_if(...)` in `#[loss]` overrides it.
    fn excluded(&self, y_true: &[T]) -> bool {
        let _ = y_true;
        false
    }

    /// Returns the position in the row and the first of the loss's input conditions,
    /// `valid_inputs(...)` in `#[loss]`, that the row violates. `None` when all hold.
    fn invalid_inputs(&self, y_true: &[T], y_pred: &[T]) -> Option<(usize, &'static str)> {
        let _ = (y_true, y_pred);
        None
    }
}

/// A loss of several row inputs, such as the two embeddings of a pair, differentiated
/// with respect to each.
///
/// `#[loss(inputs(a, b))]` implements this trait, and inherent `value`,
/// `value_and_grad` and `per_sample` methods that take one array per input and call the
/// drivers in [`multi`].
pub trait MultiRowKernel<T: LossFloat> {
    /// Type name, for error messages.
    const NAME: &'static str;

    /// The shape of `y_true`, or `None` when the loss takes no targets.
    const TARGET: Option<TargetShape>;

    /// The inputs' names, in declaration order.
    const INPUTS: &'static [&'static str];

    /// Whether the inputs may have rows of different lengths. By default (`false`) the
    /// drivers require every input to have the first input's shape. When `true` they
    /// require only the first input's sample axes (all but the last). Either way a
    /// mismatch is a [`LossError::InputShapeMismatch`] naming both inputs.
    /// `#[loss(inputs(a, b), inputs_any_length)]` sets it to `true`.
    const INPUTS_ANY_LENGTH: bool = false;

    /// For each input, in the order of [`INPUTS`](Self::INPUTS), whether
    /// [`reverse`](Self::reverse) sets every element of its gradient row instead of
    /// adding to it, so that the row may start with any values. The drivers zero only the
    /// other rows. An input past the end of the list counts as `false`.
    const SETS_GRADIENTS: &'static [bool] = &[];

    /// Returns the reduction that combines per-sample losses into the value.
    fn reduction(&self) -> Reduction;

    /// Checks the hyper-parameters.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] for a value outside its domain.
    fn validate(&self) -> Result<(), LossError>;

    /// Checks the hyper-parameters against the inputs' row lengths.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] when they do not fit.
    fn validate_features(&self, row_lens: &[usize]) -> Result<(), LossError>;

    /// Returns the loss of one sample from its target row and its input rows.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    fn forward(&self, y_true: &[T], inputs: &[&[T]]) -> Result<T, KernelError>;

    /// Returns the loss of one sample and adds `seed × d loss / d input` to each of
    /// `grads`, which have the input rows' lengths and start at zero, except those
    /// that [`SETS_GRADIENTS`](Self::SETS_GRADIENTS) marks.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    fn reverse(
        &self,
        y_true: &[T],
        inputs: &[&[T]],
        seed: T,
        grads: &mut [&mut [T]],
    ) -> Result<T, KernelError>;

    /// Whether the sample with this target row is left out: it gets loss 0 and
    /// gradient 0 and does not count in the divisor of the mean. The default leaves
    /// nothing out; `exclude_if(...)` in `#[loss]` overrides it.
    fn excluded(&self, y_true: &[T]) -> bool {
        let _ = y_true;
        false
    }
}

/// The shape of `y_true` that a row kernel takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetShape {
    /// A row of the same length as `y_pred`'s: `y_true` has `y_pred`'s shape.
    Row,
    /// One value per sample, such as a class index: `y_true` has `y_pred`'s shape
    /// without its last axis, or with a last axis of length 1.
    PerSample,
    /// A row of its own length, such as a reference sequence: `y_true` has `y_pred`'s
    /// leading axes and any last axis.
    AnyLength,
}

/// A problem a row kernel found in one row; the driver reports it as a [`LossError`]
/// with the sample it happened in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KernelError {
    /// An index past the end of a slice.
    OutOfBounds {
        /// The slice parameter's name.
        slice: &'static str,
        /// The index.
        index: usize,
        /// The slice's length.
        len: usize,
    },
    /// A store past the end of a local array.
    WriteOutOfBounds {
        /// The local array's name.
        array: &'static str,
        /// The index.
        index: usize,
        /// The array's length.
        len: usize,
    },
    /// A label that should be a class index but is negative, fractional or not finite.
    InvalidLabel {
        /// The label.
        value: f64,
    },
    /// A `usize` division or remainder by zero.
    DivisionByZero,
    /// A `usize` result below zero or above `usize::MAX`.
    UsizeOverflow {
        /// The expression, as written in the loss.
        expression: &'static str,
        /// The left operand.
        left: usize,
        /// The operator: `+`, `-` or `*`.
        operator: char,
        /// The right operand.
        right: usize,
    },
    /// A local array whose memory could not be allocated.
    ArrayAllocation {
        /// The local array's name.
        array: &'static str,
        /// The requested length.
        len: usize,
    },
}

impl KernelError {
    /// Converts the error into the [`LossError`] of loss `loss` at `sample`.
    pub(crate) fn into_loss_error(self, loss: &'static str, sample: usize) -> LossError {
        match self {
            Self::OutOfBounds { slice, index, len } => LossError::IndexOutOfBounds {
                loss,
                slice,
                index,
                len,
                sample,
            },
            Self::WriteOutOfBounds { array, index, len } => LossError::WriteOutOfBounds {
                loss,
                array,
                index,
                len,
                sample,
            },
            Self::InvalidLabel { value } => LossError::InvalidLabel {
                loss,
                value,
                sample,
            },
            Self::DivisionByZero => LossError::DivisionByZero { loss, sample },
            Self::UsizeOverflow {
                expression,
                left,
                operator,
                right,
            } => LossError::UsizeOverflow {
                loss,
                expression,
                left,
                operator,
                right,
                sample,
            },
            Self::ArrayAllocation { array, len } => LossError::ArrayAllocation {
                loss,
                array,
                len,
                sample,
            },
        }
    }
}

/// A loss of whole-batch statistics: a function of a few sums over every element,
/// such as Dice over the whole batch. `#[loss(batch)]` implements it from a row loss
/// whose loops sum over the row and whose rest uses only those sums; the drivers in
/// [`batch`] split the elements into chunks and merge the chunks' sums.
pub trait BatchKernel<T: LossFloat> {
    /// Type name, for error messages.
    const NAME: &'static str;

    /// How many sums the loss needs.
    const STATISTICS: usize;

    /// Whether [`chunk_reverse`](Self::chunk_reverse) sets every element of `grad`
    /// instead of adding to it, so that the drivers need not zero it first.
    const SETS_GRADIENT: bool = false;

    /// Checks the hyper-parameters.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] for a value outside its domain.
    fn validate(&self) -> Result<(), LossError>;

    /// Adds the sums over the elements `y_true` and `y_pred` of one block of a chunk
    /// to `sums`.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    fn partials(&self, y_true: &[T], y_pred: &[T], sums: &mut [T]) -> Result<(), KernelError>;

    /// Returns the loss from the merged sums.
    fn finish(&self, sums: &[T]) -> T;

    /// Returns the loss from the merged sums and writes `seed × ∂loss/∂sum` into
    /// `adjoints`.
    fn finish_reverse(&self, sums: &[T], seed: T, adjoints: &mut [T]) -> T;

    /// Adds the gradient of one chunk's elements to `grad`, which starts at zero unless
    /// [`SETS_GRADIENT`](Self::SETS_GRADIENT), given the adjoints of the sums. The
    /// drivers call it only on elements that [`partials`](Self::partials) has summed,
    /// so it may leave out the work that only the sums need.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] for an index out of bounds or an invalid label.
    fn chunk_reverse(
        &self,
        y_true: &[T],
        y_pred: &[T],
        adjoints: &[T],
        grad: &mut [T],
    ) -> Result<(), KernelError>;
}

/// Which elements a loss of whole-batch statistics sums over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Each sample's row on its own: one loss per sample, reduced as usual.
    #[default]
    PerSample,
    /// Every element of the batch at once: one loss for the batch, which every
    /// reduction but `Reduction::None` returns as it is. There are no per-sample
    /// losses, so `per_sample`, `Reduction::None` and sample weights are errors.
    WholeBatch,
}
