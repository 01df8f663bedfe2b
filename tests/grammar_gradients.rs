//! Gradients of `#[loss]` functions that together use every construct the macro
//! accepts, each checked in f64 against central differences of `Loss::value` at
//! seeded random points, and in f32 against the f64 result. The gradient conventions
//! at kinks and the NaN safety of per-sample branches are pinned to exact values.
//!
//! Every check also compares the generated `ElementwiseKernel::forward` with the
//! original scalar function, which `#[loss]` leaves callable.

use losses_core::prelude::*;
use ndarray::{Array2, array};

// ----- checking machinery ------------------------------------------------------

/// Relative step of the central differences: `h = STEP * max(1, |y_pred|)`.
const STEP: f64 = 1e-6;

/// Relative tolerance of a gradient entry against its central difference.
const RTOL: f64 = 1e-6;

/// Absolute floor of the gradient tolerance, per unit of loss value. A central
/// difference of `value` carries a rounding error of about `ε |value| / h`, which is
/// `2e-10 |value|` for `h = 1e-6`, so the floor scales with `max(1, |value|)`.
const ATOL: f64 = 1e-9;

/// Relative tolerance of f32 results against the f64 results at the same points.
const F32_RTOL: f64 = 1e-4;

/// Absolute floor of the f32 tolerance.
const F32_ATOL: f64 = 1e-6;

/// Each check draws batches of `ROWS` samples with `COLS` features.
const ROWS: usize = 4;
const COLS: usize = 3;

/// One batch is drawn per seed.
const SEEDS: [u64; 3] = [
    0x9E37_79B9_7F4A_7C15,
    0xD1B5_4A32_D192_ED03,
    0x2545_F491_4F6C_DD1D,
];

/// Marsaglia's xorshift64 generator. The seed must be nonzero.
struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// Draws uniformly from `[low, high)`, with 53 random bits.
    fn uniform(&mut self, (low, high): (f64, f64)) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        low + (high - low) * unit
    }
}

/// The intervals that a check draws `y_true` and `y_pred` from.
#[derive(Clone, Copy)]
struct Domain {
    y_true: (f64, f64),
    y_pred: (f64, f64),
}

impl Domain {
    const fn new(y_true: (f64, f64), y_pred: (f64, f64)) -> Self {
        Self { y_true, y_pred }
    }

    /// Draws a `ROWS × COLS` batch `(y_true, y_pred)`.
    fn draw(self, seed: u64) -> (Array2<f64>, Array2<f64>) {
        let mut rng = XorShift64 { state: seed };
        let y_true = Array2::from_shape_fn((ROWS, COLS), |_| rng.uniform(self.y_true));
        let y_pred = Array2::from_shape_fn((ROWS, COLS), |_| rng.uniform(self.y_pred));
        (y_true, y_pred)
    }
}

const ANY: Domain = Domain::new((-2.0, 2.0), (-2.0, 2.0));
const POSITIVE_PRED: Domain = Domain::new((-2.0, 2.0), (0.2, 3.0));
const UNIT_PRED: Domain = Domain::new((0.0, 1.0), (0.05, 0.95));

/// Returns whether `actual` is within `rtol` (relative) plus `atol` (absolute) of `expected`.
fn is_close(actual: f64, expected: f64, rtol: f64, atol: f64) -> bool {
    (actual - expected).abs() <= rtol * actual.abs().max(expected.abs()) + atol
}

/// Central difference of `value` with respect to `y_pred[index]`.
fn central_difference<L: Loss<f64>>(
    loss: &L,
    y_true: &Array2<f64>,
    y_pred: &Array2<f64>,
    index: (usize, usize),
) -> f64 {
    let center = y_pred[index];
    let step = STEP * center.abs().max(1.0);
    let (up, down) = (center + step, center - step);
    let mut shifted = y_pred.clone();
    shifted[index] = up;
    let value_up = loss.value(y_true, &shifted).unwrap();
    shifted[index] = down;
    let value_down = loss.value(y_true, &shifted).unwrap();
    // `up - down` is the step actually taken after rounding.
    (value_up - value_down) / (up - down)
}

/// The largest gradient error of a check, as a fraction of its tolerance, and the
/// largest loss value, which sets the tolerance's floor.
#[derive(Default)]
struct Worst {
    ratio: f64,
    analytic: f64,
    numeric: f64,
    largest_value: f64,
}

impl Worst {
    fn record(&mut self, analytic: f64, numeric: f64, allowed: f64) {
        let ratio = (analytic - numeric).abs() / allowed;
        if ratio >= self.ratio {
            self.ratio = ratio;
            self.analytic = analytic;
            self.numeric = numeric;
        }
    }
}

/// Checks a loss on f64 batches drawn from `domain` against `scalar`, the original
/// function with the loss's hyper-parameters filled in:
/// - `ElementwiseKernel::forward` equals `scalar` on every element,
/// - `value` is the mean of `scalar` over the elements,
/// - the gradient passes [`check_gradient`].
#[track_caller]
fn check_f64<L>(loss: &L, scalar: impl Fn(f64, f64) -> f64, domain: Domain)
where
    L: Loss<f64> + ElementwiseKernel<f64>,
{
    check_f64_within(loss, scalar, domain, 0.0);
}

/// [`check_f64`] for a loss whose forward may differ from the original function by
/// `forward_tolerance`, relative and absolute, as where the macro rewrites an unstable
/// pattern.
#[track_caller]
fn check_f64_within<L>(
    loss: &L,
    scalar: impl Fn(f64, f64) -> f64,
    domain: Domain,
    forward_tolerance: f64,
) where
    L: Loss<f64> + ElementwiseKernel<f64>,
{
    for seed in SEEDS {
        let (y_true, y_pred) = domain.draw(seed);
        let mut sum = 0.0;
        for (&t, &p) in y_true.iter().zip(&y_pred) {
            let forward = <L as ElementwiseKernel<f64>>::forward::<f64>(loss, t, p);
            let expected = scalar(t, p);
            assert!(
                is_close(forward, expected, forward_tolerance, forward_tolerance),
                "forward({t}, {p}) = {forward:e}, but the original function returns {expected:e}"
            );
            sum += expected;
        }

        let value = loss.value(&y_true, &y_pred).unwrap();
        let mean = sum / (ROWS * COLS) as f64;
        assert!(
            is_close(value, mean, 1e-12, 1e-12),
            "value {value:e} differs from the mean {mean:e} of the original function"
        );
    }
    check_gradient(loss, domain);
}

