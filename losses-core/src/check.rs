//! Gradient checking: compares a loss's `value_and_grad` with central finite
//! differences of its `value`, for user-written losses as for the shipped ones.
//!
//! ```
//! use losses_core::check::{check_gradient, CheckOptions};
//! use losses_core::prelude::*;
//! use ndarray::array;
//!
//! let y_true = array![[0.0, 1.0], [1.0, 0.0]].into_dyn();
//! let y_pred = array![[0.2, 0.7], [0.6, 0.1]].into_dyn();
//! let report = check_gradient(&Huber::new(0.5), &y_true, &y_pred, &CheckOptions::for_f64())?;
//! assert!(report.passed(), "{report}");
//! # Ok::<(), LossError>(())
//! ```

use std::fmt;
use std::ops::Range;

use ndarray::{ArrayD, IxDyn};

use crate::{Loss, LossError, LossFloat};

/// The finite-difference step and the tolerance of a check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckOptions {
    /// The step `h` is `step × max(1, |x|)` for an input `x`.
    pub step: f64,
    /// Relative tolerance, against the larger of the two derivatives.
    pub relative: f64,
    /// Absolute tolerance, for derivatives near 0.
    pub absolute: f64,
}

impl CheckOptions {
    /// Settings for `f64`: step 1e-6, tolerance 1e-6 relative and 1e-9 absolute.
    pub fn for_f64() -> Self {
        Self {
            step: 1e-6,
            relative: 1e-6,
            absolute: 1e-9,
        }
    }

    /// Settings for `f32`, whose 24-bit significand allows far less: step 1e-2,
    /// tolerance 2e-2 relative and 1e-3 absolute.
    pub fn for_f32() -> Self {
        Self {
            step: 1e-2,
            relative: 2e-2,
            absolute: 1e-3,
        }
    }

    /// Returns the settings for `T`, by its precision.
    pub fn for_type<T: LossFloat>() -> Self {
        if T::epsilon().to_f64() > 1e-10 {
            Self::for_f32()
        } else {
            Self::for_f64()
        }
    }
}

/// The result of a check: the entry of `y_pred` whose derivatives differ most,
/// relative to the tolerance.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientReport {
    /// How many entries were checked.
    pub checked: usize,
    /// The index of the worst entry in `y_pred`.
    pub index: Vec<usize>,
    /// The derivative `value_and_grad` gave there.
    pub analytic: f64,
    /// The central finite difference there.
    pub numeric: f64,
    /// The tolerance there.
    pub tolerance: f64,
}

impl GradientReport {
    /// Returns whether every entry is within its tolerance. An entry where either
    /// derivative is infinite or NaN fails, whatever the tolerance.
    pub fn passed(&self) -> bool {
        self.analytic.is_finite()
            && self.numeric.is_finite()
            && (self.analytic - self.numeric).abs() <= self.tolerance
    }
}

impl fmt::Display for GradientReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "passed" } else { "failed" };
        write!(
            f,
            "gradient check {verdict} over {} entries; worst at index {:?}: \
             value_and_grad gives {}, central difference {}, tolerance {}",
            self.checked, self.index, self.analytic, self.numeric, self.tolerance
        )
    }
}

/// Compares `value_and_grad` with central differences of `value` at every entry of
/// `y_pred` and reports the worst. An entry where either derivative is infinite or
/// NaN is worse than any finite one, and a NaN one is the worst.
///
/// The loss is checked as configured: a `#[loss(batch)]` loss built with
/// `with_axis(Axis::WholeBatch)` is checked over the whole batch.
///
/// # Errors
///
/// Returns the loss's own error for inputs it rejects.
pub fn check_gradient<T: LossFloat, L: Loss<T>>(
    loss: &L,
    y_true: &ArrayD<T>,
    y_pred: &ArrayD<T>,
    options: &CheckOptions,
) -> Result<GradientReport, LossError> {
    let (_, grad) = loss.value_and_grad(y_true, y_pred)?;
    let mut worst: Option<(Badness, GradientReport)> = None;
    let mut shifted = y_pred.clone();
    for (index, &analytic) in grad.indexed_iter() {
        let x = y_pred[&index].to_f64();
        let h = options.step * x.abs().max(1.0);
        shifted[&index] = T::from_f64_value(x + h);
        let up = loss.value(y_true, &shifted)?.to_f64();
        shifted[&index] = T::from_f64_value(x - h);
        let down = loss.value(y_true, &shifted)?.to_f64();
        shifted[&index] = y_pred[&index];

        // The step actually taken, after rounding to `T`.
        let taken = T::from_f64_value(x + h).to_f64() - T::from_f64_value(x - h).to_f64();
        let numeric = (up - down) / taken;
        let analytic = analytic.to_f64();
        let tolerance = options.relative * numeric.abs().max(analytic.abs()) + options.absolute;
        let badness = Badness::of(analytic, numeric, tolerance);
        if worst.as_ref().is_none_or(|(worst, _)| badness > *worst) {
            let report = GradientReport {
                checked: 0,
                index: ndarray::Dimension::as_array_view(&index).to_vec(),
                analytic,
                numeric,
                tolerance,
            };
            worst = Some((badness, report));
        }
    }
    let (_, mut report) = worst.ok_or(LossError::EmptyInput {
        shape: y_pred.shape().to_vec(),
    })?;
    report.checked = grad.len();
    Ok(report)
}

