//! Throughput of the shipped losses against a hand-written scalar loop and a streaming
//! kernel, on the same `f32` arrays.
//!
//! Run it by hand, in a release build with default features:
//!
//! ```text
//! cargo bench -p losses-core --bench throughput
//! cargo bench -p losses-core --bench throughput -- 1000000 mse bce_logits
//! ```
//!
//! Optional arguments are element counts (default 1e6 and 1e7), loss names (default
//! all) and `level=NAME` to run the losses at one instruction set level (`scalar`,
//! `sse2`, `avx2`, `avx512`, `neon`) rather than the best one. Each figure is the best
//! of repeated runs, in elements per second. Rows:
//!
//! - `value_and_grad`: the shipped loss's `value_and_grad_into`, writing into a
//!   gradient buffer allocated once;
//! - `value`: the shipped loss's `value`;
//! - `scalar loop`: what a user would write by hand with the standard library's
//!   functions, one element at a time, with a naive running sum;
//! - `stream`: `out[i] = a[i] + b[i]`, which reads two arrays and writes one of the
//!   same length, so it moves as many bytes as `value_and_grad`: the memory-bandwidth
//!   bound.
//!
//! "1 thread" runs in a one-thread rayon pool, "N threads" in the global pool. The
//! scalar loop always runs on one thread.
//!
//! The losses over rows run at fixed shapes, except Dice, which runs at each element
//! count. `dice` is Dice over the whole batch and `dice_rows` Dice per sample on rows of
//! 1000. `cce_logits` is categorical cross-entropy from logits on 1e4 rows of 1000
//! classes. `contrastive` is the contrastive loss on 1e5 pairs of 128-dimensional
//! embeddings, and `approx_ndcg` is ApproxNDCG on 1e4 lists of 100. Their element count
//! is that of `y_pred`, or of one embedding array for `contrastive`, whose stream row
//! adds the two embedding arrays.

use std::hint::black_box;
use std::time::{Duration, Instant};

use losses_core::prelude::*;
use losses_core::simd::{Level, with_level};
use ndarray::Array1;
use rayon::prelude::*;

/// The elementwise losses of the benchmark, by the name used on the command line.
const LOSSES: [&str; 6] = ["mse", "mae", "huber", "bce", "bce_logits", "log_cosh"];

/// The losses over rows, pairs and lists, by the name used on the command line.
const ROW_LOSSES: [&str; 5] = [
    "dice",
    "dice_rows",
    "cce_logits",
    "contrastive",
    "approx_ndcg",
];

/// Row length of `dice_rows`.
const DICE_ROW: usize = 1000;

/// A fixed, seeded source of test data (Marsaglia's xorshift32).
struct XorShift32(u32);

impl XorShift32 {
    /// Returns the next value, uniform on [0, 1).
    fn next_unit(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / (1u32 << 24) as f32
    }

    fn array(&mut self, len: usize, map: impl Fn(f32) -> f32) -> Array1<f32> {
        (0..len).map(|_| map(self.next_unit())).collect()
    }
}

/// Targets and predictions for `loss`: labels in {0, 1} and probabilities in (0, 1) for
/// `bce`, labels and logits in [-8, 8] for `bce_logits`, values in [-3, 3] otherwise.
fn inputs(loss: &str, len: usize) -> (Array1<f32>, Array1<f32>) {
    let mut random = XorShift32(0x9E37_79B9);
    match loss {
        "bce" => (
            random.array(len, |u| (u < 0.5) as u8 as f32),
            random.array(len, |u| u * 0.998 + 0.001),
        ),
        "bce_logits" => (
            random.array(len, |u| (u < 0.5) as u8 as f32),
            random.array(len, |u| 16.0 * u - 8.0),
        ),
        _ => (
            random.array(len, |u| 6.0 * u - 3.0),
            random.array(len, |u| 6.0 * u - 3.0),
        ),
    }
}