/// Checks, on f64 batches drawn from `domain`, that `value` is finite, that
/// `value_and_grad` returns the same value bit for bit, and that every gradient entry
/// matches the central difference of `value`.
#[track_caller]
fn check_gradient<L: Loss<f64>>(loss: &L, domain: Domain) {
    let mut worst = Worst::default();
    for seed in SEEDS {
        let (y_true, y_pred) = domain.draw(seed);
        let value = loss.value(&y_true, &y_pred).unwrap();
        assert!(
            value.is_finite(),
            "the value {value} is not finite at seed {seed:#x}"
        );

        let (value_with_grad, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
        assert_eq!(
            value_with_grad.to_bits(),
            value.to_bits(),
            "value_and_grad returns {value_with_grad:e}, value returns {value:e}"
        );

        let floor = ATOL * value.abs().max(1.0);
        worst.largest_value = worst.largest_value.max(value.abs());
        for (index, &analytic) in grad.indexed_iter() {
            let numeric = central_difference(loss, &y_true, &y_pred, index);
            let allowed = RTOL * analytic.abs().max(numeric.abs()) + floor;
            worst.record(analytic, numeric, allowed);
            assert!(
                (analytic - numeric).abs() <= allowed,
                "gradient at y_true = {}, y_pred = {}: analytic {analytic:e}, central difference {numeric:e}",
                y_true[index],
                y_pred[index],
            );
        }
    }
    println!(
        "worst gradient error: {:.3} of the tolerance (analytic {:e}, central difference {:e}); largest |value| {:e}",
        worst.ratio, worst.analytic, worst.numeric, worst.largest_value
    );
}

/// Checks that `single`, evaluated in f32, agrees with `double`, evaluated in f64, at
/// points drawn from `domain` and rounded to f32, in value and in every gradient entry.
#[track_caller]
fn check_f32<L32: Loss<f32>, L64: Loss<f64>>(single: &L32, double: &L64, domain: Domain) {
    for seed in SEEDS {
        let (y_true, y_pred) = domain.draw(seed);
        let (y_true_f32, y_pred_f32) = (y_true.mapv(|x| x as f32), y_pred.mapv(|x| x as f32));
        let (y_true, y_pred) = (y_true_f32.mapv(f64::from), y_pred_f32.mapv(f64::from));

        let (value_f32, grad_f32) = single.value_and_grad(&y_true_f32, &y_pred_f32).unwrap();
        let (value_f64, grad_f64) = double.value_and_grad(&y_true, &y_pred).unwrap();
        assert!(
            is_close(f64::from(value_f32), value_f64, F32_RTOL, F32_ATOL),
            "f32 value {value_f32:e} differs from the f64 value {value_f64:e}"
        );
        for (index, &entry) in grad_f32.indexed_iter() {
            assert!(
                is_close(f64::from(entry), grad_f64[index], F32_RTOL, F32_ATOL),
                "f32 gradient {entry:e} differs from the f64 gradient {:e} at y_true = {}, y_pred = {}",
                grad_f64[index],
                y_true[index],
                y_pred[index],
            );
        }
    }
}

/// Runs [`check_f64`] and [`check_f32`] on a loss generic over its float type.
#[track_caller]
fn check_generic<L>(loss: &L, scalar: impl Fn(f64, f64) -> f64, domain: Domain)
where
    L: Loss<f64> + Loss<f32> + ElementwiseKernel<f64>,
{
    check_f64(loss, scalar, domain);
    check_f32(loss, loss, domain);
}

/// Returns the value and the gradient of a loss at one element, through
/// `value_and_grad` on a 1 × 1 batch, whose gradient is the kernel's own derivative.
fn value_and_grad_at<L: Loss<f64>>(loss: &L, y_true: f64, y_pred: f64) -> (f64, f64) {
    let (value, grad) = loss
        .value_and_grad(&array![[y_true]], &array![[y_pred]])
        .unwrap();
    (value, grad[[0, 0]])
}

// ----- float methods ---------------------------------------------------------------

mod methods {
    use super::*;

    #[loss]
    fn ln_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.ln()
    }

    #[test]
    fn ln() {
        check_generic(&LnLoss::new(), ln_loss, POSITIVE_PRED);
    }

    /// log2, log10 and exp2, whose rules scale by ln 2 or ln 10.
    mod base_two_and_ten {
        use super::*;

        #[loss]
        fn log2_loss<T: Float>(y_true: T, y_pred: T) -> T {
            y_true * y_pred.log2()
        }

        #[test]
        fn log2() {
            check_generic(&Log2Loss::new(), log2_loss, POSITIVE_PRED);
        }

        #[loss]
        fn log10_loss<T: Float>(y_true: T, y_pred: T) -> T {
            y_true * y_pred.log10()
        }

        #[test]
        fn log10() {
            check_generic(&Log10Loss::new(), log10_loss, POSITIVE_PRED);
        }

        #[loss]
        fn exp2_loss<T: Float>(y_true: T, y_pred: T) -> T {
            y_true * y_pred.exp2()
        }

        #[test]
        fn exp2() {
            check_generic(&Exp2Loss::new(), exp2_loss, ANY);
        }
    }

    #[loss]
    fn exp_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.exp()
    }

    #[test]
    fn exp() {
        check_generic(&ExpLoss::new(), exp_loss, ANY);
    }

    #[loss]
    fn sqrt_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.sqrt()
    }

    #[test]
    fn sqrt() {
        check_generic(&SqrtLoss::new(), sqrt_loss, POSITIVE_PRED);
    }

    #[loss]
    fn cbrt_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.cbrt()
    }

    #[test]
    fn cbrt() {
        check_generic(&CbrtLoss::new(), cbrt_loss, POSITIVE_PRED);
        check_generic(
            &CbrtLoss::new(),
            cbrt_loss,
            Domain::new((-2.0, 2.0), (-3.0, -0.2)),
        );
    }

    #[loss]
    fn powi_zero<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.powi(0) * (y_pred - y_true)
    }

    #[test]
    fn powi_exponent_zero() {
        check_generic(&PowiZero::new(), powi_zero, ANY);
    }

    #[loss]
    fn powi_one<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.powi(1)
    }

    #[test]
    fn powi_exponent_one() {
        check_generic(&PowiOne::new(), powi_one, ANY);
    }

    #[loss]
    fn powi_two<T: Float>(y_true: T, y_pred: T) -> T {
        (y_pred - y_true).powi(2)
    }

    #[test]
    fn powi_exponent_two() {
        check_generic(&PowiTwo::new(), powi_two, ANY);
    }

    #[loss]
    fn powi_three<T: Float>(y_true: T, y_pred: T) -> T {
        (y_pred - y_true).powi(3)
    }

    #[test]
    fn powi_exponent_three() {
        check_generic(&PowiThree::new(), powi_three, ANY);
    }

    #[loss]
    fn powi_minus_two<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.powi(-2)
    }

    #[test]
    fn powi_exponent_minus_two() {
        check_generic(&PowiMinusTwo::new(), powi_minus_two, POSITIVE_PRED);
        check_generic(
            &PowiMinusTwo::new(),
            powi_minus_two,
            Domain::new((-2.0, 2.0), (-3.0, -0.2)),
        );
    }

    #[loss]
    fn powf_per_sample_exponent<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.powf(y_true)
    }

    #[test]
    fn powf_varying_exponent() {
        check_generic(
            &PowfPerSampleExponent::new(),
            powf_per_sample_exponent,
            POSITIVE_PRED,
        );
    }

    #[loss]
    fn powf_hyper_exponent<T: Float>(y_true: T, y_pred: T, exponent: T) -> T {
        y_true * y_pred.powf(exponent)
    }

    #[test]
    fn powf_uniform_exponent() {
        for exponent in [1.7, -0.5, 3.0] {
            let loss = PowfHyperExponent::new(exponent);
            check_generic(
                &loss,
                |t, p| powf_hyper_exponent(t, p, exponent),
                POSITIVE_PRED,
            );
        }
    }

    #[loss]
    fn powf_literal_exponent<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.powf(1.5)
    }

    #[test]
    fn powf_literal_exponent_gradient() {
        check_generic(
            &PowfLiteralExponent::new(),
            powf_literal_exponent,
            POSITIVE_PRED,
        );
    }

    #[loss]
    fn powf_self_exponent<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.powf(y_pred)
    }

    #[test]
    fn powf_exponent_is_y_pred() {
        check_generic(&PowfSelfExponent::new(), powf_self_exponent, POSITIVE_PRED);
    }

    #[loss]
    fn powf_y_true_base<T: Float>(y_true: T, y_pred: T) -> T {
        y_true.powf(y_pred * y_pred)
    }

    #[test]
    fn powf_exponent_depends_on_y_pred() {
        check_generic(
            &PowfYTrueBase::new(),
            powf_y_true_base,
            Domain::new((0.2, 3.0), (-1.5, 1.5)),
        );
    }

    #[loss]
    fn powf_hyper_base<T: Float>(y_true: T, y_pred: T, base: T) -> T {
        y_true * base.powf(y_pred)
    }

    #[test]
    fn powf_uniform_base() {
        let loss = PowfHyperBase::new(2.5);
        check_generic(&loss, |t, p| powf_hyper_base(t, p, 2.5), ANY);
    }

    #[loss]
    fn abs_loss<T: Float>(y_true: T, y_pred: T) -> T {
        (y_pred - y_true).abs() + y_pred.abs() * y_true
    }

    #[test]
    fn abs() {
        check_generic(&AbsLoss::new(), abs_loss, ANY);
    }

    #[loss]
    fn max_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.max(y_true) + (y_pred * y_pred).max(0.5) + y_true.max(y_pred * 2.0)
    }

    #[test]
    fn max() {
        check_generic(&MaxLoss::new(), max_loss, ANY);
    }

    #[loss]
    fn min_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.min(y_true) + (y_pred * y_pred).min(0.5) + y_true.min(y_pred * 2.0)
    }

    #[test]
    fn min() {
        check_generic(&MinLoss::new(), min_loss, ANY);
    }

    #[loss]
    fn clamp_literal_bounds<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.clamp(-1.0, 1.0)
    }

    #[test]
    fn clamp_to_literals() {
        check_generic(&ClampLiteralBounds::new(), clamp_literal_bounds, ANY);
    }

    #[loss]
    fn clamp_bounds_from_y_pred<T: Float>(y_true: T, y_pred: T) -> T {
        y_true.clamp(y_pred - 0.5, y_pred + 0.5) * y_true + y_pred.clamp(y_true, y_true + 1.0)
    }

    #[test]
    fn clamp_to_varying_bounds() {
        check_generic(&ClampBoundsFromYPred::new(), clamp_bounds_from_y_pred, ANY);
    }

    #[loss]
    fn clamp_hyper_bounds<T: Float>(y_true: T, y_pred: T, low: T, high: T) -> T {
        y_true * y_pred.clamp(low, high)
    }

    #[test]
    fn clamp_to_uniform_bounds() {
        let loss = ClampHyperBounds::new(-0.5, 1.5);
        check_generic(&loss, |t, p| clamp_hyper_bounds(t, p, -0.5, 1.5), ANY);
    }

    #[loss]
    fn tanh_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.tanh()
    }

    #[test]
    fn tanh() {
        check_generic(&TanhLoss::new(), tanh_loss, ANY);
    }

    #[loss]
    fn sinh_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.sinh()
    }

    #[test]
    fn sinh() {
        check_generic(&SinhLoss::new(), sinh_loss, ANY);
    }

    #[loss]
    fn cosh_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.cosh()
    }

    #[test]
    fn cosh() {
        check_generic(&CoshLoss::new(), cosh_loss, ANY);
    }

    #[loss]
    fn sin_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * (y_pred * 3.0).sin()
    }

    #[test]
    fn sin() {
        check_generic(&SinLoss::new(), sin_loss, ANY);
    }

    #[loss]
    fn cos_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * (y_pred * 3.0).cos()
    }

    #[test]
    fn cos() {
        check_generic(&CosLoss::new(), cos_loss, ANY);
    }

    #[loss]
    fn ln_1p_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.ln_1p()
    }

    #[test]
    fn ln_1p() {
        check_generic(
            &Ln1pLoss::new(),
            ln_1p_loss,
            Domain::new((-2.0, 2.0), (-0.8, 3.0)),
        );
    }

    #[loss]
    fn exp_m1_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.exp_m1()
    }

    #[test]
    fn exp_m1() {
        check_generic(&ExpM1Loss::new(), exp_m1_loss, ANY);
    }

    #[loss]
    fn signum_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.signum() * y_pred * y_true
    }

    /// d/dp (signum(p) p t) = signum(p) t: signum itself contributes nothing.
    #[test]
    fn signum() {
        check_generic(&SignumLoss::new(), signum_loss, ANY);
    }

    #[loss]
    fn recip_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.recip()
    }

    #[test]
    fn recip() {
        check_generic(&RecipLoss::new(), recip_loss, POSITIVE_PRED);
    }

    #[loss]
    fn hypot_loss<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.hypot(y_true) + y_pred.hypot(y_pred) + (y_pred * y_true).hypot(2.0)
    }

    #[test]
    fn hypot() {
        check_generic(&HypotLoss::new(), hypot_loss, ANY);
    }

    #[loss]
    fn negations<T: Float>(y_true: T, y_pred: T) -> T {
        -y_pred * y_true + -(y_pred - y_true).powi(2) - (-y_pred.exp()) + -(-y_pred)
    }

    #[test]
    fn unary_minus() {
        check_generic(&Negations::new(), negations, ANY);
    }

    #[loss]
    fn literal_arithmetic<T: Float>(y_true: T, y_pred: T) -> T {
        2.0 * y_pred + y_pred * 3.0 - 1.5 / y_pred + y_pred / 4.0 - (0.5 - y_pred)
            + (y_pred + 0.25)
            + (1.0 - y_true) * y_pred
    }

    #[test]
    fn literals_on_either_side() {
        check_generic(&LiteralArithmetic::new(), literal_arithmetic, POSITIVE_PRED);
    }

    #[loss]
    fn parenthesised<T: Float>(y_true: T, y_pred: T) -> T {
        ((y_pred - y_true) * (y_pred + (y_true * 2.0))) / (1.0 + (y_pred * y_pred))
    }

    #[test]
    fn parentheses() {
        check_generic(&Parenthesised::new(), parenthesised, ANY);
    }

    #[loss]
    #[allow(
        clippy::eq_op,
        reason = "the loss tests a difference of a node with itself"
    )]
    fn same_operand_twice<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred * y_pred + y_pred / (y_pred + 3.0) - (y_pred - y_pred) * y_true
    }

    /// One node read by both operands of a product, a quotient and a difference.
    #[test]
    fn operand_used_twice() {
        check_generic(&SameOperandTwice::new(), same_operand_twice, POSITIVE_PRED);
    }

    #[loss]
    fn constant_result<T: Float>(y_true: T, y_pred: T) -> T {
        let product = y_pred * y_true;
        1.5 + product * 0.0
    }

    /// A result that is 0 × f(y_pred) has gradient 0 but is still differentiated.
    #[test]
    fn result_times_zero() {
        check_generic(&ConstantResult::new(), constant_result, ANY);
    }

    #[loss]
    fn uniform_methods<T: Float>(y_true: T, y_pred: T, a: T, b: T) -> T {
        let logs = a.ln() + a.log2() + a.log10() + a.ln_1p();
        let exps = a.exp() + a.exp2() + a.exp_m1();
        let roots = a.sqrt() + a.cbrt() + a.recip() + a.hypot(b);
        let powers = a.powi(3) + a.powi(-2) + a.powf(b) + b.powf(a);
        let picks = a.abs() + a.max(b) + a.min(b) + b.clamp(-0.5, a) + (-b).signum();
        let trig = a.tanh() + a.sinh() + a.cosh() + a.sin() + a.cos();
        let scale = -(logs + exps + roots) / (powers - picks) * trig;
        y_pred * scale + (y_pred - y_true) * (2.0 - a) / b
    }

    /// Every method applied to hyper-parameters, which the macro computes once in the
    /// scalar type instead of per sample.
    #[test]
    fn uniform_receivers() {
        let loss = UniformMethods::new(0.7, 1.3);
        check_generic(&loss, |t, p| uniform_methods(t, p, 0.7, 1.3), ANY);
    }

    #[loss]
    fn method_chain<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred
            .abs()
            .sqrt()
            .ln_1p()
            .powi(2)
            .max(y_true.abs().cbrt())
            .tanh()
    }

    #[test]
    fn chained_methods() {
        check_generic(&MethodChain::new(), method_chain, ANY);
    }

    #[loss]
    fn powf_negative_base<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred.powf(3.0) + (y_pred - 5.0).powf(2.0)
    }

    /// A negative base with an integral exponent has a real power and derivative.
    #[test]
    fn powf_of_negative_base() {
        check_generic(&PowfNegativeBase::new(), powf_negative_base, ANY);
    }

    #[loss]
    fn uniform_on_either_side<T: Float>(y_true: T, y_pred: T, scale: T) -> T {
        (scale - y_pred) * y_true + scale / (y_pred * y_pred + 1.0) + y_pred / scale
            - -scale * y_pred
    }

    #[test]
    fn hyper_parameter_on_either_side() {
        let loss = UniformOnEitherSide::new(-1.75);
        check_generic(&loss, |t, p| uniform_on_either_side(t, p, -1.75), ANY);
    }
}

// ----- constants -----------------------------------------------------------------

mod constants {
    use super::*;