/// How far an entry is from passing, ordered so that the worst entry is the largest:
/// a NaN derivative, then an infinite one, then the finite entries by their error
/// over the tolerance. An infinite entry thus cannot hide a NaN one, and neither
/// can pass.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
enum Badness {
    Finite(f64),
    Infinite,
    NaN,
}

impl Badness {
    fn of(analytic: f64, numeric: f64, tolerance: f64) -> Self {
        if analytic.is_nan() || numeric.is_nan() {
            Self::NaN
        } else if analytic.is_infinite() || numeric.is_infinite() {
            Self::Infinite
        } else if analytic == numeric {
            // Equal derivatives pass even with a zero tolerance, where 0 / 0 is NaN.
            Self::Finite(0.0)
        } else {
            Self::Finite((numeric - analytic).abs() / tolerance)
        }
    }
}

/// The kind of targets a loss's `y_true` contains, for [`check_random`].
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Floats of `y_pred`'s shape, drawn from the range.
    Floats(Range<f64>),
    /// One float per sample, drawn from the range.
    PerSample(Range<f64>),
    /// One class index per sample, below the row length.
    Classes,
}

/// Runs [`check_gradient`] at inputs drawn from a seeded generator: `y_pred` of shape
/// `shape` from `y_pred_range`, and `y_true` as `targets` specifies.
///
/// # Errors
///
/// Returns the loss's own error for inputs it rejects.
pub fn check_random<T: LossFloat, L: Loss<T>>(
    loss: &L,
    targets: &Targets,
    y_pred_range: Range<f64>,
    shape: &[usize],
    seed: u64,
) -> Result<GradientReport, LossError> {
    let mut generator = XorShift(seed | 1);
    let y_pred = ArrayD::from_shape_fn(IxDyn(shape), |_| {
        T::from_f64_value(generator.uniform(&y_pred_range))
    });
    let leading = &shape[..shape.len().saturating_sub(1)];
    let classes = shape.last().copied().unwrap_or(1) as f64;
    let y_true = match targets {
        Targets::Floats(range) => ArrayD::from_shape_fn(IxDyn(shape), |_| {
            T::from_f64_value(generator.uniform(range))
        }),
        Targets::PerSample(range) => ArrayD::from_shape_fn(IxDyn(leading), |_| {
            T::from_f64_value(generator.uniform(range))
        }),
        Targets::Classes => ArrayD::from_shape_fn(IxDyn(leading), |_| {
            T::from_f64_value(generator.uniform(&(0.0..classes)).floor())
        }),
    };
    check_gradient(loss, &y_true, &y_pred, &CheckOptions::for_type::<T>())
}