/// The scalar loop for `loss`: the mean loss and its gradient, written the way a user
/// would, with the standard library's `f32` functions and a running sum.
fn scalar_loop(loss: &str, y_true: &[f32], y_pred: &[f32], grad: &mut [f32]) -> f32 {
    let n = y_pred.len() as f32;
    let scale = 1.0 / n;
    let mut sum = 0.0f32;
    for ((&t, &p), g) in y_true.iter().zip(y_pred).zip(grad.iter_mut()) {
        let (value, slope) = match loss {
            "mse" => {
                let d = p - t;
                (d * d, 2.0 * d)
            }
            "mae" => {
                let d = p - t;
                let sign = if d > 0.0 {
                    1.0
                } else if d < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                (d.abs(), sign)
            }
            "huber" => {
                let d = p - t;
                if d.abs() <= 1.0 {
                    (0.5 * d * d, d)
                } else {
                    (d.abs() - 0.5, d.signum())
                }
            }
            "bce" => {
                let q = p.clamp(1e-7, 1.0 - 1e-7);
                let value = -(t * q.ln() + (1.0 - t) * (1.0 - q).ln());
                let inside = (1e-7..=1.0 - 1e-7).contains(&p);
                (
                    value,
                    if inside {
                        (q - t) / (q * (1.0 - q))
                    } else {
                        0.0
                    },
                )
            }
            "bce_logits" => {
                let value = p.max(0.0) - p * t + (-p.abs()).exp().ln_1p();
                (value, 1.0 / (1.0 + (-p).exp()) - t)
            }
            "log_cosh" => {
                let d = p - t;
                let a = d.abs();
                (
                    a + (-2.0 * a).exp().ln_1p() - std::f32::consts::LN_2,
                    d.tanh(),
                )
            }
            _ => unreachable!("unknown loss {loss}"),
        };
        sum += value;
        *g = slope * scale;
    }
    sum / n
}

/// Runs one shipped loss on the inputs: `value_and_grad_into`, or `value` when `grad` is
/// `None`.
fn shipped(
    loss: &str,
    y_true: &Array1<f32>,
    y_pred: &Array1<f32>,
    grad: Option<&mut Array1<f32>>,
) -> f32 {
    fn run<L: Loss<f32>>(
        loss: &L,
        y_true: &Array1<f32>,
        y_pred: &Array1<f32>,
        grad: Option<&mut Array1<f32>>,
    ) -> f32 {
        match grad {
            Some(grad) => loss.value_and_grad_into(y_true, y_pred, grad),
            None => loss.value(y_true, y_pred),
        }
        .expect("valid inputs")
    }
    match loss {
        "mse" => run(&MeanSquaredError::new(), y_true, y_pred, grad),
        "mae" => run(&MeanAbsoluteError::new(), y_true, y_pred, grad),
        "huber" => run(&Huber::default(), y_true, y_pred, grad),
        "bce" => run(&BinaryCrossentropy::default(), y_true, y_pred, grad),
        "bce_logits" => run(&BinaryCrossentropy::new(true, 0.0), y_true, y_pred, grad),
        "log_cosh" => run(&LogCosh::new(), y_true, y_pred, grad),
        _ => unreachable!("unknown loss {loss}"),
    }
}

/// `out[i] = a[i] + b[i]`, split over the current pool's threads in chunks of 2^16.
fn stream(a: &[f32], b: &[f32], out: &mut [f32], threads: bool) {
    let add = |(out, (a, b)): (&mut [f32], (&[f32], &[f32]))| {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = x + y;
        }
    };
    const CHUNK: usize = 1 << 16;
    if threads {
        out.par_chunks_mut(CHUNK)
            .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
            .for_each(add);
    } else {
        out.chunks_mut(CHUNK)
            .zip(a.chunks(CHUNK).zip(b.chunks(CHUNK)))
            .for_each(add);
    }
}

/// Returns the shortest time of `run` over repetitions that take about half a second.
///
/// The shortest time is the estimate least disturbed by other processes on the
/// machine, which can only add time.
fn best_time(mut run: impl FnMut()) -> Duration {
    run();
    let start = Instant::now();
    run();
    let once = start.elapsed().max(Duration::from_micros(1));
    let repetitions =
        (Duration::from_millis(500).as_secs_f64() / once.as_secs_f64()).clamp(5.0, 500.0) as usize;
    let mut times: Vec<Duration> = (0..repetitions)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[0]
}