    #[loss]
    fn std_constants(y_true: f64, y_pred: f64) -> f64 {
        let scale = std::f64::consts::PI + std::f64::consts::TAU + std::f64::consts::E;
        let logs = std::f64::consts::LN_2
            + std::f64::consts::LN_10
            + std::f64::consts::LOG2_E
            + std::f64::consts::LOG10_E;
        let roots = std::f64::consts::SQRT_2
            + std::f64::consts::FRAC_1_SQRT_2
            + std::f64::consts::FRAC_2_SQRT_PI;
        let fractions = std::f64::consts::FRAC_1_PI + std::f64::consts::FRAC_PI_2;
        y_true * y_pred * scale + logs * y_pred.powi(2) + roots / y_pred + fractions
    }

    #[test]
    fn every_supported_constant() {
        check_f64(&StdConstants::new(), std_constants, POSITIVE_PRED);
    }

    #[loss]
    fn core_constant_paths(y_true: f64, y_pred: f64) -> f64 {
        y_true * y_pred * core::f64::consts::PI + y_pred * ::core::f64::consts::LN_2
    }

    #[test]
    fn core_and_absolute_paths() {
        check_f64(&CoreConstantPaths::new(), core_constant_paths, ANY);
    }

    #[loss]
    fn f32_constants(y_true: f32, y_pred: f32) -> f32 {
        y_true * y_pred * std::f32::consts::PI + y_pred.powi(2) * std::f32::consts::LN_2
            - std::f32::consts::SQRT_2 * y_true
    }

    /// The f32 constants are the nearest f32 values, not rounded twice through f64.
    #[test]
    fn f32_constants_match_original() {
        let loss = F32Constants::new();
        for (t, p) in [(0.3f32, 1.7f32), (-1.25, 0.5), (2.0, -3.0)] {
            let forward = <F32Constants as ElementwiseKernel<f32>>::forward::<f32>(&loss, t, p);
            assert_eq!(forward, f32_constants(t, p));
        }
    }

    #[loss]
    fn generic_constants<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * y_pred * std::f64::consts::PI + y_pred.powi(2) * core::f64::consts::LN_2
    }

    /// A generic function converts the f64 constants with `NumCast`, as its literals.
    #[test]
    fn constants_in_generic_loss() {
        check_generic(&GenericConstants::new(), generic_constants, ANY);
    }

    #[loss]
    fn generic_f32_constant<T: Float>(y_true: T, y_pred: T) -> T {
        y_true + y_pred * std::f32::consts::PI
    }

    /// In f64 the original function multiplies by the f32 value of π widened to f64.
    #[test]
    fn f32_constant_path_in_generic_loss() {
        let loss = GenericF32Constant::new();
        let forward =
            <GenericF32Constant as ElementwiseKernel<f64>>::forward::<f64>(&loss, 0.0, 1.0);
        assert_eq!(
            generic_f32_constant(0.0, 1.0),
            f64::from(std::f32::consts::PI)
        );
        assert_eq!(forward, generic_f32_constant(0.0, 1.0));
    }
}

// ----- bindings and blocks ----------------------------------------------------------

mod bindings {
    use super::*;

    #[loss]
    fn shadowed<T: Float>(y_true: T, y_pred: T) -> T {
        let d = y_pred - y_true;
        let d = d * d;
        let d = d + y_pred.sin();
        d * y_pred
    }

    #[test]
    fn let_shadowing() {
        check_generic(&Shadowed::new(), shadowed, ANY);
    }

    #[loss]
    #[allow(
        clippy::let_and_return,
        reason = "the loss tests a block that ends in its own binding"
    )]
    fn nested_blocks<T: Float>(y_true: T, y_pred: T) -> T {
        let x = y_pred * 2.0;
        let inner = {
            let x = x + y_true;
            let squared = {
                let y = x * x;
                y
            };
            squared - x
        };
        // `x` is the outer binding again: the block's `x` went out of scope.
        inner + x * y_pred
    }

    #[test]
    fn nested_block_scopes() {
        check_generic(&NestedBlocks::new(), nested_blocks, ANY);
    }

    #[loss]
    fn typed_lets<T: Float>(y_true: T, y_pred: T) -> T {
        let base: T = 2.0;
        let above: bool = y_pred > y_true;
        if above {
            base.powf(y_pred)
        } else {
            y_pred * base
        }
    }

    #[test]
    fn annotated_let() {
        check_generic(&TypedLets::new(), typed_lets, ANY);
    }

    #[loss]
    fn literal_receiver(y_true: f64, y_pred: f64) -> f64 {
        y_true * 2.0_f64.powf(y_pred) + 1_000.5_f64 * y_pred * 1e-3
    }

    /// A suffixed literal as a method receiver, and digits with separators.
    #[test]
    fn suffixed_literals() {
        check_f64(&LiteralReceiver::new(), literal_receiver, ANY);
    }
}

// ----- branches ----------------------------------------------------------------------

mod branches {
    use super::*;

    #[loss]
    fn piecewise<T: Float>(y_true: T, y_pred: T) -> T {
        let e = y_pred - y_true;
        if e < -1.0 {
            -2.0 * e - 1.0
        } else if e < 1.0 {
            e * e
        } else {
            2.0 * e - 1.0 + y_pred.sin()
        }
    }

    #[test]
    fn else_if_chain_on_y_pred() {
        check_generic(
            &Piecewise::new(),
            piecewise,
            Domain::new((-1.0, 1.0), (-3.0, 3.0)),
        );
    }

    #[loss]
    fn by_target<T: Float>(y_true: T, y_pred: T) -> T {
        if y_true > 0.5 {
            -y_pred.ln()
        } else {
            -(1.0 - y_pred).ln()
        }
    }

    #[test]
    fn condition_on_y_true() {
        check_generic(&ByTarget::new(), by_target, UNIT_PRED);
    }

    #[loss]
    #[allow(
        clippy::neg_cmp_op_on_partial_ord,
        reason = "the loss tests `!` on a comparison"
    )]
    fn logical<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > 0.0 && y_true > 0.0 {
            y_pred * y_true
        } else if !(y_pred > -1.0) || y_true < -1.0 {
            y_pred.powi(2)
        } else {
            y_pred.exp()
        }
    }

    #[test]
    fn and_or_not() {
        check_generic(&Logical::new(), logical, ANY);
    }

    #[loss]
    fn bool_bindings<T: Float>(y_true: T, y_pred: T) -> T {
        let positive = y_true > 0.0;
        let large = y_pred.abs() > 1.0;
        let both = positive && !large;
        if both {
            y_pred.powi(3)
        } else {
            y_pred * y_true
        }
    }

    #[test]
    fn conditions_bound_with_let() {
        check_generic(&BoolBindings::new(), bool_bindings, ANY);
    }

    #[loss]
    fn nested_per_sample<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > 0.0 {
            if y_true > 0.0 {
                y_pred.ln() * y_true
            } else {
                y_pred.sqrt()
            }
        } else {
            let shifted = y_pred - 1.0;
            if y_true > 0.0 {
                shifted.exp()
            } else {
                -shifted
            }
        }
    }

    #[test]
    fn per_sample_inside_per_sample() {
        check_generic(&NestedPerSample::new(), nested_per_sample, ANY);
    }

    #[loss]
    fn switched<T: Float>(y_true: T, y_pred: T, squared: bool) -> T {
        let d = y_pred - y_true;
        if squared { d * d } else { d.abs() }
    }

    #[test]
    fn uniform_on_bool() {
        for squared in [true, false] {
            check_generic(&Switched::new(squared), |t, p| switched(t, p, squared), ANY);
        }
    }

    #[loss]
    fn by_delta<T: Float>(y_true: T, y_pred: T, delta: T) -> T {
        let d = y_pred - y_true;
        if delta > 1.0 {
            d * d * delta
        } else if delta == 0.0 {
            d.exp()
        } else {
            (d * delta).sin()
        }
    }

    #[test]
    fn uniform_on_float_comparison() {
        for delta in [2.0, 0.0, 0.5] {
            check_generic(&ByDelta::new(delta), |t, p| by_delta(t, p, delta), ANY);
        }
    }

    #[loss]
    fn uniform_in_arm<T: Float>(y_true: T, y_pred: T, log_scale: bool, slope: T) -> T {
        if y_pred > 0.0 {
            if log_scale {
                y_pred.ln_1p() * y_true
            } else {
                y_pred * y_pred
            }
        } else {
            y_pred * slope
        }
    }

    #[test]
    fn uniform_inside_per_sample() {
        for log_scale in [true, false] {
            let loss = UniformInArm::new(log_scale, 0.3);
            check_generic(&loss, |t, p| uniform_in_arm(t, p, log_scale, 0.3), ANY);
        }
    }

    #[loss]
    fn per_sample_in_arm<T: Float>(y_true: T, y_pred: T, symmetric: bool) -> T {
        let d = y_pred - y_true;
        if symmetric {
            if d > 0.0 { d.powi(2) } else { d * d }
        } else {
            let scaled = d * 2.0;
            if scaled > 0.0 { scaled.exp() } else { -scaled }
        }
    }

    #[test]
    fn per_sample_inside_uniform() {
        for symmetric in [true, false] {
            check_generic(
                &PerSampleInArm::new(symmetric),
                |t, p| per_sample_in_arm(t, p, symmetric),
                ANY,
            );
        }
    }

    #[loss]
    fn mixed_condition<T: Float>(y_true: T, y_pred: T, enabled: bool, threshold: T) -> T {
        if enabled && y_pred > threshold {
            y_pred.powi(2) * y_true
        } else if y_true < threshold || !enabled {
            y_pred.tanh()
        } else {
            y_pred
        }
    }

    /// Conditions that combine a hyper-parameter with per-sample values are per-sample.
    #[test]
    fn uniform_and_per_sample_in_one_condition() {
        for enabled in [true, false] {
            let loss = MixedCondition::new(enabled, 0.25);
            check_generic(&loss, |t, p| mixed_condition(t, p, enabled, 0.25), ANY);
        }
    }

    #[loss]
    fn sequential_uniform<T: Float>(y_true: T, y_pred: T, first: bool, second: bool) -> T {
        let a = if first { y_pred * 2.0 } else { y_pred.exp() };
        let b = if second {
            y_pred.sin() * y_true
        } else {
            a * y_pred
        };
        a + b + y_pred
    }

    /// Two uniform branches that both add to the adjoints of `y_pred` and `a`.
    #[test]
    fn uniform_ifs_in_sequence() {
        for (first, second) in [(true, true), (true, false), (false, true), (false, false)] {
            let loss = SequentialUniform::new(first, second);
            check_generic(&loss, |t, p| sequential_uniform(t, p, first, second), ANY);
        }
    }

    #[loss]
    fn nested_uniform<T: Float>(y_true: T, y_pred: T, outer: bool, inner: bool, scale: T) -> T {
        let d = y_pred - y_true;
        if outer {
            let e = d * scale;
            if inner { e * e } else { e.exp() + d }
        } else if scale > 1.0 {
            d.abs()
        } else {
            d * y_pred
        }
    }

    #[test]
    fn uniform_inside_uniform() {
        for (outer, inner, scale) in [
            (true, true, 0.5),
            (true, false, 0.5),
            (false, true, 2.0),
            (false, false, 0.5),
        ] {
            let loss = NestedUniform::new(outer, inner, scale);
            check_generic(&loss, |t, p| nested_uniform(t, p, outer, inner, scale), ANY);
        }
    }

    #[loss]
    fn arm_is_outer_value<T: Float>(y_true: T, y_pred: T, identity: bool) -> T {
        let squared = y_pred * y_pred;
        let picked = if identity { y_pred } else { squared };
        let constant_arm = if identity { 1.0 } else { y_pred.exp() };
        picked * y_true + constant_arm
    }

    /// Uniform arms that are an earlier value, a parameter or a literal.
    #[test]
    fn uniform_arm_without_own_statements() {
        for identity in [true, false] {
            let loss = ArmIsOuterValue::new(identity);
            check_generic(&loss, |t, p| arm_is_outer_value(t, p, identity), ANY);
        }
    }

    #[loss]
    fn uniform_value_arms<T: Float>(y_true: T, y_pred: T, flag: bool, weight: T) -> T {
        let w = if flag { weight } else { 2.0 };
        let per_target = if y_true > 0.0 { w } else { 1.0 };
        per_target * y_pred.powi(2)
    }

    /// Branches whose arms are uniform values, selected per sample afterwards.
    #[test]
    fn branches_on_uniform_values() {
        for flag in [true, false] {
            let loss = UniformValueArms::new(flag, 0.75);
            check_generic(&loss, |t, p| uniform_value_arms(t, p, flag, 0.75), ANY);
        }
    }

    #[loss]
    fn six_comparisons<T: Float>(y_true: T, y_pred: T, level: T) -> T {
        let a = if y_pred < y_true {
            y_pred
        } else {
            2.0 * y_pred
        };
        let b = if y_pred <= level { a.sin() } else { a * a };
        let c = if y_pred > 1.0 { b + y_pred } else { b - y_pred };
        let d = if y_true >= y_pred { c.exp() } else { c };
        let e = if y_pred == level { d * 100.0 } else { d };
        if y_pred != y_true { e } else { -e }
    }

    #[test]
    fn every_comparison_per_sample() {
        let loss = SixComparisons::new(0.5);
        check_generic(&loss, |t, p| six_comparisons(t, p, 0.5), ANY);
    }

    /// At y_pred = level = 0.5 and y_true = 0 the `==` arm is taken:
    /// a = 2p, b = sin a, c = b - p, e = 100 c, so de/dp = 100 (2 cos 1 - 1).
    #[test]
    fn equality_arm_taken_at_equality() {
        let (value, grad) = value_and_grad_at(&SixComparisons::new(0.5), 0.0, 0.5);
        assert_eq!(value, (1.0f64.sin() - 0.5) * 100.0);
        assert!(
            is_close(grad, 100.0 * (2.0 * 1.0f64.cos() - 1.0), 1e-14, 0.0),
            "{grad}"
        );
    }

    #[loss]
    fn uniform_comparisons<T: Float>(y_true: T, y_pred: T, level: T) -> T {
        let d = y_pred - y_true;
        let a = if level < 0.0 { d } else { d * 2.0 };
        let b = if level <= 1.0 { a.sin() } else { a };
        let c = if level > 2.0 { b * b } else { b + d };
        let e = if level >= 3.0 || level == 0.5 {
            c.exp()
        } else {
            c
        };
        if level != 1.0 && !(level == 2.0) {
            e * level
        } else {
            -e
        }
    }

    #[test]
    fn every_comparison_uniform() {
        for level in [-1.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0] {
            let loss = UniformComparisons::new(level);
            let small = Domain::new((-0.5, 0.5), (-0.5, 0.5));
            check_generic(&loss, |t, p| uniform_comparisons(t, p, level), small);
        }
    }

    #[differentiable]
    fn soft_relu<T: Float>(x: T) -> T {
        x.max(0.0) + (-x.abs()).exp().ln_1p()
    }

    #[loss]
    fn deep_nesting<T: Float>(y_true: T, y_pred: T, outer: bool, inner: bool, scale: T) -> T {
        let d = y_pred - y_true;
        let first = if d > 0.0 {
            let u = if outer {
                let v = if y_true > 0.0 {
                    d.powi(2)
                } else {
                    soft_relu(d * scale)
                };
                if inner { v * scale } else { v + d }
            } else {
                d.exp()
            };
            u + d
        } else if scale > 1.0 {
            if y_pred < -1.0 {
                (-d).sqrt()
            } else {
                d * d * 0.5
            }
        } else {
            let w = if inner { soft_relu(y_pred) } else { y_pred };
            if w > 0.5 { w.ln() } else { d.abs() }
        };
        first * y_true + first
    }

    /// Per-sample and uniform branches nested three deep in both orders, with helper
    /// calls and arms that are NaN off their domain (sqrt and ln).
    #[test]
    fn mixed_nesting() {
        for (outer, inner, scale) in [
            (true, true, 0.5),
            (true, false, 2.0),
            (false, true, 0.5),
            (false, false, 2.0),
        ] {
            let loss = DeepNesting::new(outer, inner, scale);
            check_generic(
                &loss,
                |t, p| deep_nesting(t, p, outer, inner, scale),
                Domain::new((-2.0, 2.0), (-3.0, 3.0)),
            );
        }
    }

    #[loss]
    fn helper_conditions<T: Float>(y_true: T, y_pred: T, alpha: T) -> T {
        let s = soft_relu(y_pred);
        let by_sample = if s > 1.0 { s * y_true } else { s.ln() };
        let by_alpha = if soft_relu(alpha) > 1.0 {
            y_pred * 2.0
        } else {
            y_pred.sin()
        };
        by_sample + by_alpha + soft_relu(soft_relu(y_pred)) + soft_relu(y_pred).ln()
    }

    /// A helper's result as a per-sample condition, and a helper of a hyper-parameter
    /// as a uniform condition.
    #[test]
    fn helper_results_as_conditions() {
        for alpha in [-2.0, 2.0] {
            let loss = HelperConditions::new(alpha);
            check_generic(&loss, |t, p| helper_conditions(t, p, alpha), ANY);
        }
    }

    #[loss]
    fn step<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > y_true { 1.0 } else { -1.0 }
    }

    /// A select between literals does not depend on y_pred between its jumps.
    #[test]
    fn select_of_constants_is_flat() {
        check_generic(&Step::new(), step, ANY);
        assert_eq!(value_and_grad_at(&Step::new(), 0.0, 1.0), (1.0, 0.0));
        assert_eq!(value_and_grad_at(&Step::new(), 0.0, 0.0), (-1.0, 0.0));
    }
}

