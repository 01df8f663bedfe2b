//! The error type of every fallible loss evaluation.

use core::fmt;

use crate::loss::accepted_sample_weight_shapes;

/// An invalid input to a loss evaluation or an invalid loss configuration.
///
/// Shapes are given as the lengths of the array's axes, in axis order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LossError {
    /// `y_true` and `y_pred` have different shapes.
    ShapeMismatch {
        /// Shape of `y_true`.
        y_true: Vec<usize>,
        /// Shape of `y_pred`.
        y_pred: Vec<usize>,
    },
    /// The inputs have no elements, so the loss is undefined.
    EmptyInput {
        /// Shape of both `y_true` and `y_pred`.
        shape: Vec<usize>,
    },
    /// An input of a loss over rows has no elements, so the loss is undefined. Its
    /// `y_true` may have another shape, so only the empty input is named.
    EmptyRows {
        /// Name of the input, as the loss declares it: `y_pred` or a name from
        /// `inputs(...)`.
        input: &'static str,
        /// Shape of that input.
        shape: Vec<usize>,
    },
    /// The sample weights have a shape that matches none of the accepted shapes.
    SampleWeightShape {
        /// Shape of `sample_weight`.
        sample_weight: Vec<usize>,
        /// Shape of the per-sample loss: the shape of `y_pred` without its feature axis.
        expected: Vec<usize>,
    },
    /// The gradient output of a `*_into` method does not have the shape of `y_pred`.
    GradientShape {
        /// Shape of the gradient output.
        grad: Vec<usize>,
        /// Shape of `y_pred`.
        expected: Vec<usize>,
    },
    /// A hyper-parameter of the loss is outside its domain.
    InvalidHyperParameter {
        /// Name of the loss type, such as `"Huber"`.
        loss: &'static str,
        /// The violated condition, shown after "requires", such as ``"`delta >= 0.0`"``.
        requirement: String,
        /// The hyper-parameter values involved, such as `"delta = -1"`.
        values: String,
    },
    /// A scalar value or its gradient was requested from a loss whose reduction is
    /// [`Reduction::None`](crate::Reduction::None).
    NoScalarValue,
    /// A row loss read past the end of a slice, such as a class index larger than the
    /// number of classes.
    IndexOutOfBounds {
        /// Name of the loss type.
        loss: &'static str,
        /// The slice parameter's name.
        slice: &'static str,
        /// The index.
        index: usize,
        /// The slice's length.
        len: usize,
        /// The sample (row) being evaluated, in row-major order of the leading axes.
        sample: usize,
    },
    /// A row loss wrote past the end of one of its local arrays, such as
    /// `kept[i] = e` with `kept` declared as `[0.0; 3]` and a row of four elements.
    WriteOutOfBounds {
        /// Name of the loss type.
        loss: &'static str,
        /// The local array's name.
        array: &'static str,
        /// The index.
        index: usize,
        /// The array's length.
        len: usize,
        /// The sample (row) being evaluated, in row-major order of the leading axes.
        sample: usize,
    },
    /// `y_true` does not have the shape that the loss takes: one target per sample, a
    /// row per sample of any length, or, for a loss of several inputs whose first input
    /// is not `y_pred`, that input's shape.
    TargetShapeMismatch {
        /// Shape of `y_true`.
        y_true: Vec<usize>,
        /// Name of the input whose samples `y_true` must match: `y_pred`, or the first
        /// input of a loss of several inputs.
        input: &'static str,
        /// Shape of that input.
        input_shape: Vec<usize>,
        /// The accepted shapes; a last axis of 0 stands for any length.
        expected: Vec<Vec<usize>>,
    },
    /// An input element is outside the loss's domain, found by
    /// [`Loss::validate_inputs`](crate::Loss::validate_inputs).
    InvalidInput {
        /// Name of the loss type.
        loss: &'static str,
        /// The element's index in `y_pred`, axis by axis.
        index: Vec<usize>,
        /// The violated condition, as written in `valid_inputs(...)`.
        condition: &'static str,
        /// The `y_true` value at that position.
        y_true: f64,
        /// The `y_pred` value at that position.
        y_pred: f64,
    },
    /// A row loss divided a `usize` value by zero, for example by a hyper-parameter
    /// of 0.
    DivisionByZero {
        /// Name of the loss type.
        loss: &'static str,
        /// The sample being evaluated.
        sample: usize,
    },
    /// A row loss computed a `usize` value below zero or above `usize::MAX`, such as
    /// `y_pred.len() - 2` on a row of one element.
    UsizeOverflow {
        /// Name of the loss type.
        loss: &'static str,
        /// The expression, as written in the loss.
        expression: &'static str,
        /// The left operand.
        left: usize,
        /// The operator: `+`, `-` or `*`.
        operator: char,
        /// The right operand.
        right: usize,
        /// The sample (row) being evaluated, in row-major order of the leading axes.
        sample: usize,
    },
    /// A row loss could not allocate one of its local arrays, such as
    /// `vec![0.0; k * 1000000000000]`: the length exceeds what the allocator provides.
    ArrayAllocation {
        /// Name of the loss type.
        loss: &'static str,
        /// The local array's name.
        array: &'static str,
        /// The requested length.
        len: usize,
        /// The sample (row) being evaluated, in row-major order of the leading axes.
        sample: usize,
    },
    /// Sample weights were given to a loss evaluated over the whole batch, which has
    /// one value for the batch and no per-sample losses to weigh.
    WholeBatchWeights {
        /// Name of the loss type.
        loss: &'static str,
    },
    /// Per-sample losses were requested from a loss evaluated over the whole batch,
    /// by `per_sample` or by a value under
    /// [`Reduction::None`](crate::Reduction::None): such a loss has one value for the
    /// batch.
    WholeBatchPerSample {
        /// Name of the loss type.
        loss: &'static str,
    },
    /// The adjoints passed for a chunk of a whole-batch loss are not one per sum.
    AdjointCount {
        /// Name of the loss type.
        loss: &'static str,
        /// The number of sums of the loss, `BatchKernel::STATISTICS`.
        expected: usize,
        /// The number of adjoints given.
        found: usize,
    },
    /// A count of inputs, or of gradient outputs, given to a multi-input loss that
    /// differs from its number of inputs.
    InputCount {
        /// Name of the loss type.
        loss: &'static str,
        /// The loss's inputs, in declaration order.
        inputs: &'static [&'static str],
        /// The kind of array counted: `"inputs"` or `"gradient outputs"`.
        arrays: &'static str,
        /// The number given.
        found: usize,
    },
    /// An input of a multi-input loss does not have the shape of the first input, or,
    /// for a loss declared with `inputs_any_length`, not its sample axes (all but the
    /// last).
    InputShapeMismatch {
        /// Name of the first input.
        first: &'static str,
        /// Shape of the first input.
        first_shape: Vec<usize>,
        /// Name of the input that differs.
        other: &'static str,
        /// Shape of the input that differs.
        other_shape: Vec<usize>,
        /// The rule that the shapes break: `true` when every input must have the first
        /// input's whole shape (the default), `false` when only the sample axes must
        /// match and the row lengths may differ (`inputs_any_length`).
        same_shape: bool,
    },
    /// A label that a loss reads as a class index is negative, fractional, infinite or
    /// NaN.
    InvalidLabel {
        /// Name of the loss type.
        loss: &'static str,
        /// The label.
        value: f64,
        /// The sample whose label it is.
        sample: usize,
    },
}