/// A small seeded generator, so that a check gives the same inputs on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Draws a value in `range` from the top 53 bits.
    fn uniform(&mut self, range: &Range<f64>) -> f64 {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        range.start + unit * (range.end - range.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Huber, MeanSquaredError};
    use ndarray::array;

    #[test]
    fn correct_gradient_passes() {
        let report = check_random::<f64, _>(
            &Huber::new(1.0),
            &Targets::Floats(-1.0..1.0),
            -2.0..2.0,
            &[4, 3],
            7,
        )
        .unwrap();
        assert!(report.passed(), "{report}");
        assert_eq!(report.checked, 12);
    }

    #[test]
    fn whole_batch_dice_passes() {
        let loss = crate::Dice::default().with_axis(crate::Axis::WholeBatch);
        let report =
            check_random::<f64, _>(&loss, &Targets::Floats(0.0..1.0), 0.1..0.9, &[3, 5], 11)
                .unwrap();
        assert!(report.passed(), "{report}");
        assert_eq!(report.checked, 15);
    }

    /// A loss whose gradient is deliberately wrong: twice the true one.
    struct Doubled;

    impl Loss<f64> for Doubled {
        fn reduction(&self) -> crate::Reduction {
            crate::Reduction::SumOverBatchSize
        }

        fn evaluate_value(&self, batch: crate::Batch<'_, f64>) -> Result<f64, LossError> {
            MeanSquaredError::new().evaluate_value(batch)
        }

        fn evaluate_into(
            &self,
            batch: crate::Batch<'_, f64>,
            mut grad: ndarray::ArrayViewMutD<'_, f64>,
        ) -> Result<f64, LossError> {
            let value = MeanSquaredError::new().evaluate_into(batch, grad.view_mut())?;
            grad.mapv_inplace(|g| 2.0 * g);
            Ok(value)
        }

        fn evaluate_per_sample(
            &self,
            batch: crate::Batch<'_, f64>,
        ) -> Result<ArrayD<f64>, LossError> {
            MeanSquaredError::new().evaluate_per_sample(batch)
        }
    }

    #[test]
    fn wrong_gradient_fails_and_names_the_entry() {
        let y_true = array![[0.0, 0.0]].into_dyn();
        let y_pred = array![[1.0, 3.0]].into_dyn();
        let report = check_gradient(&Doubled, &y_true, &y_pred, &CheckOptions::for_f64()).unwrap();
        assert!(!report.passed());
        // d/dp (p²/2) = p, doubled: the error is largest at p = 3.
        assert_eq!(report.index, vec![0, 1]);
        assert!((report.numeric - 3.0).abs() < 1e-6, "{report}");
        assert!((report.analytic - 6.0).abs() < 1e-12, "{report}");
        assert!(
            report
                .to_string()
                .starts_with("gradient check failed over 2 entries; worst at index [0, 1]")
        );
    }

    /// Mean squared error whose gradient is replaced by fixed values.
    struct FixedGradient(Vec<f64>);

    impl Loss<f64> for FixedGradient {
        fn reduction(&self) -> crate::Reduction {
            crate::Reduction::SumOverBatchSize
        }

        fn evaluate_value(&self, batch: crate::Batch<'_, f64>) -> Result<f64, LossError> {
            MeanSquaredError::new().evaluate_value(batch)
        }

        fn evaluate_into(
            &self,
            batch: crate::Batch<'_, f64>,
            mut grad: ndarray::ArrayViewMutD<'_, f64>,
        ) -> Result<f64, LossError> {
            let value = MeanSquaredError::new().evaluate_into(batch, grad.view_mut())?;
            for (g, &fixed) in grad.iter_mut().zip(&self.0) {
                *g = fixed;
            }
            Ok(value)
        }

        fn evaluate_per_sample(
            &self,
            batch: crate::Batch<'_, f64>,
        ) -> Result<ArrayD<f64>, LossError> {
            MeanSquaredError::new().evaluate_per_sample(batch)
        }
    }

    fn check_fixed(gradient: Vec<f64>) -> GradientReport {
        let y_true = array![[0.0, 0.0, 0.0]].into_dyn();
        let y_pred = array![[1.0, 3.0, 2.0]].into_dyn();
        let loss = FixedGradient(gradient);
        check_gradient(&loss, &y_true, &y_pred, &CheckOptions::for_f64()).unwrap()
    }

    #[test]
    fn infinite_gradient_fails() {
        // The true gradient of mean squared error here is 2p/3: [2/3, 2, 4/3].
        let report = check_fixed(vec![2.0 / 3.0, f64::NEG_INFINITY, 4.0 / 3.0]);
        assert!(!report.passed(), "{report}");
        assert_eq!(report.index, vec![0, 1]);
        assert_eq!(report.analytic, f64::NEG_INFINITY);
        assert!((report.numeric - 2.0).abs() < 1e-6, "{report}");
        assert!(report.to_string().starts_with("gradient check failed"));
    }

    #[test]
    fn infinite_entry_cannot_hide_later_nan() {
        let report = check_fixed(vec![f64::NEG_INFINITY, f64::NAN, 4.0 / 3.0]);
        assert!(!report.passed(), "{report}");
        assert_eq!(report.index, vec![0, 1]);
        assert!(report.analytic.is_nan(), "{report}");
    }

    #[test]
    fn nan_entry_stays_worst() {
        let report = check_fixed(vec![f64::NAN, f64::INFINITY, 100.0]);
        assert!(!report.passed(), "{report}");
        assert_eq!(report.index, vec![0, 0]);
    }

    #[test]
    fn infinite_entry_beats_finite_error() {
        let report = check_fixed(vec![100.0, 2.0, f64::INFINITY]);
        assert!(!report.passed(), "{report}");
        assert_eq!(report.index, vec![0, 2]);
    }

    #[test]
    fn infinite_report_with_infinite_tolerance_fails() {
        let report = GradientReport {
            checked: 1,
            index: vec![0],
            analytic: f64::NEG_INFINITY,
            numeric: 1e12,
            tolerance: f64::INFINITY,
        };
        assert!(!report.passed());
    }

    #[test]
    fn nan_gradient_fails() {
        let report = GradientReport {
            checked: 1,
            index: vec![0],
            analytic: f64::NAN,
            numeric: 1.0,
            tolerance: 1.0,
        };
        assert!(!report.passed());
    }
}