// ----- #[differentiable] helpers ------------------------------------------------------

mod helpers {
    use super::*;

    #[differentiable]
    fn softplus<T: Float>(x: T) -> T {
        x.max(0.0) + (-x.abs()).exp().ln_1p()
    }

    #[differentiable]
    fn log_sigmoid<T: Float>(x: T) -> T {
        -softplus(-x)
    }

    #[differentiable]
    fn logistic_f64(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[differentiable]
    fn logistic_f32(x: f32) -> f32 {
        1.0 / (1.0 + (-x).exp())
    }

    #[differentiable]
    fn leaky_relu<T: Float>(x: T, leaky: bool) -> T {
        if leaky { x.max(0.1 * x) } else { x.max(0.0) }
    }

    #[differentiable]
    fn weighted_gap<T: Float>(a: T, b: T) -> T {
        (a - b) * (a + 2.0 * b)
    }

    #[differentiable]
    fn smooth_abs<T: Float>(x: T, width: T) -> T {
        if x.abs() < width {
            0.5 * x * x / width
        } else {
            x.abs() - 0.5 * width
        }
    }

    pub mod activations {
        use super::*;

        #[differentiable]
        pub fn swish<T: Float>(x: T) -> T {
            x / (1.0 + (-x).exp())
        }
    }

    #[loss]
    fn softplus_loss<T: Float>(y_true: T, y_pred: T) -> T {
        softplus(y_pred) * y_true
    }

    #[test]
    fn generic_helper() {
        check_generic(
            &SoftplusLoss::new(),
            softplus_loss,
            Domain::new((-2.0, 2.0), (-4.0, 4.0)),
        );
    }

    #[loss]
    fn logits_bce<T: Float>(y_true: T, y_pred: T) -> T {
        -(y_true * log_sigmoid(y_pred) + (1.0 - y_true) * log_sigmoid(-y_pred))
    }

    #[test]
    fn helper_calling_helper() {
        check_generic(
            &LogitsBce::new(),
            logits_bce,
            Domain::new((0.0, 1.0), (-4.0, 4.0)),
        );
    }

    #[loss]
    fn logistic_loss_f64(y_true: f64, y_pred: f64) -> f64 {
        (logistic_f64(y_pred) - y_true).powi(2)
    }

    #[loss]
    fn logistic_loss_f32(y_true: f32, y_pred: f32) -> f32 {
        (logistic_f32(y_pred) - y_true).powi(2)
    }

    #[test]
    fn concrete_helpers() {
        let domain = Domain::new((0.0, 1.0), (-3.0, 3.0));
        check_f64(&LogisticLossF64::new(), logistic_loss_f64, domain);
        check_f32(&LogisticLossF32::new(), &LogisticLossF64::new(), domain);
    }

    #[loss]
    fn leaky_loss<T: Float>(y_true: T, y_pred: T, slope: T, leaky: bool) -> T {
        (y_pred - y_true) * leaky_relu(slope, leaky) + y_pred * leaky_relu(-1.5, true)
    }

    /// The helper is called with uniform arguments only. A call with `y_pred` as the
    /// float argument does not compile yet: tests/ui/pending/helper_bool_parameter.rs.
    #[test]
    fn helper_with_bool_parameter() {
        for (slope, leaky) in [(-2.0, true), (-2.0, false), (0.5, true)] {
            let loss = LeakyLoss::new(slope, leaky);
            check_generic(&loss, |t, p| leaky_loss(t, p, slope, leaky), ANY);
        }
    }

    #[loss]
    fn two_float_arguments<T: Float>(y_true: T, y_pred: T) -> T {
        weighted_gap(y_pred, y_true)
            + weighted_gap(y_true, y_pred) * 0.5
            + weighted_gap(y_pred, y_pred * y_pred)
    }

    /// `y_pred` as first argument, as second argument and as both.
    #[test]
    fn helper_with_two_float_parameters() {
        check_generic(&TwoFloatArguments::new(), two_float_arguments, ANY);
    }

    #[loss]
    fn uniform_call<T: Float>(y_true: T, y_pred: T, temperature: T) -> T {
        (y_pred - y_true) * softplus(temperature)
            + y_pred * softplus(0.5)
            + softplus(y_true) * y_pred
    }

    /// `softplus` of a hyper-parameter, of a literal and of `y_true` only: none of them
    /// depends on `y_pred`.
    #[test]
    fn helper_without_y_pred() {
        let loss = UniformCall::new(-0.7);
        check_generic(&loss, |t, p| uniform_call(t, p, -0.7), ANY);
    }

    #[loss]
    fn huber_by_helper<T: Float>(y_true: T, y_pred: T, delta: T) -> T {
        smooth_abs(y_pred - y_true, delta)
    }

    /// A helper with a per-sample branch on its arguments, one of them a hyper-parameter.
    #[test]
    fn helper_with_per_sample_branch() {
        let loss = HuberByHelper::new(0.8);
        check_generic(&loss, |t, p| huber_by_helper(t, p, 0.8), ANY);
    }

    #[loss]
    fn swish_by_path<T: Float>(y_true: T, y_pred: T) -> T {
        activations::swish(y_pred) - y_true * y_pred
    }

    #[test]
    fn helper_called_by_module_path() {
        check_generic(&SwishByPath::new(), swish_by_path, ANY);
    }

    #[test]
    fn helpers_stay_callable() {
        assert!(is_close(
            softplus(0.0f64),
            std::f64::consts::LN_2,
            1e-15,
            0.0
        ));
        assert!(is_close(
            f64::from(log_sigmoid(0.0f32)),
            -f64::from(std::f32::consts::LN_2),
            1e-7,
            0.0
        ));
        assert_eq!(logistic_f64(0.0), 0.5);
        assert_eq!(leaky_relu(-2.0f64, true), -0.2);
        assert_eq!(weighted_gap(3.0f64, 1.0), 10.0);
    }

    #[differentiable]
    #[allow(unused_variables, reason = "the helper ignores its second argument")]
    fn ignores_second<T: Float>(a: T, b: T) -> T {
        a * 2.0
    }

    #[loss]
    fn ignored_argument<T: Float>(y_true: T, y_pred: T) -> T {
        ignores_second(y_pred, y_true) + ignores_second(y_true, y_pred) * y_pred
    }

    /// A float parameter the helper does not read gets a zero adjoint.
    #[test]
    fn helper_ignoring_an_argument() {
        check_generic(&IgnoredArgument::new(), ignored_argument, ANY);
    }

    #[differentiable]
    fn bce_from_logit<T: Float>(logit: T, target: T) -> T {
        -(target * log_sigmoid(logit) + (1.0 - target) * log_sigmoid(-logit))
    }

    #[loss]
    fn three_level_chain<T: Float>(y_true: T, y_pred: T) -> T {
        bce_from_logit(y_pred, y_true)
    }

    /// bce_from_logit calls log_sigmoid, which calls softplus.
    #[test]
    fn helper_chain_three_deep() {
        check_generic(
            &ThreeLevelChain::new(),
            three_level_chain,
            Domain::new((0.0, 1.0), (-4.0, 4.0)),
        );
        check_generic(
            &ThreeLevelChain::new(),
            logits_bce,
            Domain::new((0.0, 1.0), (-4.0, 4.0)),
        );
    }

    #[loss]
    fn nested_calls<T: Float>(y_true: T, y_pred: T) -> T {
        softplus(softplus(y_pred) - y_true) + softplus(y_pred).ln() * y_true
    }

    /// A helper's result as another call's argument and as a method receiver.
    #[test]
    fn helper_results_as_arguments() {
        check_generic(&NestedCalls::new(), nested_calls, ANY);
    }
}

// ----- signatures ------------------------------------------------------------------------

mod signatures {
    use super::*;

