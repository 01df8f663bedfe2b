//! The value and gradient of a batch must not depend on the number of threads or on
//! the instruction set level: every combination must give the same bits.
//!
//! The batches are large enough to be split into several chunks (a chunk contains at
//! least 2^16 elements), have lengths that leave tails at every vector width, and
//! include samples of several features and sample weights, so that every path of the
//! drivers runs. They are kept small enough for an unoptimised build. The elementwise
//! drivers, the row drivers, the multi-input drivers and the whole-batch drivers are
//! all covered.

use losses_core::prelude::*;
use losses_core::simd::{Level, with_level};
use ndarray::{Array1, ArrayD, IxDyn};

/// Marsaglia's xorshift32: a fixed, seeded source of test data.
struct XorShift32(u32);

impl XorShift32 {
    /// Returns the next value, uniform on [0, 1).
    fn next_unit(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / (1u32 << 24) as f32
    }

    fn array(&mut self, shape: &[usize], map: impl Fn(f32) -> f32) -> ArrayD<f32> {
        let len = shape.iter().product();
        let values = (0..len).map(|_| map(self.next_unit())).collect();
        ArrayD::from_shape_vec(IxDyn(shape), values).expect("length matches shape")
    }
}

/// The bits of a value and its gradient.
type Bits = (u32, Vec<u32>);

/// A loss under test: evaluates value and gradient of one batch, and the value alone,
/// whose bits must equal the value returned with the gradient.
type Evaluate = fn(&ArrayD<f32>, &ArrayD<f32>, Option<&Array1<f32>>) -> Bits;

fn evaluate<L: Loss<f32>>(
    loss: &L,
    y_true: &ArrayD<f32>,
    y_pred: &ArrayD<f32>,
    weights: Option<&Array1<f32>>,
) -> Bits {
    let mut grad = ArrayD::zeros(y_pred.raw_dim());
    let (value, value_alone) = match weights {
        Some(weights) => (
            loss.value_and_grad_weighted_into(y_true, y_pred, weights, &mut grad),
            loss.value_weighted(y_true, y_pred, weights),
        ),
        None => (
            loss.value_and_grad_into(y_true, y_pred, &mut grad),
            loss.value(y_true, y_pred),
        ),
    };
    let (value, value_alone) = (
        value.expect("valid batch"),
        value_alone.expect("valid batch"),
    );
    assert_eq!(
        value.to_bits(),
        value_alone.to_bits(),
        "value with and without gradient"
    );
    (
        value.to_bits(),
        grad.iter().map(|entry| entry.to_bits()).collect(),
    )
}

const LOSSES: [(&str, Evaluate); 6] = [
    ("mse", |t, p, w| evaluate(&MeanSquaredError::new(), t, p, w)),
    ("mae", |t, p, w| {
        evaluate(&MeanAbsoluteError::new(), t, p, w)
    }),
    ("huber", |t, p, w| evaluate(&Huber::default(), t, p, w)),
    ("bce", |t, p, w| {
        evaluate(&BinaryCrossentropy::default(), t, p, w)
    }),
    ("bce_logits", |t, p, w| {
        evaluate(&BinaryCrossentropy::new(true, 0.0), t, p, w)
    }),
    ("log_cosh", |t, p, w| evaluate(&LogCosh::new(), t, p, w)),
];

/// Shapes, with the losses evaluated on each. One feature: lengths that leave tails,
/// then a batch of three chunks, with every loss. Several features, each shape of at
/// least two chunks, with a cheap and an expensive loss: samples of 3 features, grouped
/// in the element loop, of 300, and of 1500, taken one sample at a time.
const CASES: [(&[usize], &[usize]); 6] = [
    (&[1], &[0, 1, 2, 3, 4, 5]),
    (&[37], &[0, 1, 2, 3, 4, 5]),
    (&[140_007], &[0, 1, 2, 3, 4, 5]),
    (&[50_003, 3], &[0, 4]),
    (&[501, 300], &[0, 4]),
    (&[130, 1_500], &[0, 4]),
];

/// Labels in {0, 1} and predictions in (0, 1), valid for every loss above.
fn batch(shape: &[usize], seed: u32) -> (ArrayD<f32>, ArrayD<f32>, Array1<f32>) {
    let mut random = XorShift32(seed);
    let y_true = random.array(shape, |u| (u < 0.5) as u8 as f32);
    let y_pred = random.array(shape, |u| u * 0.998 + 0.001);
    let samples = if shape.len() > 1 {
        shape[0]
    } else {
        shape.iter().product()
    };
    let weights = (0..samples).map(|_| 2.0 * random.next_unit()).collect();
    (y_true, y_pred, weights)
}