impl LossError {
    /// Creates [`LossError::InvalidHyperParameter`].
    ///
    /// `requirement` is the condition that failed, shown after "requires", with code in
    /// backticks: ``"`delta >= 0.0`"``. `values` lists the offending values as
    /// `name = value` pairs: `"delta = -1"`.
    pub fn invalid_hyper_parameter(
        loss: &'static str,
        requirement: impl Into<String>,
        values: impl Into<String>,
    ) -> Self {
        Self::InvalidHyperParameter {
            loss,
            requirement: requirement.into(),
            values: values.into(),
        }
    }
}

/// Rejects a NaN element of the slice hyper-parameter `name` of loss `loss`, naming
/// the first one, as `#[loss]` rejects a NaN float hyper-parameter.
///
/// # Errors
///
/// Returns [`LossError::InvalidHyperParameter`] for the first NaN element.
#[doc(hidden)]
pub fn reject_nan_elements<T: num_traits::Float>(
    loss: &'static str,
    name: &str,
    values: &[T],
) -> Result<(), LossError> {
    match values.iter().position(|value| value.is_nan()) {
        None => Ok(()),
        Some(index) => Err(LossError::invalid_hyper_parameter(
            loss,
            format!("no element of `{name}` is NaN"),
            format!("{name}[{index}] = NaN"),
        )),
    }
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShapeMismatch { y_true, y_pred } => write!(
                f,
                "y_true has shape {y_true:?} but y_pred has shape {y_pred:?}; they must be equal"
            ),
            Self::EmptyInput { shape } => write!(
                f,
                "y_true and y_pred have shape {shape:?}, which has no elements; \
                 a loss needs at least one element"
            ),
            Self::EmptyRows { input, shape } => write!(
                f,
                "{input} has shape {shape:?}, which has no elements; a loss needs at least \
                 one element"
            ),
            Self::SampleWeightShape {
                sample_weight,
                expected,
            } => write!(
                f,
                "sample_weight has shape {sample_weight:?} but the per-sample loss has shape \
                 {expected:?}; sample_weight must have shape {}",
                ShapeList(&accepted_sample_weight_shapes(expected))
            ),
            Self::GradientShape { grad, expected } => write!(
                f,
                "the gradient output has shape {grad:?} but y_pred has shape {expected:?}; \
                 they must be equal"
            ),
            Self::InvalidHyperParameter {
                loss,
                requirement,
                values,
            } => write!(
                f,
                "invalid hyper-parameter for {loss}: requires {requirement}, got {values}"
            ),
            Self::NoScalarValue => f.write_str(
                "the reduction is `Reduction::None`, so the loss has no scalar value; \
                 call `per_sample` instead, or choose another reduction",
            ),
            Self::IndexOutOfBounds {
                loss,
                slice,
                index,
                len,
                sample,
            } => write!(
                f,
                "{loss} read index {index} of `{slice}`, whose length is {len}, in sample {sample}"
            ),
            Self::WriteOutOfBounds {
                loss,
                array,
                index,
                len,
                sample,
            } => write!(
                f,
                "{loss} wrote index {index} of `{array}`, whose length is {len}, in sample {sample}"
            ),
            Self::InvalidInput {
                loss,
                index,
                condition,
                y_true,
                y_pred,
            } => write!(
                f,
                "invalid input for {loss} at index {index:?}: requires {condition}, \
                 got y_true = {y_true}, y_pred = {y_pred}"
            ),
            Self::DivisionByZero { loss, sample } => write!(
                f,
                "{loss} divided a usize value by zero in sample {sample}; check its hyper-parameters"
            ),
            Self::UsizeOverflow {
                loss,
                expression,
                left,
                operator,
                right,
                sample,
            } => {
                let outside = if *operator == '-' {
                    "below zero"
                } else {
                    "above usize::MAX"
                };
                write!(
                    f,
                    "{loss} computed `{expression}` as {left} {operator} {right}, which is \
                     {outside}, in sample {sample}; check the row length and the indices"
                )
            }
            Self::ArrayAllocation {
                loss,
                array,
                len,
                sample,
            } => write!(
                f,
                "{loss} could not allocate the local array `{array}` of {len} elements in \
                 sample {sample}; check the length it is declared with"
            ),
            Self::WholeBatchWeights { loss } => write!(
                f,
                "{loss} is evaluated over the whole batch, which has no per-sample losses to \
                 weigh; use `Axis::PerSample` for sample weights"
            ),
            Self::WholeBatchPerSample { loss } => write!(
                f,
                "{loss} is evaluated over the whole batch, which has one loss and no \
                 per-sample losses, so `per_sample` and `Reduction::None` have nothing to \
                 return; use `Axis::PerSample` for per-sample losses, or another reduction \
                 for the loss of the batch"
            ),
            Self::AdjointCount {
                loss,
                expected,
                found,
            } => write!(
                f,
                "{loss} has {expected} whole-batch sums but got {found} adjoints; pass one \
                 adjoint per sum, as `BatchKernel::finish_reverse` writes them"
            ),
            Self::TargetShapeMismatch {
                y_true,
                input,
                input_shape,
                expected,
            } => {
                let shapes: Vec<String> = expected
                    .iter()
                    .map(|shape| match shape.split_last() {
                        Some((0, leading)) => format!("{leading:?} followed by any length"),
                        _ => format!("{shape:?}"),
                    })
                    .collect();
                write!(
                    f,
                    "y_true has shape {y_true:?}, but the samples of {input} (shape \
                     {input_shape:?}) need y_true of shape {}",
                    shapes.join(" or ")
                )
            }
            Self::InputCount {
                loss,
                inputs,
                arrays,
                found,
            } => write!(
                f,
                "{loss} has {} inputs ({}), but the number of {arrays} given is {found}; \
                 pass one per input, in that order",
                inputs.len(),
                inputs.join(", ")
            ),
            Self::InputShapeMismatch {
                first,
                first_shape,
                other,
                other_shape,
                same_shape,
            } => {
                let rule = if *same_shape {
                    "all inputs must have the same shape"
                } else {
                    "all inputs must have the same sample axes (all but the last)"
                };
                write!(
                    f,
                    "{first} has shape {first_shape:?} but {other} has shape {other_shape:?}; {rule}"
                )
            }
            Self::InvalidLabel {
                loss,
                value,
                sample,
            } => write!(
                f,
                "{loss} expects class indices in y_true, but sample {sample} has the label {value}; \
                 labels must be whole numbers from 0"
            ),
        }
    }
}