    #[loss]
    fn concrete_f64(y_true: f64, y_pred: f64, scale: f64) -> f64 {
        let d = y_pred - y_true;
        d * d * scale + d.sin()
    }

    #[loss]
    fn concrete_f32(y_true: f32, y_pred: f32, scale: f32) -> f32 {
        let d = y_pred - y_true;
        d * d * scale + d.sin()
    }

    #[test]
    fn concrete_float_types() {
        check_f64(&ConcreteF64::new(1.5), |t, p| concrete_f64(t, p, 1.5), ANY);
        check_f32(&ConcreteF32::new(1.5), &ConcreteF64::new(1.5), ANY);
    }

    #[loss]
    fn where_clause<T>(y_true: T, y_pred: T, weight: T) -> T
    where
        T: Float,
    {
        weight * (y_pred - y_true).powi(2)
    }

    #[test]
    fn float_bound_in_where_clause() {
        check_generic(&WhereClause::new(0.5), |t, p| where_clause(t, p, 0.5), ANY);
    }

    #[loss]
    fn other_type_parameter_name<F: Float + std::fmt::Debug>(y_true: F, y_pred: F) -> F {
        (y_pred - y_true).powi(2)
    }

    #[test]
    fn generic_named_other_than_t() {
        check_generic(
            &OtherTypeParameterName::new(),
            other_type_parameter_name,
            ANY,
        );
    }

    #[loss]
    #[allow(
        clippy::needless_return,
        reason = "the loss tests `return` as the last statement"
    )]
    fn return_tail<T: Float>(y_true: T, y_pred: T) -> T {
        let d = y_pred - y_true;
        return d * d.abs();
    }

    #[test]
    fn return_as_last_statement() {
        check_generic(&ReturnTail::new(), return_tail, ANY);
    }

    #[loss]
    fn interleaved(scale: f64, y_pred: f64, squared: bool, y_true: f64, offset: f64) -> f64 {
        let d = y_pred - y_true + offset;
        if squared {
            scale * d * d
        } else {
            scale * d.abs()
        }
    }

    /// Hyper-parameters before, between and after `y_true` and `y_pred`, which come in
    /// the reverse of the usual order.
    #[test]
    fn parameters_in_any_order() {
        let loss = Interleaved::new(2.0, true, 0.5);
        assert_eq!((loss.scale, loss.squared, loss.offset), (2.0, true, 0.5));
        check_f64(&loss, |t, p| interleaved(2.0, p, true, t, 0.5), ANY);
        let loss = Interleaved::new(3.0, false, -0.25);
        check_f64(&loss, |t, p| interleaved(3.0, p, false, t, -0.25), ANY);
    }

    #[test]
    fn generic_hyper_parameters_are_f64_fields() {
        let loss = WhereClause::new(0.1);
        let weight: f64 = loss.weight;
        assert_eq!(weight, 0.1);
        // The f32 loss converts the field once: 0.1 rounds to the nearest f32.
        let value: f32 = loss.value(&array![[0.0f32]], &array![[1.0f32]]).unwrap();
        assert_eq!(value, 0.1f32);
    }

    #[loss]
    #[allow(unused_variables, reason = "the loss is y_pred itself")]
    fn identity<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred
    }

    #[loss]
    #[allow(unused_variables, reason = "the loss ignores y_pred")]
    fn target_only<T: Float>(y_true: T, y_pred: T) -> T {
        y_true
    }

    #[loss]
    #[allow(unused_variables, reason = "the loss is a hyper-parameter")]
    fn hyper_only<T: Float>(y_true: T, y_pred: T, level: T) -> T {
        level
    }

    /// A result that is a parameter: the seed itself, or no gradient at all.
    #[test]
    fn result_is_a_parameter() {
        check_generic(&Identity::new(), identity, ANY);
        check_generic(&TargetOnly::new(), target_only, ANY);
        check_generic(&HyperOnly::new(0.25), |t, p| hyper_only(t, p, 0.25), ANY);
        assert_eq!(value_and_grad_at(&Identity::new(), 5.0, 2.0), (2.0, 1.0));
        assert_eq!(value_and_grad_at(&TargetOnly::new(), 5.0, 2.0), (5.0, 0.0));
        assert_eq!(
            value_and_grad_at(&HyperOnly::new(0.25), 5.0, 2.0),
            (0.25, 0.0)
        );
    }

    mod eight_hyper_parameters {
        use super::*;

        #[loss]
        #[allow(
            clippy::too_many_arguments,
            reason = "the loss tests eight hyper-parameters"
        )]
        fn eight_hyper_parameters<T: Float>(
            y_true: T,
            y_pred: T,
            a: T,
            b: T,
            c: T,
            d: T,
            e: T,
            f: T,
            g: T,
            h: bool,
        ) -> T {
            let x = y_pred - y_true;
            let polynomial = a + b * x + c * x * x + d * x * x * x;
            let smooth = e * (f * x).tanh() + g * x.sin();
            if h {
                polynomial + smooth
            } else {
                polynomial - smooth
            }
        }

        #[test]
        fn many_hyper_parameters() {
            let loss = EightHyperParameters::new(0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, true);
            let scalar =
                |t, p| eight_hyper_parameters(t, p, 0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, true);
            check_generic(&loss, scalar, ANY);
        }
    }
}

// ----- original function and forward on scalars -------------------------------------

mod scalar_function {
    use super::*;

    #[loss]
    fn mixed_literals<T: Float>(y_true: T, y_pred: T, margin: T) -> T {
        let gap = (y_pred - y_true + margin).max(0.0);
        if y_true > 0.5 {
            gap * 0.1
        } else {
            (gap + 1e-7).ln() * 0.3
        }
    }

    /// The generic function, called with f32, equals the generated forward in f32
    /// bit for bit: both round each literal from f64.
    #[test]
    fn generic_original_matches_forward_in_f32() {
        let loss = MixedLiterals::new(0.2);
        for (t, p) in [(0.0f32, 0.3f32), (1.0, 0.7), (0.0, -0.4), (0.9, 1.3)] {
            let forward = <MixedLiterals as ElementwiseKernel<f32>>::forward::<f32>(&loss, t, p);
            assert_eq!(forward.to_bits(), mixed_literals(t, p, 0.2f32).to_bits());
        }
    }

    #[test]
    fn generic_original_matches_forward_in_f64() {
        let loss = MixedLiterals::new(0.2);
        for (t, p) in [(0.0, 0.3), (1.0, 0.7), (0.0, -0.4), (0.9, 1.3)] {
            let forward = <MixedLiterals as ElementwiseKernel<f64>>::forward::<f64>(&loss, t, p);
            assert_eq!(forward.to_bits(), mixed_literals(t, p, 0.2).to_bits());
        }
    }

    #[loss]
    #[allow(
        clippy::excessive_precision,
        reason = "the literal lies just above the midpoint between two f32 values"
    )]
    fn long_f32_literal(y_true: f32, y_pred: f32) -> f32 {
        y_true + y_pred * 1.000_000_059_604_644_775_390_625_1
    }

    /// The literal is 1 + 2⁻²⁴ + 10⁻²⁵, just above the midpoint of 1 and 1 + 2⁻²³, so it
    /// rounds to 1 + 2⁻²³ as an f32 literal. Rounded first to f64 it becomes the
    /// midpoint itself, which then rounds to even, 1.0.
    #[test]
    fn f32_literal_is_rounded_once() {
        let loss = LongF32Literal::new();
        let forward = <LongF32Literal as ElementwiseKernel<f32>>::forward::<f32>(&loss, 0.0, 1.0);
        assert_eq!(long_f32_literal(0.0, 1.0), 1.0 + f32::EPSILON);
        assert_eq!(forward, long_f32_literal(0.0, 1.0));
    }

    #[test]
    fn reverse_value_equals_forward() {
        let loss = MixedLiterals::new(-0.1);
        for (t, p) in [(0.0, 0.3), (1.0, 0.7), (0.0, -0.4), (0.9, 1.3)] {
            let forward = <MixedLiterals as ElementwiseKernel<f64>>::forward::<f64>(&loss, t, p);
            let (value, _) =
                <MixedLiterals as ElementwiseKernel<f64>>::reverse::<f64>(&loss, t, p, 1.0);
            assert_eq!(value.to_bits(), forward.to_bits());
        }
    }
}

// ----- #[loss(...)] arguments and the generated API -----------------------------------

mod generated_api {
    use super::*;

    #[loss(defaults(delta = 1.0, squared = false, offset = -0.5), require(delta > 0.0, !squared || offset <= 0.0), name = CustomName)]
    fn configured<T: Float>(y_true: T, y_pred: T, delta: T, squared: bool, offset: T) -> T {
        let e = (y_pred - y_true + offset).abs();
        if squared { e * e / delta } else { delta * e }
    }

    #[loss]
    fn plain_square<T: Float>(y_true: T, y_pred: T) -> T {
        (y_pred - y_true).powi(2)
    }

    #[test]
    fn custom_name() {
        assert_eq!(CustomName::NAME, "CustomName");
        assert_eq!(<CustomName as ElementwiseKernel<f64>>::NAME, "CustomName");
        assert_eq!(PlainSquare::NAME, "PlainSquare");
    }

    #[test]
    fn default_uses_declared_values() {
        let loss = CustomName::default();
        assert_eq!(loss, CustomName::new(1.0, false, -0.5));
        assert_eq!(loss.reduction, Reduction::SumOverBatchSize);
    }

    #[test]
    fn default_without_hyper_parameters() {
        assert_eq!(PlainSquare::default(), PlainSquare::new());
    }

    #[test]
    fn configured_gradient() {
        for (delta, squared, offset) in [(1.0, false, -0.5), (0.5, true, -0.25), (2.0, false, 0.75)]
        {
            let loss = CustomName::new(delta, squared, offset);
            check_generic(&loss, |t, p| configured(t, p, delta, squared, offset), ANY);
        }
    }

    #[test]
    fn requirement_violation_is_error() {
        let loss = CustomName::new(-1.0, false, 0.0);
        let error = loss.value(&array![[0.0]], &array![[1.0]]).unwrap_err();
        let LossError::InvalidHyperParameter {
            loss: name, values, ..
        } = &error
        else {
            panic!("expected InvalidHyperParameter, got {error:?}");
        };
        assert_eq!(*name, "CustomName");
        assert_eq!(values, "delta = -1.0");
    }