/// Evaluates the losses over rows, pairs and whole batches: categorical cross-entropy
/// and Dice per sample through the row drivers, Dice over the whole batch through the
/// whole-batch drivers, and the contrastive loss through the multi-input drivers. Rows
/// of 37 elements run two full blocks of lanes and a tail in the generated loops, and
/// lists of 5 only a tail. Each batch has several chunks of work for the threads.
fn row_results() -> Vec<(String, Bits)> {
    let mut results = Vec::new();
    let (y_true, y_pred, weights) = batch(&[5_000, 37], 0x51ED_270B);
    let losses: [(&str, Evaluate); 3] = [
        ("categorical cross-entropy", |t, p, w| {
            evaluate(&CategoricalCrossentropy::new(true, 0.1), t, p, w)
        }),
        ("dice per sample", |t, p, w| {
            evaluate(&Dice::default(), t, p, w)
        }),
        ("approx ndcg", |t, p, w| {
            evaluate(&ApproxNdcg::default(), t, p, w)
        }),
    ];
    for (name, evaluate) in losses {
        results.push((name.to_string(), evaluate(&y_true, &y_pred, None)));
        let weighted = evaluate(&y_true, &y_pred, Some(&weights));
        results.push((format!("{name}, weighted"), weighted));
    }
    let (lists_true, lists_pred, _) = batch(&[3_000, 5], 0x2545_F491);
    let ndcg = evaluate(&ApproxNdcg::default(), &lists_true, &lists_pred, None);
    results.push(("approx ndcg of lists of 5".to_string(), ndcg));

    let whole = Dice::default().with_axis(Axis::WholeBatch);
    let (masks_true, masks_pred, _) = batch(&[300, 1_000], 0x6A09_E667);
    let dice = evaluate(&whole, &masks_true, &masks_pred, None);
    results.push(("dice over the whole batch".to_string(), dice));

    results.push(("contrastive".to_string(), contrastive_bits(None)));
    results.push((
        "contrastive, weighted".to_string(),
        contrastive_bits(Some(7)),
    ));
    results
}

/// Returns the bits of the contrastive loss's value and of both gradients, on pairs of
/// 37-dimensional embeddings, with sample weights drawn from `weight_seed` when given.
fn contrastive_bits(weight_seed: Option<u32>) -> Bits {
    let mut random = XorShift32(0xBB67_AE85);
    let labels = random.array(&[3_000], |u| (u < 0.5) as u8 as f32);
    let x1 = random.array(&[3_000, 37], |u| 0.4 * u - 0.2);
    let x2 = random.array(&[3_000, 37], |u| 0.4 * u - 0.2);
    let loss = ContrastiveLoss::default();
    let (value, grad1, grad2, value_alone) = match weight_seed {
        Some(seed) => {
            let weights = XorShift32(seed).array(&[3_000], |u| 2.0 * u);
            let (value, grad1, grad2) = loss
                .value_and_grad_weighted(&labels, &x1, &x2, &weights)
                .expect("valid batch");
            let value_alone = loss.value_weighted(&labels, &x1, &x2, &weights);
            (value, grad1, grad2, value_alone.expect("valid batch"))
        }
        None => {
            let (value, grad1, grad2) =
                loss.value_and_grad(&labels, &x1, &x2).expect("valid batch");
            let value_alone = loss.value(&labels, &x1, &x2).expect("valid batch");
            (value, grad1, grad2, value_alone)
        }
    };
    assert_eq!(
        value.to_bits(),
        value_alone.to_bits(),
        "contrastive value with and without gradient"
    );
    let entries = grad1.iter().chain(grad2.iter());
    (
        value.to_bits(),
        entries.map(|entry| entry.to_bits()).collect(),
    )
}

/// Evaluates the losses of every case, unweighted and weighted.
fn all_results() -> Vec<(String, Bits)> {
    let mut results = row_results();
    for (index, (shape, losses)) in CASES.iter().enumerate() {
        let (y_true, y_pred, weights) = batch(shape, 0x9E37_79B9 + index as u32);
        for &loss in *losses {
            let (name, evaluate) = LOSSES[loss];
            let label = format!("{name} on {shape:?}");
            results.push((label.clone(), evaluate(&y_true, &y_pred, None)));
            let weighted = evaluate(&y_true, &y_pred, Some(&weights));
            results.push((format!("{label}, weighted"), weighted));
        }
    }
    results
}

fn assert_same(reference: &[(String, Bits)], other: &[(String, Bits)], setting: &str) {
    for ((label, expected), (_, actual)) in reference.iter().zip(other) {
        assert_eq!(
            expected.0, actual.0,
            "{label}: value differs with {setting}"
        );
        let differing = expected
            .1
            .iter()
            .zip(&actual.1)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(
            differing, 0,
            "{label}: {differing} gradient entries differ with {setting}"
        );
    }
}

#[test]
fn thread_counts_give_identical_bits() {
    let in_pool = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(all_results)
    };
    let reference = in_pool(1);
    for threads in [2, 3, 8] {
        assert_same(&reference, &in_pool(threads), &format!("{threads} threads"));
    }
}

#[test]
fn instruction_set_levels_give_identical_bits() {
    let reference = with_level(Level::Scalar, all_results).unwrap();
    let supported: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|level| level.is_supported())
        .collect();
    assert!(supported.contains(&Level::best()));
    for level in supported {
        let results = with_level(level, all_results).unwrap();
        assert_same(&reference, &results, &format!("{level:?}"));
    }
}
