//! `f32` reductions over 10⁷ elements stay within 10⁻⁶ relative of the same reduction
//! computed in `f64`: the sums of a whole-batch loss, the mean of a row loss over
//! its samples, and a sum along one row of 10⁷ elements.
//!
//! The generated sum loops keep 16 partial sums and add the elements to each one after
//! another, so their error grows with the elements per partial sum. For the constants
//! of `whole_batch_sums_of_constants`, chunks of 8192 elements summed that way are off
//! by 4 × 10⁻⁶. The whole-batch drivers therefore call the generated loops on blocks of
//! 512 elements and add the block sums by a pairwise tree. Those constants are then off
//! by 2.6 × 10⁻⁷, against 1.1 × 10⁻⁷ with blocks of 256 and 5.8 × 10⁻⁷ with 1024.

use losses_core::kernel::batch;
use losses_core::prelude::*;
use ndarray::{Array2, ArrayD, IxDyn};

/// The mean prediction, as a ratio of two sums, so that its whole-batch form is the
/// mean over every element: `Σ p / Σ t` with every target 1.
#[loss(batch)]
fn mean_prediction<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    let mut count = 0.0;
    for i in 0..y_pred.len() {
        total += y_pred[i];
        count += y_true[i];
    }
    total / count
}

const ELEMENTS: usize = 10_000_000;

/// Marsaglia's xorshift32: a fixed, seeded source of test data.
struct XorShift32(u32);

impl XorShift32 {
    /// Returns the next value, uniform on [0, 1) with 24 random bits.
    fn next_unit(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / (1u32 << 24) as f32
    }
}

fn relative_error(value: f32, reference: f64) -> f64 {
    ((value as f64 - reference) / reference).abs()
}

/// Ones as targets, and predictions of `rows` rows from `prediction`.
fn ones_and(rows: usize, prediction: impl FnMut() -> f32) -> (ArrayD<f32>, ArrayD<f32>) {
    let shape = IxDyn(&[rows, ELEMENTS / rows]);
    let y_true = ArrayD::from_elem(shape.clone(), 1.0);
    let values = std::iter::repeat_with(prediction).take(ELEMENTS).collect();
    let y_pred = ArrayD::from_shape_vec(shape, values).expect("length matches shape");
    (y_true, y_pred)
}

#[test]
fn whole_batch_sums_of_constants() {
    let (y_true, y_pred) = ones_and(1, || 0.1);
    let (t, p) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());
    let sums = batch::partials(&MeanPrediction::new(), t, p).unwrap();
    let exact = 0.1f32 as f64 * ELEMENTS as f64;
    let error = relative_error(sums[0], exact);
    assert!(error <= 1e-6, "sum {} against {exact}: {error:e}", sums[0]);

    let loss = MeanPrediction::new().with_axis(Axis::WholeBatch);
    let mean = loss.value(&y_true, &y_pred).unwrap();
    let error = relative_error(mean, 0.1f32 as f64);
    assert!(error <= 1e-6, "mean {mean}: {error:e}");
}

/// Sums of 10⁷ equal elements, for the worst constants of a sweep of 100 from 0.047 to
/// 3.71. Over the whole batch, the worst was 0.084 with blocks of 1024 (9.1 × 10⁻⁷),
/// 3.562 with 512 (5.7 × 10⁻⁷) and 1.046 with 256 (2.9 × 10⁻⁷). Along one row, it was
/// 2.563 (8.7 × 10⁻⁷).
#[test]
fn whole_batch_sums_of_hard_constants() {
    for value in [0.084f32, 1.046, 2.563, 3.562] {
        let (y_true, y_pred) = ones_and(1, || value);
        let (t, p) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());
        let sums = batch::partials(&MeanPrediction::new(), t, p).unwrap();
        let exact = value as f64 * ELEMENTS as f64;
        let error = relative_error(sums[0], exact);
        assert!(
            error <= 1e-6,
            "sum of {value}: {} against {exact}: {error:e}",
            sums[0]
        );
    }
}

#[test]
fn whole_batch_mean_of_uniform_values() {
    let mut random = XorShift32(0x9E37_79B9);
    let (y_true, y_pred) = ones_and(1_000, || random.next_unit());
    let exact = y_pred.iter().map(|&p| p as f64).sum::<f64>() / ELEMENTS as f64;
    let loss = MeanPrediction::new().with_axis(Axis::WholeBatch);
    let mean = loss.value(&y_true, &y_pred).unwrap();
    let error = relative_error(mean, exact);
    assert!(error <= 1e-6, "mean {mean} against {exact}: {error:e}");
}

#[test]
fn whole_batch_dice_of_constants() {
    // Σ t p = 0.01 n, Σ t = Σ p = 0.1 n: loss = 1 - (0.02 n + 1) / (0.2 n + 1).
    let y_true = Array2::from_elem((100, ELEMENTS / 100), 0.1f32);
    let y_pred = y_true.clone();
    let loss = Dice::default().with_axis(Axis::WholeBatch);
    let value = loss.value(&y_true, &y_pred).unwrap();
    let (t, n) = (0.1f32 as f64, ELEMENTS as f64);
    let exact = 1.0 - (2.0 * t * t * n + 1.0) / (2.0 * t * n + 1.0);
    let error = relative_error(value, exact);
    assert!(error <= 1e-6, "Dice {value} against {exact}: {error:e}");
}

#[test]
fn per_sample_mean_of_rows() {
    // Rows of 100 elements: each row's mean comes from the generated sum loop, and
    // the mean over the 10⁵ rows from the row drivers.
    let mut random = XorShift32(0x6A09_E667);
    let (y_true, y_pred) = ones_and(ELEMENTS / 100, || random.next_unit());
    let row_means = y_pred
        .rows()
        .into_iter()
        .map(|row| row.iter().map(|&p| p as f64).sum::<f64>() / 100.0);
    let exact = row_means.sum::<f64>() / (ELEMENTS / 100) as f64;
    let mean = MeanPrediction::new().value(&y_true, &y_pred).unwrap();
    let error = relative_error(mean, exact);
    assert!(error <= 1e-6, "mean {mean} against {exact}: {error:e}");
}

/// Returns the weighted sum of one row, `Σ t p`, so that the value of a batch of one
/// sample is the sum itself.
#[loss]
fn row_dot<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += y_true[i] * y_pred[i];
    }
    total
}

#[test]
fn row_sum_of_constants() {
    // 2.563 gave the largest error of a sweep of 100 constants (8.7 × 10⁻⁷).
    for value in [0.1f32, 2.563] {
        let (y_true, y_pred) = ones_and(1, || value);
        let sum = RowDot::new().value(&y_true, &y_pred).unwrap();
        let exact = value as f64 * ELEMENTS as f64;
        let error = relative_error(sum, exact);
        assert!(
            error <= 1e-6,
            "sum of {value}: {sum} against {exact}: {error:e}"
        );
    }
}

#[test]
fn row_sum_of_uniform_values() {
    let mut random = XorShift32(0x2545_F491);
    let (y_true, y_pred) = ones_and(1, || random.next_unit());
    let exact = y_pred.iter().map(|&p| p as f64).sum::<f64>();
    let sum = RowDot::new().value(&y_true, &y_pred).unwrap();
    let error = relative_error(sum, exact);
    assert!(error <= 1e-6, "sum {sum} against {exact}: {error:e}");
}