    #[test]
    fn requirement_on_bool_and_float() {
        assert!(
            CustomName::new(1.0, true, -0.5)
                .value(&array![[0.0]], &array![[1.0]])
                .is_ok()
        );
        assert!(
            CustomName::new(1.0, false, 0.5)
                .value(&array![[0.0]], &array![[1.0]])
                .is_ok()
        );
        let error = CustomName::new(1.0, true, 0.5)
            .value(&array![[0.0]], &array![[1.0]])
            .unwrap_err();
        let LossError::InvalidHyperParameter { values, .. } = &error else {
            panic!("expected InvalidHyperParameter, got {error:?}");
        };
        assert_eq!(values, "squared = true, offset = 0.5");
    }

    /// The requirement is the condition as written, in backticks, as `Display` shows
    /// it after "requires".
    #[test]
    fn requirement_text_is_the_expression() {
        let error = CustomName::new(-1.0, false, 0.0)
            .value(&array![[0.0]], &array![[1.0]])
            .unwrap_err();
        let LossError::InvalidHyperParameter { requirement, .. } = &error else {
            panic!("expected InvalidHyperParameter, got {error:?}");
        };
        assert_eq!(requirement, "`delta > 0.0`");
        assert_eq!(
            error.to_string(),
            "invalid hyper-parameter for CustomName: requires `delta > 0.0`, got delta = -1.0"
        );
    }

    #[test]
    fn invalid_hyper_parameter_rejected_by_every_method() {
        let loss = CustomName::new(0.0, false, 0.0);
        let (y_true, y_pred) = (array![[0.0f32]], array![[1.0f32]]);
        assert!(loss.value(&y_true, &y_pred).is_err());
        assert!(loss.value_and_grad(&y_true, &y_pred).is_err());
        assert!(loss.per_sample(&y_true, &y_pred).is_err());
    }

    #[test]
    fn nan_hyper_parameter_rejected() {
        for loss in [
            CustomName::new(f64::NAN, false, 0.0),
            CustomName::new(1.0, false, f64::NAN),
        ] {
            let error = loss.value(&array![[0.0]], &array![[1.0]]).unwrap_err();
            assert!(
                matches!(error, LossError::InvalidHyperParameter { .. }),
                "{error:?}"
            );
            assert!(loss.value_and_grad(&array![[0.0]], &array![[1.0]]).is_err());
            assert!(loss.per_sample(&array![[0.0]], &array![[1.0]]).is_err());
        }
    }

    #[loss]
    fn unconstrained<T: Float>(y_true: T, y_pred: T, scale: T) -> T {
        scale * (y_pred - y_true)
    }

    /// Only the NaN check applies without `require(...)`.
    #[test]
    fn nan_rejected_without_requirements() {
        let error = Unconstrained::new(f64::NAN)
            .value(&array![[0.0]], &array![[1.0]])
            .unwrap_err();
        let LossError::InvalidHyperParameter { loss, values, .. } = &error else {
            panic!("expected InvalidHyperParameter, got {error:?}");
        };
        assert_eq!((*loss, values.as_str()), ("Unconstrained", "scale = NaN"));
        assert!(
            Unconstrained::new(f64::INFINITY)
                .value(&array![[0.0]], &array![[1.0]])
                .is_ok()
        );
    }

    #[test]
    fn with_reduction_sum() {
        let (y_true, y_pred) = ANY.draw(SEEDS[0]);
        let mean_loss = PlainSquare::new();
        let sum_loss = PlainSquare::new().with_reduction(Reduction::Sum);
        assert_eq!(sum_loss.reduction, Reduction::Sum);

        let (mean, mean_grad) = mean_loss.value_and_grad(&y_true, &y_pred).unwrap();
        let (sum, sum_grad) = sum_loss.value_and_grad(&y_true, &y_pred).unwrap();
        assert!(
            is_close(sum, mean * ROWS as f64, 1e-14, 0.0),
            "{sum} vs {mean}"
        );
        for (index, &entry) in sum_grad.indexed_iter() {
            assert!(is_close(entry, mean_grad[index] * ROWS as f64, 1e-14, 0.0));
        }
        check_gradient(&sum_loss, ANY);
    }

    #[test]
    fn with_reduction_none() {
        let loss = PlainSquare::new().with_reduction(Reduction::None);
        let (y_true, y_pred) = (
            array![[0.0, 1.0], [2.0, 3.0]],
            array![[1.0, 1.0], [2.0, 5.0]],
        );
        assert_eq!(
            loss.value(&y_true, &y_pred).unwrap_err(),
            LossError::NoScalarValue
        );
        assert_eq!(
            loss.per_sample(&y_true, &y_pred).unwrap(),
            array![0.5, 2.0].into_dyn()
        );
    }

    #[test]
    fn weighted_gradient() {
        let loss = CustomName::new(0.7, true, -0.1);
        let weights = array![0.5, 2.0, 0.0, 1.5];
        for seed in SEEDS {
            let (y_true, y_pred) = ANY.draw(seed);
            let (value, grad) = loss
                .value_and_grad_weighted(&y_true, &y_pred, &weights)
                .unwrap();
            assert_eq!(
                value,
                loss.value_weighted(&y_true, &y_pred, &weights).unwrap()
            );
            for (index, &analytic) in grad.indexed_iter() {
                let center = y_pred[index];
                let step = STEP * center.abs().max(1.0);
                let mut shifted = y_pred.clone();
                shifted[index] = center + step;
                let up = loss.value_weighted(&y_true, &shifted, &weights).unwrap();
                shifted[index] = center - step;
                let down = loss.value_weighted(&y_true, &shifted, &weights).unwrap();
                let numeric = (up - down) / (2.0 * step);
                assert!(
                    is_close(analytic, numeric, RTOL, ATOL * value.abs().max(1.0)),
                    "weighted gradient {analytic:e} vs central difference {numeric:e}"
                );
            }
        }
    }
}

// ----- rewrites of unstable patterns -----------------------------------------------------

/// The macro computes some unstable patterns in a stable form, so these losses' forward
/// equals the original function only to rounding: the checks allow `REWRITE_TOLERANCE`.
mod rewrites {
    use super::*;

    const REWRITE_TOLERANCE: f64 = 1e-13;

    #[differentiable]
    fn sigmoid<T: Float>(x: T) -> T {
        1.0 / (1.0 + (-x).exp())
    }

    #[differentiable]
    fn naive_softplus<T: Float>(x: T) -> T {
        (1.0 + x.exp()).ln()
    }

    #[track_caller]
    fn check_rewritten<L>(loss: &L, scalar: impl Fn(f64, f64) -> f64, domain: Domain)
    where
        L: Loss<f64> + Loss<f32> + ElementwiseKernel<f64>,
    {
        check_f64_within(loss, scalar, domain, REWRITE_TOLERANCE);
        check_f32(loss, loss, domain);
    }

    #[loss]
    fn softplus_pattern<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * (1.0 + y_pred.exp()).ln() + (y_pred.exp() + 1.0).ln()
    }

    #[test]
    fn ln_one_plus_exp() {
        check_rewritten(&SoftplusPattern::new(), softplus_pattern, ANY);
    }

    #[loss]
    fn log_sigmoid_patterns<T: Float>(y_true: T, y_pred: T) -> T {
        let inline = (1.0 / (1.0 + (-y_pred).exp())).ln();
        let by_recip = (1.0 + (-y_pred).exp()).recip().ln();
        let by_helper = sigmoid(y_pred).ln();
        y_true * inline + by_recip + by_helper * y_pred
    }

    #[test]
    fn ln_sigmoid() {
        check_rewritten(&LogSigmoidPatterns::new(), log_sigmoid_patterns, ANY);
    }

    #[loss]
    fn log_one_minus_sigmoid<T: Float>(y_true: T, y_pred: T, temperature: T) -> T {
        y_true * (1.0 - sigmoid(y_pred)).ln()
            + y_pred * (1.0 - sigmoid(y_true)).ln()
            + (y_pred - y_true) * (1.0 - sigmoid(temperature)).ln()
    }

    /// ln(1 - σ(x)) of y_pred, of y_true and of a hyper-parameter: the rewrite adds a
    /// node for -x, which takes the flags of x.
    #[test]
    fn ln_one_minus_sigmoid() {
        let loss = LogOneMinusSigmoid::new(0.3);
        check_rewritten(&loss, |t, p| log_one_minus_sigmoid(t, p, 0.3), ANY);
    }

    #[loss]
    fn log_sum_exp_patterns<T: Float>(y_true: T, y_pred: T, offset: T) -> T {
        let three = (y_pred.exp() + y_true.exp() + (2.0 * y_pred).exp()).ln();
        let same = (y_pred.exp() + y_pred.exp()).ln();
        let uniform_term = (offset.exp() + (y_pred * y_true).exp()).ln();
        three + same * y_true + uniform_term
    }

    /// Three terms, the same term twice and a uniform term.
    #[test]
    fn ln_sum_of_exps() {
        let loss = LogSumExpPatterns::new(-0.4);
        check_rewritten(&loss, |t, p| log_sum_exp_patterns(t, p, -0.4), ANY);
    }

    #[loss]
    fn ln_1p_and_exp_m1<T: Float>(y_true: T, y_pred: T) -> T {
        y_true * (1.0 + y_pred).ln() + (y_pred + 1.0).ln() + y_true * (y_pred.exp() - 1.0)
    }

    #[test]
    fn ln_one_plus_and_exp_minus_one() {
        check_rewritten(
            &Ln1pAndExpM1::new(),
            ln_1p_and_exp_m1,
            Domain::new((-2.0, 2.0), (-0.8, 2.0)),
        );
    }

    #[loss]
    fn shared_pattern_node<T: Float>(y_true: T, y_pred: T) -> T {
        let sum = 1.0 + y_pred.exp();
        let exponential = y_pred.exp();
        sum.ln() * y_true + sum + (exponential - 1.0) * exponential
    }

    /// The rewritten `ln` no longer reads `sum`, which other nodes still use.
    #[test]
    fn pattern_operands_used_elsewhere() {
        check_rewritten(&SharedPatternNode::new(), shared_pattern_node, ANY);
    }

    #[loss]
    fn patterns_in_arms<T: Float>(y_true: T, y_pred: T, flag: bool) -> T {
        let uniform = if flag {
            (1.0 - sigmoid(y_pred)).ln()
        } else {
            (y_pred - 1.0).exp() - 1.0
        };
        let per_sample = if y_pred > 0.0 {
            (1.0 - sigmoid(y_pred * y_true)).ln()
        } else if flag {
            (1.0 + y_pred.exp()).ln()
        } else {
            (y_pred.exp() + y_true.exp()).ln()
        };
        uniform + per_sample
    }

    #[test]
    fn patterns_in_branch_arms() {
        for flag in [true, false] {
            let loss = PatternsInArms::new(flag);
            check_rewritten(&loss, |t, p| patterns_in_arms(t, p, flag), ANY);
        }
    }

    #[loss]
    fn pattern_in_helper<T: Float>(y_true: T, y_pred: T) -> T {
        naive_softplus(y_pred) * y_true
    }

    #[test]
    fn pattern_inside_helper() {
        check_rewritten(&PatternInHelper::new(), pattern_in_helper, ANY);
        assert_eq!(
            value_and_grad_at(&PatternInHelper::new(), 1.0, 1e3),
            (1e3, 1.0)
        );
    }

    /// At |y_pred| = 1000 the unstable forms overflow, or round σ to 0 or 1, in f64 too.
    #[test]
    fn stable_at_extremes() {
        // softplus(1000) = 1000 with slope σ(1000) = 1; softplus(-1000) = 0 with slope 0.
        assert_eq!(
            value_and_grad_at(&SoftplusPattern::new(), 0.0, 1e3),
            (1e3, 1.0)
        );
        assert_eq!(
            value_and_grad_at(&SoftplusPattern::new(), 0.0, -1e3),
            (0.0, 0.0)
        );

        // ln σ(p) (1 + p) at p = -1000 is -1000 × -999, with slope σ(-p) (1 + p) + ln σ(p).
        let (value, grad) = value_and_grad_at(&LogSigmoidPatterns::new(), 0.0, -1e3);
        assert_eq!((value, grad), (999e3, -1999.0));

        // t ln(1 - σ(p)) + p ln(1 - σ(t)) + (p - t) ln(1 - σ(0)) at t = 1, p = 1000,
        // where ln(1 - σ(x)) = -softplus(x) and its slope is -σ(x).
        let softplus_one = 1.0f64.exp().ln_1p();
        let (value, grad) = value_and_grad_at(&LogOneMinusSigmoid::new(0.0), 1.0, 1e3);
        let expected = -1e3 - 1e3 * softplus_one - 999.0 * std::f64::consts::LN_2;
        assert!(
            is_close(value, expected, 1e-14, 0.0),
            "{value} vs {expected}"
        );
        let expected = -1.0 - softplus_one - std::f64::consts::LN_2;
        assert!(is_close(grad, expected, 1e-14, 0.0), "{grad} vs {expected}");

        // ln(e^p + e^t + e^2p) at p = 1000 is 2000, with slope 2 from the e^2p term,
        // plus ln(e^0 + e^0) = ln 2 from the uniform term.
        let (value, grad) = value_and_grad_at(&LogSumExpPatterns::new(0.0), 0.0, 1e3);
        assert!(
            is_close(value, 2e3 + std::f64::consts::LN_2, 1e-15, 0.0),
            "{value}"
        );
        assert_eq!(grad, 2.0);
    }
}