/// Elements per second, in units of 10^9.
fn rate(len: usize, time: Duration) -> f64 {
    len as f64 / time.as_secs_f64() / 1e9
}

/// Writes a rate with three significant digits, so that slow losses keep theirs.
fn significant(rate: f64) -> String {
    let decimals = (2 - rate.abs().log10().floor() as i32).max(0) as usize;
    format!("{rate:.decimals$}")
}

/// The best times of the four rows of the table for one loss.
struct Timings {
    with_grad: Duration,
    value: Duration,
    scalar: Duration,
    stream: Duration,
}

/// Prints one line of the table; `len` is the element count the rates are of.
fn print_row(loss: &str, len: usize, threads: bool, timings: &Timings) {
    let (g, v, s, m) = (
        rate(len, timings.with_grad),
        rate(len, timings.value),
        rate(len, timings.scalar),
        rate(len, timings.stream),
    );
    let threads = if threads {
        rayon::current_num_threads().to_string()
    } else {
        "1".into()
    };
    println!(
        "| {loss} | {len:.2e} | {threads} | {} | {} | {} | {} | {:.2} | {:.3} |",
        significant(g),
        significant(v),
        significant(s),
        significant(m),
        g / s,
        g / m,
    );
}

fn bench_loss(loss: &str, len: usize, threads: bool) {
    let (y_true, y_pred) = inputs(loss, len);
    let mut grad = Array1::zeros(len);
    let mut out = vec![0.0f32; len];
    let (a, b) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());

    let timings = Timings {
        with_grad: best_time(|| {
            black_box(shipped(loss, &y_true, &y_pred, Some(&mut grad)));
        }),
        value: best_time(|| {
            black_box(shipped(loss, &y_true, &y_pred, None));
        }),
        scalar: best_time(|| {
            black_box(scalar_loop(loss, a, b, grad.as_slice_mut().unwrap()));
        }),
        stream: best_time(|| stream(a, b, &mut out, threads)),
    };
    print_row(loss, len, threads, &timings);
}

#[path = "throughput/rows.rs"]
mod rows;

fn main() {
    let arguments: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut lens: Vec<usize> = arguments.iter().filter_map(|a| a.parse().ok()).collect();
    if lens.is_empty() {
        lens = vec![1_000_000, 10_000_000];
    }
    let mut names: Vec<&str> = LOSSES
        .iter()
        .chain(&ROW_LOSSES)
        .copied()
        .filter(|name| arguments.iter().any(|a| a == name))
        .collect();
    if names.is_empty() {
        names = LOSSES.iter().chain(&ROW_LOSSES).copied().collect();
    }

    let level = arguments
        .iter()
        .find_map(|a| a.strip_prefix("level="))
        .map(|name| {
            Level::ALL
                .into_iter()
                .find(|level| format!("{level:?}").eq_ignore_ascii_case(name))
                .unwrap_or_else(|| {
                    panic!("unknown level `{name}`: expected one of {:?}", Level::ALL)
                })
        })
        .unwrap_or_else(Level::best);
    with_level(level, || run(&lens, &names)).unwrap_or_else(|error| panic!("{error}"));
}

fn run(lens: &[usize], names: &[&str]) {
    println!("instruction set level: {:?}", Level::current());
    println!(
        "rates in 10^9 elements per second; ratios of value_and_grad to the scalar loop and to stream"
    );
    println!();
    println!(
        "| loss | elements | threads | value_and_grad | value | scalar loop | stream | vs scalar | vs stream |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let level = Level::current();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let bench = |name: &str, len: usize, threads: bool| {
        if LOSSES.contains(&name) {
            bench_loss(name, len, threads);
        } else {
            rows::bench_row_loss(name, len, threads);
        }
    };
    // The losses of fixed shape run once, with the first element count.
    for (index, &len) in lens.iter().enumerate() {
        for &name in names {
            if index > 0 && !matches!(name, "dice" | "dice_rows") && !LOSSES.contains(&name) {
                continue;
            }
            single.install(|| with_level(level, || bench(name, len, false)).expect("supported"));
            bench(name, len, true);
        }
    }
}