impl std::error::Error for LossError {}

/// Formats shapes as "[2, 3]", "[2, 3] or [6]", "[2, 3], [6] or [2]".
struct ShapeList<'a>(&'a [Vec<usize>]);

impl fmt::Display for ShapeList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        for (index, shape) in self.0.iter().enumerate() {
            if index + 1 == count && index > 0 {
                f.write_str(" or ")?;
            } else if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{shape:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_mismatch_names_both_shapes() {
        let error = LossError::ShapeMismatch {
            y_true: vec![3, 4],
            y_pred: vec![3, 5],
        };
        assert_eq!(
            error.to_string(),
            "y_true has shape [3, 4] but y_pred has shape [3, 5]; they must be equal"
        );
    }

    #[test]
    fn empty_input_names_shape() {
        let error = LossError::EmptyInput { shape: vec![0, 3] };
        assert_eq!(
            error.to_string(),
            "y_true and y_pred have shape [0, 3], which has no elements; \
             a loss needs at least one element"
        );
    }

    #[test]
    fn sample_weight_shape_lists_accepted_shapes() {
        let error = LossError::SampleWeightShape {
            sample_weight: vec![5],
            expected: vec![3, 4],
        };
        assert_eq!(
            error.to_string(),
            "sample_weight has shape [5] but the per-sample loss has shape [3, 4]; \
             sample_weight must have shape [3, 4], [12] or [3]"
        );
    }

    #[test]
    fn sample_weight_shape_for_one_sample_axis() {
        let error = LossError::SampleWeightShape {
            sample_weight: vec![2, 3],
            expected: vec![4],
        };
        assert_eq!(
            error.to_string(),
            "sample_weight has shape [2, 3] but the per-sample loss has shape [4]; \
             sample_weight must have shape [4]"
        );
    }

    #[test]
    fn sample_weight_shape_for_scalar_input() {
        let error = LossError::SampleWeightShape {
            sample_weight: vec![2],
            expected: vec![],
        };
        assert_eq!(
            error.to_string(),
            "sample_weight has shape [2] but the per-sample loss has shape []; \
             sample_weight must have shape [] or [1]"
        );
    }

    #[test]
    fn gradient_shape_names_both_shapes() {
        let error = LossError::GradientShape {
            grad: vec![2],
            expected: vec![3],
        };
        assert_eq!(
            error.to_string(),
            "the gradient output has shape [2] but y_pred has shape [3]; they must be equal"
        );
    }

    #[test]
    fn input_shape_mismatch_states_the_rule() {
        let mismatch = |same_shape| LossError::InputShapeMismatch {
            first: "x1",
            first_shape: vec![4, 128],
            other: "x2",
            other_shape: vec![4, 130],
            same_shape,
        };
        assert_eq!(
            mismatch(true).to_string(),
            "x1 has shape [4, 128] but x2 has shape [4, 130]; all inputs must have the same shape"
        );
        assert_eq!(
            mismatch(false).to_string(),
            "x1 has shape [4, 128] but x2 has shape [4, 130]; \
             all inputs must have the same sample axes (all but the last)"
        );
    }

    #[test]
    fn target_shape_mismatch_names_the_input() {
        let error = LossError::TargetShapeMismatch {
            y_true: vec![2, 3],
            input: "anchor",
            input_shape: vec![2, 2],
            expected: vec![vec![2, 2]],
        };
        assert_eq!(
            error.to_string(),
            "y_true has shape [2, 3], but the samples of anchor (shape [2, 2]) need y_true \
             of shape [2, 2]"
        );
    }

    #[test]
    fn invalid_hyper_parameter_names_loss_and_values() {
        let error = LossError::invalid_hyper_parameter("Huber", "`delta >= 0.0`", "delta = -1");
        assert_eq!(
            error.to_string(),
            "invalid hyper-parameter for Huber: requires `delta >= 0.0`, got delta = -1"
        );
    }

    #[test]
    fn no_scalar_value_suggests_per_sample() {
        assert_eq!(
            LossError::NoScalarValue.to_string(),
            "the reduction is `Reduction::None`, so the loss has no scalar value; \
             call `per_sample` instead, or choose another reduction"
        );
    }
}