// ----- row losses ---------------------------------------------------------------------

/// Losses of whole rows, `y_true: &[T]` and `y_pred: &[T]`, with loops and reductions.
/// Each row of a drawn `ROWS × COLS` batch is one sample.
#[allow(
    clippy::needless_range_loop,
    reason = "a row loss loops over indices: the macro does not accept iterators"
)]
mod rows {
    use super::*;

    /// Checks that `value` is the mean over rows of `scalar`, the original function,
    /// and then the gradient by [`check_gradient`].
    #[track_caller]
    fn check_rows<L: Loss<f64>>(loss: &L, scalar: impl Fn(&[f64], &[f64]) -> f64, domain: Domain) {
        for seed in SEEDS {
            let (y_true, y_pred) = domain.draw(seed);
            let mut sum = 0.0;
            for (t, p) in y_true.rows().into_iter().zip(y_pred.rows()) {
                sum += scalar(t.as_slice().unwrap(), p.as_slice().unwrap());
            }
            let value = loss.value(&y_true, &y_pred).unwrap();
            let mean = sum / ROWS as f64;
            assert!(
                is_close(value, mean, 1e-12, 1e-12),
                "value {value:e} differs from the mean {mean:e} of the original function over rows"
            );
        }
        check_gradient(loss, domain);
    }

    /// Returns the value and gradient of a loss of one row.
    fn row_value_and_grad<L: Loss<f64>>(
        loss: &L,
        y_true: &[f64],
        y_pred: &[f64],
    ) -> (f64, Vec<f64>) {
        let y_true = Array2::from_shape_vec((1, y_true.len()), y_true.to_vec()).unwrap();
        let y_pred = Array2::from_shape_vec((1, y_pred.len()), y_pred.to_vec()).unwrap();
        let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
        (value, grad.iter().copied().collect())
    }

    #[loss]
    fn sums_in_one_loop<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let mut total = y_pred[0] * 0.5;
        let mut gap = 0.0;
        for i in 1..y_pred.len() {
            total += y_pred[i] * y_true[i];
            gap -= (y_pred[i] - y_pred[i - 1]).powi(2);
        }
        total + gap.exp()
    }

    /// Two sums in one loop, one by `-=`, one started from a value of y_pred.
    #[test]
    fn sum_reductions() {
        let loss = SumsInOneLoop::new();
        check_rows(&loss, sums_in_one_loop, ANY);
        check_f32(&loss, &loss, ANY);
    }

    #[loss]
    fn extremes_in_one_loop<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let mut high = y_pred[0];
        let mut low = y_pred[0] * 2.0;
        let mut total = 0.0;
        for i in 1..y_pred.len() {
            high = high.max(y_pred[i] * y_true[i]);
            low = low.min(y_pred[i]);
            total += y_pred[i].sin();
        }
        high - low * 0.5 + total
    }

    /// A max, a min and a sum in one loop; the max and min start from values of y_pred
    /// that can win.
    #[test]
    fn max_and_min_reductions() {
        let loss = ExtremesInOneLoop::new();
        check_rows(&loss, extremes_in_one_loop, ANY);
        check_f32(&loss, &loss, ANY);
    }

    #[loss]
    fn row_max<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let mut high = y_pred[0];
        for i in 1..y_pred.len() {
            high = high.max(y_pred[i]);
        }
        high + y_true[0]
    }

    #[loss]
    fn row_max_from_literal<T: Float>(y_true: &[T], y_pred: &[T], start: T) -> T {
        let mut high = start;
        for i in 0..y_pred.len() {
            high = high.max(y_pred[i]);
        }
        high + y_true[0]
    }

    /// A tie shares the adjoint equally, the initial value included; a uniform initial
    /// value that wins takes it all, so y_pred gets none.
    #[test]
    fn max_ties_include_the_initial_value() {
        assert_eq!(
            row_value_and_grad(&RowMax::new(), &[0.0; 3], &[3.0, 1.0, 3.0]),
            (3.0, vec![0.5, 0.0, 0.5])
        );
        assert_eq!(
            row_value_and_grad(&RowMax::new(), &[0.0; 3], &[1.0, 2.0, 2.0]),
            (2.0, vec![0.0, 0.5, 0.5])
        );
        let loss = RowMaxFromLiteral::new(-1e30);
        assert_eq!(
            row_value_and_grad(&loss, &[0.0; 3], &[2.0, 2.0, 1.0]),
            (2.0, vec![0.5, 0.5, 0.0])
        );
        let loss = RowMaxFromLiteral::new(10.0);
        assert_eq!(
            row_value_and_grad(&loss, &[0.0; 3], &[2.0, 2.0, 1.0]),
            (10.0, vec![0.0, 0.0, 0.0])
        );
    }

    #[loss]
    fn guarded_log_sum<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let mut total = 0.0;
        for i in 0..y_pred.len() {
            total += if y_pred[i] > 0.0 {
                y_true[i] * y_pred[i].ln()
            } else {
                0.0
            };
        }
        total
    }

    /// ln 0 and ln(-1) in the arm not taken, inside a loop.
    #[test]
    fn nan_safe_branch_in_loop() {
        let (value, grad) = row_value_and_grad(&GuardedLogSum::new(), &[1.0; 3], &[0.0, -1.0, 2.0]);
        assert_eq!((value, grad), (2.0f64.ln(), vec![0.0, 0.0, 0.5]));
        check_rows(&GuardedLogSum::new(), guarded_log_sum, ANY);
    }

    #[loss(require(first <= last, last < features))]
    fn discounted(y_true: &[f64], y_pred: &[f64], first: usize, last: usize, squared: bool) -> f64 {
        let mut total = 0.0;
        for i in first..=last {
            let weight = 1.0 / (i as f64 + 1.0);
            let e = y_pred[i] - y_true[i];
            total += if squared {
                weight * e * e
            } else {
                weight * e.abs()
            };
        }
        total
    }

    /// An inclusive range between `usize` hyper-parameters, `i as f64`, and a uniform
    /// branch inside the loop.
    #[test]
    fn inclusive_range_and_uniform_branch() {
        for (first, last, squared) in [(0, 2, true), (1, 2, false), (2, 2, true)] {
            let loss = Discounted::new(first, last, squared);
            check_rows(&loss, |t, p| discounted(t, p, first, last, squared), ANY);
        }
        let error =
            Discounted::new(1, 3, true).value(&array![[0.0, 0.0, 0.0]], &array![[1.0, 1.0, 1.0]]);
        assert!(
            matches!(error, Err(LossError::InvalidHyperParameter { .. })),
            "{error:?}"
        );
    }

    #[loss]
    fn position_weights<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let mut total = 0.0;
        for i in 0..y_pred.len() {
            total += (y_pred[i] - y_true[i]).powi(2) * T::from(i + 1).unwrap();
        }
        total
    }

    #[test]
    fn index_converted_with_from() {
        check_rows(&PositionWeights::new(), position_weights, ANY);
        check_f32(&PositionWeights::new(), &PositionWeights::new(), ANY);
    }

    #[differentiable]
    fn softplus<T: Float>(x: T) -> T {
        x.max(0.0) + (-x.abs()).exp().ln_1p()
    }

    #[loss]
    fn pairwise_hinge<T: Float>(y_true: &[T], y_pred: &[T], margin: T) -> T {
        let mut total = 0.0;
        for i in 0..y_pred.len() {
            let anchor = y_pred[i];
            for j in 0..y_pred.len() {
                total += if y_true[i] > y_true[j] {
                    softplus(margin - (anchor - y_pred[j]))
                } else {
                    0.0
                };
            }
        }
        total
    }

    /// A nested loop whose inner sum continues the outer one, reading a value the outer
    /// iteration computed, with a helper call in a per-sample arm.
    #[test]
    fn nested_loops_with_helper() {
        let loss = PairwiseHinge::new(0.5);
        check_rows(&loss, |t, p| pairwise_hinge(t, p, 0.5), ANY);
    }

    #[loss]
    fn inactive_carry<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let mut scale = 1.0;
        let mut total = 0.0;
        for i in 0..y_pred.len() {
            scale = scale * 0.5 + y_true[i];
            total += scale * y_pred[i];
        }
        total
    }

    /// A variable without gradient may be updated in any form and read after its update:
    /// the reverse pass recomputes it iteration by iteration.
    #[test]
    fn carried_value_without_gradient() {
        check_rows(&InactiveCarry::new(), inactive_carry, ANY);
    }

    #[loss]
    fn empty_range<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
        let n = y_pred.len();
        let mut total = y_pred[0] * y_true[0];
        for i in n..n {
            total += y_pred[i];
        }
        total
    }

    #[test]
    fn loop_without_iterations() {
        let (value, grad) = row_value_and_grad(&EmptyRange::new(), &[2.0, 0.0], &[3.0, 5.0]);
        assert_eq!((value, grad), (6.0, vec![2.0, 0.0]));
    }
}

// ----- gradient conventions at kinks ---------------------------------------------------

mod kinks {
    use super::*;

    #[loss]
    fn abs_of_pred<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.abs() + y_true
    }

    #[test]
    fn abs_at_zero() {
        assert_eq!(value_and_grad_at(&AbsOfPred::new(), 0.0, 0.0), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&AbsOfPred::new(), 0.0, -0.0), (0.0, 0.0));
    }

    #[loss]
    fn max_of_pair<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.max(y_true)
    }

    #[loss]
    fn max_of_pair_swapped<T: Float>(y_true: T, y_pred: T) -> T {
        y_true.max(y_pred)
    }

    #[loss]
    fn min_of_pair<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.min(y_true)
    }

    #[loss]
    fn min_of_pair_swapped<T: Float>(y_true: T, y_pred: T) -> T {
        y_true.min(y_pred)
    }

    #[test]
    fn max_min_tie_split_in_half() {
        assert_eq!(value_and_grad_at(&MaxOfPair::new(), 1.5, 1.5), (1.5, 0.5));
        assert_eq!(
            value_and_grad_at(&MaxOfPairSwapped::new(), 1.5, 1.5),
            (1.5, 0.5)
        );
        assert_eq!(
            value_and_grad_at(&MinOfPair::new(), -2.0, -2.0),
            (-2.0, 0.5)
        );
        assert_eq!(
            value_and_grad_at(&MinOfPairSwapped::new(), -2.0, -2.0),
            (-2.0, 0.5)
        );
    }

    #[loss]
    fn max_with_itself<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.max(y_pred) + y_pred.min(y_pred) * y_true
    }

    /// max(x, x) = x: the two halves add up to 1.
    #[test]
    fn max_min_of_same_value() {
        assert_eq!(
            value_and_grad_at(&MaxWithItself::new(), 2.0, 3.0),
            (9.0, 3.0)
        );
    }

    #[loss]
    fn unit_clamp<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.clamp(0.0, 1.0) + y_true
    }

    #[test]
    fn clamp_at_bounds_is_inside() {
        assert_eq!(value_and_grad_at(&UnitClamp::new(), 0.0, 0.0), (0.0, 1.0));
        assert_eq!(value_and_grad_at(&UnitClamp::new(), 0.0, 1.0), (1.0, 1.0));
    }

    #[test]
    fn clamp_just_outside_is_flat() {
        assert_eq!(
            value_and_grad_at(&UnitClamp::new(), 0.0, -1e-300),
            (0.0, 0.0)
        );
        assert_eq!(
            value_and_grad_at(&UnitClamp::new(), 0.0, 1.0 + f64::EPSILON),
            (1.0, 0.0)
        );
    }

    #[loss]
    fn clamp_by_pred_bounds<T: Float>(y_true: T, y_pred: T) -> T {
        y_true.clamp(y_pred, y_pred + 1.0)
    }

    /// The bounds take the gradient only where `y_true` lies strictly outside them.
    #[test]
    fn clamp_bound_gradient() {
        let loss = ClampByPredBounds::new();
        assert_eq!(value_and_grad_at(&loss, 0.0, 0.5), (0.5, 1.0));
        assert_eq!(value_and_grad_at(&loss, 2.0, 0.5), (1.5, 1.0));
        assert_eq!(value_and_grad_at(&loss, 1.0, 0.5), (1.0, 0.0));
        assert_eq!(value_and_grad_at(&loss, 0.5, 0.5), (0.5, 0.0));
        assert_eq!(value_and_grad_at(&loss, 1.5, 0.5), (1.5, 0.0));
    }

    #[loss]
    fn clamp_with_crossed_bounds<T: Float>(y_true: T, y_pred: T) -> T {
        y_true.clamp(2.0 * y_pred, y_pred)
    }

    /// With `low = 2p > high = p` and `p < t < 2p`, the value is `low = 2p`, so the
    /// gradient is 2. The rule also sends the gradient to `high` because `t > high`.
    #[test]
    fn clamp_crossed_bounds_follow_value() {
        assert_eq!(
            value_and_grad_at(&ClampWithCrossedBounds::new(), 1.5, 1.0),
            (2.0, 2.0)
        );
    }

    #[loss]
    fn sqrt_of_pred<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.sqrt() + y_true
    }

    #[loss]
    fn cbrt_of_pred<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.cbrt() + y_true
    }

    #[test]
    fn sqrt_and_cbrt_at_zero() {
        assert_eq!(value_and_grad_at(&SqrtOfPred::new(), 0.0, 0.0), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&CbrtOfPred::new(), 0.0, 0.0), (0.0, 0.0));
    }

    #[loss]
    fn hypot_of_pair<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.hypot(y_true)
    }

    #[test]
    fn hypot_at_origin() {
        assert_eq!(value_and_grad_at(&HypotOfPair::new(), 0.0, 0.0), (0.0, 0.0));
    }

    #[loss]
    fn power_of_pred<T: Float>(y_true: T, y_pred: T, exponent: T) -> T {
        y_pred.powf(exponent) + y_true
    }

    /// d/dx x^p at x = 0 is taken as 1 for p = 1 and as 0 otherwise, including
    /// 0 < p < 1, where the one-sided derivative is infinite.
    #[test]
    fn powf_at_zero_base() {
        assert_eq!(
            value_and_grad_at(&PowerOfPred::new(1.0), 0.0, 0.0),
            (0.0, 1.0)
        );
        assert_eq!(
            value_and_grad_at(&PowerOfPred::new(0.5), 0.0, 0.0),
            (0.0, 0.0)
        );
        assert_eq!(
            value_and_grad_at(&PowerOfPred::new(2.0), 0.0, 0.0),
            (0.0, 0.0)
        );
    }

    #[loss]
    fn power_of_base<T: Float>(y_true: T, y_pred: T, base: T) -> T {
        base.powf(y_pred) + y_true
    }

    /// d/dp b^p = b^p ln b is taken as 0 where b <= 0.
    #[test]
    fn powf_exponent_at_zero_base() {
        assert_eq!(
            value_and_grad_at(&PowerOfBase::new(0.0), 0.0, 2.0),
            (0.0, 0.0)
        );
        let (value, grad) = value_and_grad_at(&PowerOfBase::new(-2.0), 0.0, 2.0);
        assert_eq!((value, grad), (4.0, 0.0));
    }

    #[loss]
    fn signum_of_pred<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.signum() + y_true
    }

    #[test]
    fn signum_is_flat() {
        for y_pred in [-2.0, -0.0, 0.0, 3.0] {
            let (value, grad) = value_and_grad_at(&SignumOfPred::new(), 0.0, y_pred);
            assert_eq!(value, y_pred.signum());
            assert_eq!(grad, 0.0);
        }
    }

    #[loss]
    fn zeroth_power<T: Float>(y_true: T, y_pred: T) -> T {
        y_pred.powi(0) + y_true
    }

    #[test]
    fn powi_zero_at_zero() {
        assert_eq!(value_and_grad_at(&ZerothPower::new(), 0.0, 0.0), (1.0, 0.0));
    }
}

// ----- NaN safety of per-sample branches -------------------------------------------------

mod nan_safety {
    use super::*;

    #[loss]
    fn guarded_ln<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > 0.0 {
            y_pred.ln() - y_true
        } else {
            0.0
        }
    }

    #[test]
    fn ln_in_arm_not_taken() {
        assert_eq!(value_and_grad_at(&GuardedLn::new(), 0.0, 0.0), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&GuardedLn::new(), 0.0, -1.0), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&GuardedLn::new(), 0.0, 1.0), (0.0, 1.0));
    }

    #[loss]
    fn guarded_sqrt<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > 0.0 {
            y_pred.sqrt() + y_true
        } else {
            -y_pred
        }
    }

    #[test]
    fn sqrt_in_arm_not_taken() {
        assert_eq!(
            value_and_grad_at(&GuardedSqrt::new(), 0.0, 0.0),
            (0.0, -1.0)
        );
        assert_eq!(
            value_and_grad_at(&GuardedSqrt::new(), 0.0, -4.0),
            (4.0, -1.0)
        );
        assert_eq!(
            value_and_grad_at(&GuardedSqrt::new(), 0.0, 4.0),
            (2.0, 0.25)
        );
    }

    #[loss]
    fn guarded_exp<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred.abs() < 1e3 {
            y_pred.exp() + y_true
        } else {
            0.0
        }
    }

    /// exp(1e4) overflows to infinity in the arm not taken.
    #[test]
    fn overflow_in_arm_not_taken() {
        assert_eq!(value_and_grad_at(&GuardedExp::new(), 0.0, 1e4), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&GuardedExp::new(), 0.0, 0.0), (1.0, 1.0));
    }

    #[loss]
    fn guarded_chain<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > 1.0 {
            y_pred.ln()
        } else if y_pred > -1.0 {
            y_pred + y_true
        } else {
            (-y_pred - 1.0).sqrt()
        }
    }

    /// At 0 the first arm computes ln 0 = -inf and the last sqrt(-1) = NaN.
    #[test]
    fn else_if_chain_arms_not_taken() {
        assert_eq!(
            value_and_grad_at(&GuardedChain::new(), 0.0, 0.0),
            (0.0, 1.0)
        );
        let (value, grad) = value_and_grad_at(&GuardedChain::new(), 0.0, -5.0);
        assert_eq!((value, grad), (2.0, -0.25));
    }

    #[loss]
    fn guarded_nested<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > -1.0 {
            if y_pred > 0.0 {
                y_pred.ln()
            } else {
                y_pred.recip() + y_true
            }
        } else {
            y_pred
        }
    }

    /// The inner arms compute ln 0 and 1/0 at y_pred = 0 and NaN below -1.
    #[test]
    fn nested_arms_not_taken() {
        let (value, grad) = value_and_grad_at(&GuardedNested::new(), 0.0, -2.0);
        assert_eq!((value, grad), (-2.0, 1.0));
        let (value, grad) = value_and_grad_at(&GuardedNested::new(), 0.0, -0.5);
        assert_eq!((value, grad), (-2.0, -4.0));
    }

    #[loss]
    fn guarded_uniform<T: Float>(y_true: T, y_pred: T, use_log: bool) -> T {
        if y_pred > 0.0 {
            if use_log { y_pred.ln() } else { y_pred.sqrt() }
        } else {
            y_pred * y_true
        }
    }

    /// A uniform branch inside the per-sample arm not taken.
    #[test]
    fn uniform_branch_in_arm_not_taken() {
        for use_log in [true, false] {
            let loss = GuardedUniform::new(use_log);
            assert_eq!(value_and_grad_at(&loss, 2.0, 0.0), (0.0, 2.0));
            assert_eq!(value_and_grad_at(&loss, 2.0, -3.0), (-6.0, 2.0));
        }
    }

    #[differentiable]
    fn log_of<T: Float>(x: T) -> T {
        x.ln()
    }

    #[loss]
    fn guarded_helper<T: Float>(y_true: T, y_pred: T) -> T {
        if y_pred > 0.0 {
            log_of(y_pred)
        } else {
            y_pred * y_true
        }
    }

    /// The helper's reverse returns NaN at 0; the call's arm is not taken.
    #[test]
    fn helper_in_arm_not_taken() {
        assert_eq!(
            value_and_grad_at(&GuardedHelper::new(), 3.0, 0.0),
            (0.0, 3.0)
        );
        assert_eq!(
            value_and_grad_at(&GuardedHelper::new(), 3.0, -1.0),
            (-3.0, 3.0)
        );
    }

    #[differentiable]
    fn safe_log<T: Float>(x: T) -> T {
        if x > 0.0 { x.ln() } else { x * 0.0 }
    }

    #[loss]
    fn branch_in_helper<T: Float>(y_true: T, y_pred: T) -> T {
        safe_log(y_pred) + y_true
    }

    #[test]
    fn branch_inside_helper() {
        assert_eq!(
            value_and_grad_at(&BranchInHelper::new(), 0.0, 0.0),
            (0.0, 0.0)
        );
        assert_eq!(
            value_and_grad_at(&BranchInHelper::new(), 0.0, -1.0),
            (-0.0, 0.0)
        );
    }

    #[loss]
    fn outer_value_in_uniform_arm<T: Float>(y_true: T, y_pred: T, flag: bool) -> T {
        if y_pred > 0.0 {
            let v = if flag { y_pred } else { y_true };
            v.ln()
        } else {
            0.0
        }
    }

    /// The uniform `if` yields `y_pred` itself. At y_pred = 0 the arm is not taken, but
    /// ln's rule gives d_v = 0 / 0 = NaN, which the uniform branch passes to `y_pred`
    /// without the arm's guard.
    #[test]
    fn uniform_arm_value_from_outside() {
        let loss = OuterValueInUniformArm::new(true);
        assert_eq!(value_and_grad_at(&loss, 1.0, 0.0), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&loss, 1.0, 2.0), (2.0f64.ln(), 0.5));
    }

    #[loss]
    fn inner_value_in_uniform_arm<T: Float>(y_true: T, y_pred: T, flag: bool) -> T {
        if y_pred > 0.0 {
            let v = if flag { y_pred * 1.0 } else { y_true };
            v.ln()
        } else {
            0.0
        }
    }

    /// The same loss with the arm value computed inside the uniform arm is NaN-safe.
    #[test]
    fn uniform_arm_value_from_inside() {
        let loss = InnerValueInUniformArm::new(true);
        assert_eq!(value_and_grad_at(&loss, 1.0, 0.0), (0.0, 0.0));
        assert_eq!(value_and_grad_at(&loss, 1.0, 2.0), (2.0f64.ln(), 0.5));
    }

    #[test]
    fn batch_with_both_arms() {
        let loss = GuardedLn::new();
        let y_true = array![[0.0, 0.0], [0.0, 0.0]];
        let y_pred = array![[0.0, 1.0], [-3.0, 2.0]];
        let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
        assert_eq!(value, 2.0f64.ln() / 4.0);
        assert_eq!(grad, array![[0.0, 0.25], [0.0, 0.125]]);
    }
}
