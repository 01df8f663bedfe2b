//! Rewrites of numerically unstable patterns into their stable primitives.
//!
//! | written                                  | rewritten to        | why                                      |
//! |------------------------------------------|---------------------|------------------------------------------|
//! | `(1.0 + x.exp()).ln()`                   | `softplus(x)`       | `e^x` overflows for x > 88 in f32        |
//! | `sigmoid(x).ln()`, `(1.0 / (1.0 + (-x).exp())).ln()` | `log_sigmoid(x)` | σ(x) rounds to 0 below x ≈ -88 in f32, and ln 0 = -∞ |
//! | `(1.0 - sigmoid(x)).ln()`                | `log_sigmoid(-x)`   | 1 - σ(x) rounds to 0 above x ≈ 17 in f32 |
//! | `(a.exp() + b.exp() + ...).ln()`         | `log_sum_exp(a, b, ...)` | shifted by the maximum, so no term overflows |
//! | `(1.0 + x).ln()`                         | `x.ln_1p()`         | 1 + x loses the digits of a small x      |
//! | `x.exp() - 1.0`                          | `x.exp_m1()`        | the same cancellation near x = 0         |
//! | `x.max(0.0) + (-x.abs()).exp().ln_1p()`  | `softplus(x)`       | one kernel, with the gradient `σ(x)`     |
//! | `x.ln()`, constant bounds keep `x` in the positive normal `f32` numbers | `x.ln_positive()` | skips the checks for 0, negatives, subnormals and ∞ |
//!
//! The last row is a speed-up, not a stability fix: `ln_positive` gives the bits of
//! `ln` on such an `x` and NaN on NaN. Bounds are found for constants,
//! `x.clamp(lo, hi)` with constant bounds, and their sums, differences and
//! negations, so both logarithms of the clamped BCE, `p.ln()` and `(1.0 - p).ln()`
//! with `p = y_pred.clamp(1e-7, 1.0 - 1e-7)`, qualify.
//!
//! A call to a helper whose name is `sigmoid` is taken to be the logistic function
//! `1 / (1 + e^-x)`. The rewritten node keeps its place, guard and name; nodes that only
//! fed the old pattern stay in the IR and compile to dead code.

use crate::ir::{Binary, Block, Function, Id, Node, Op, Stmt, Unary};

/// Applies every rewrite to the function body.
pub fn rewrite(f: &mut Function) {
    let body = std::mem::take(&mut f.body);
    f.body = rewrite_block(f, body);
}

fn rewrite_block(f: &mut Function, block: Block) -> Block {
    let mut stmts = Vec::with_capacity(block.stmts.len());
    for stmt in block.stmts {
        match stmt {
            Stmt::Let(id) => {
                if let Some(extra) = rewrite_node(f, id) {
                    stmts.push(Stmt::Let(extra));
                }
                stmts.push(Stmt::Let(id));
            }
            Stmt::If(mut branch) => {
                branch.then_block = rewrite_block(f, branch.then_block);
                branch.else_block = rewrite_block(f, branch.else_block);
                stmts.push(Stmt::If(branch));
            }
            Stmt::Loop(mut lp) => {
                lp.body = rewrite_block(f, lp.body);
                stmts.push(Stmt::Loop(lp));
            }
        }
    }
    Block { stmts }
}

/// Rewrites node `id` in place when it matches a pattern; returns a node created for
/// the new form, which must be evaluated just before `id`.
fn rewrite_node(f: &mut Function, id: Id) -> Option<Id> {
    match f.nodes[id].op {
        Op::Unary(Unary::Ln, arg) => rewrite_ln(f, id, arg),
        Op::Binary(Binary::Add, a, b) => {
            // The stable softplus, in either order of its terms.
            let x = stable_softplus(f, a, b).or_else(|| stable_softplus(f, b, a));
            if let Some(x) = x {
                f.nodes[id].op = Op::Unary(Unary::Softplus, x);
            }
            None
        }
        Op::Binary(Binary::Sub, a, b) if is_one(f, b) => {
            if let Op::Unary(Unary::Exp, x) = f.nodes[a].op {
                f.nodes[id].op = Op::Unary(Unary::ExpM1, x);
            }
            None
        }
        _ => None,
    }
}

fn rewrite_ln(f: &mut Function, id: Id, arg: Id) -> Option<Id> {
    if let Some(x) = one_plus(f, arg).and_then(|sum| exp_of(f, sum)) {
        f.nodes[id].op = Op::Unary(Unary::Softplus, x);
    } else if let Some(x) = sigmoid_of(f, arg) {
        f.nodes[id].op = Op::Unary(Unary::LogSigmoid, x);
    } else if let Some(x) = one_minus(f, arg).and_then(|s| sigmoid_of(f, s)) {
        // ln(1 - σ(x)) = ln σ(-x)
        let negated = Node {
            op: Op::Unary(Unary::Neg, x),
            name: None,
            ..f.nodes[x].clone()
        };
        let negated = Node {
            guard: f.nodes[id].guard,
            depth: f.nodes[id].depth,
            ..negated
        };
        let neg_id = f.nodes.len();
        f.nodes.push(negated);
        f.nodes[id].op = Op::Unary(Unary::LogSigmoid, neg_id);
        return Some(neg_id);
    } else if let Some(terms) = exp_terms(f, arg) {
        f.nodes[id].op = Op::LogSumExp(terms);
    } else if let Some(x) = one_plus(f, arg) {
        f.nodes[id].op = Op::Unary(Unary::Ln1p, x);
    } else if is_positive_normal(f, arg) {
        f.nodes[id].op = Op::Unary(Unary::LnPositive, arg);
    }
    None
}

/// Returns whether constant bounds keep node `id` a positive normal finite `f32`, when
/// it is not NaN.
fn is_positive_normal(f: &Function, id: Id) -> bool {
    f32_bounds(f, id, 0).is_some_and(|(lo, hi)| lo >= f32::MIN_POSITIVE && hi < f32::INFINITY)
}

/// The deepest expression [`f32_bounds`] looks into.
const MAX_BOUNDS_DEPTH: usize = 16;

/// Returns bounds `(lo, hi)` on the `f32` value of node `id`, when it is not NaN, for
/// constants, `T::epsilon()`, `x.clamp(lo, hi)` with such bounds, and sums,
/// differences and negations of these. Returns `None` for anything else.
///
/// The kernel's `f32` arithmetic rounds to nearest, which never reverses the order of
/// two values, so the bounds of the operands, combined in `f32`, bound the result. A
/// constant is bounded by [`constant_bounds`]. `clamp` returns `lo`, `hi` or a value
/// between them, so its bounds are the lowest and the highest of theirs.
fn f32_bounds(f: &Function, id: Id, depth: usize) -> Option<(f32, f32)> {
    if depth > MAX_BOUNDS_DEPTH {
        return None;
    }
    let bounds = |operand: Id| f32_bounds(f, operand, depth + 1);
    let (lo, hi) = match f.nodes[id].op {
        Op::Const(value, _) => constant_bounds(value),
        Op::TypeConst("epsilon") => (f32::EPSILON, f32::EPSILON),
        Op::Clamp(_, lo, hi) => {
            let (lo, hi) = (bounds(lo)?, bounds(hi)?);
            (lo.0.min(hi.0), lo.1.max(hi.1))
        }
        Op::Binary(Binary::Add, a, b) => {
            let (a, b) = (bounds(a)?, bounds(b)?);
            (a.0 + b.0, a.1 + b.1)
        }
        Op::Binary(Binary::Sub, a, b) => {
            let (a, b) = (bounds(a)?, bounds(b)?);
            (a.0 - b.1, a.1 - b.0)
        }
        Op::Unary(Unary::Neg, a) => {
            let a = bounds(a)?;
            (-a.1, -a.0)
        }
        _ => return None,
    };
    // A NaN bound, from `inf - inf` or a NaN constant, fails the comparison.
    (lo <= hi).then_some((lo, hi))
}

/// Returns the lowest and highest `f32` that a literal of value `value` may become. A
/// value that `f32` represents exactly stays as it is. Any other lies between two
/// neighbouring `f32` values, and rounding its digits, once or through `f64`, gives one
/// of the two.
fn constant_bounds(value: f64) -> (f32, f32) {
    let rounded = value as f32;
    match f64::from(rounded).partial_cmp(&value) {
        Some(std::cmp::Ordering::Less) => (rounded, f32_step(rounded, true)),
        Some(std::cmp::Ordering::Greater) => (f32_step(rounded, false), rounded),
        _ => (rounded, rounded),
    }
}

/// Returns the next `f32` above `value` when `up`, else the next below. Infinities and
/// NaN stay as they are. `f32::next_up` needs a newer Rust than the crate's minimum.
fn f32_step(value: f32, up: bool) -> f32 {
    let end = if up { f32::INFINITY } else { f32::NEG_INFINITY };
    if value.is_nan() || value == end {
        return value;
    }
    if value == 0.0 {
        let smallest = f32::from_bits(1);
        return if up { smallest } else { -smallest };
    }
    // Away from zero the bits of the magnitude grow by one, towards it they shrink.
    let bits = value.to_bits();
    let away = (value > 0.0) == up;
    f32::from_bits(if away { bits + 1 } else { bits - 1 })
}

/// Returns `x` when `rectified` is `max(x, 0)` or `max(0, x)`, and `tail` is
/// `ln(1 + e^-|x|)`.
/// The tail may be written with `ln_1p`, or as `(1 + e^-|x|).ln()`, which an earlier
/// rewrite turned into `softplus(-|x|)`. The sum is softplus in its stable form. Its
/// gradient by the rules of each node, `max'(x, 0) - sign(x) e^-|x| / (1 + e^-|x|)`, is
/// `σ(x)`, the rule of [`Unary::Softplus`], in more operations.
fn stable_softplus(f: &Function, rectified: Id, tail: Id) -> Option<Id> {
    let x = match f.nodes[rectified].op {
        Op::Binary(Binary::Max, x, zero) if is_zero(f, zero) => x,
        Op::Binary(Binary::Max, zero, x) if is_zero(f, zero) => x,
        _ => return None,
    };
    let exponent = match f.nodes[tail].op {
        Op::Unary(Unary::Ln1p, e) => exp_of(f, e)?,
        Op::Unary(Unary::Softplus, exponent) => exponent,
        _ => return None,
    };
    let Op::Unary(Unary::Neg, magnitude) = f.nodes[exponent].op else {
        return None;
    };
    matches!(f.nodes[magnitude].op, Op::Unary(Unary::Abs, inner) if inner == x).then_some(x)
}

fn is_zero(f: &Function, id: Id) -> bool {
    matches!(f.nodes[id].op, Op::Const(value, _) if value == 0.0)
}

fn is_one(f: &Function, id: Id) -> bool {
    matches!(f.nodes[id].op, Op::Const(value, _) if value == 1.0)
}

/// `x` when `id` is `1 + x` or `x + 1`.
fn one_plus(f: &Function, id: Id) -> Option<Id> {
    match f.nodes[id].op {
        Op::Binary(Binary::Add, a, b) if is_one(f, a) => Some(b),
        Op::Binary(Binary::Add, a, b) if is_one(f, b) => Some(a),
        _ => None,
    }
}

/// `x` when `id` is `1 - x`.
fn one_minus(f: &Function, id: Id) -> Option<Id> {
    match f.nodes[id].op {
        Op::Binary(Binary::Sub, a, b) if is_one(f, a) => Some(b),
        _ => None,
    }
}

/// `x` when `id` is `x.exp()`.
fn exp_of(f: &Function, id: Id) -> Option<Id> {
    match f.nodes[id].op {
        Op::Unary(Unary::Exp, x) => Some(x),
        _ => None,
    }
}

/// `x` when `id` is the logistic function of `x`: a call to a helper named `sigmoid`,
/// `1 / (1 + e^-x)` or `(1 + e^-x).recip()`.
fn sigmoid_of(f: &Function, id: Id) -> Option<Id> {
    let denominator = match &f.nodes[id].op {
        Op::Call(path, args) if args.len() == 1 => {
            let named_sigmoid = path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == "sigmoid");
            return named_sigmoid.then_some(args[0]);
        }
        Op::Binary(Binary::Div, one, denominator) if is_one(f, *one) => *denominator,
        Op::Unary(Unary::Recip, denominator) => *denominator,
        _ => return None,
    };
    let exponent = exp_of(f, one_plus(f, denominator)?)?;
    match f.nodes[exponent].op {
        Op::Unary(Unary::Neg, x) => Some(x),
        _ => None,
    }
}

/// The exponents when `id` is a sum of two or more `exp` terms.
fn exp_terms(f: &Function, id: Id) -> Option<Vec<Id>> {
    let mut terms = Vec::new();
    collect_exp_terms(f, id, &mut terms)?;
    (terms.len() >= 2).then_some(terms)
}

fn collect_exp_terms(f: &Function, id: Id, terms: &mut Vec<Id>) -> Option<()> {
    match f.nodes[id].op {
        Op::Binary(Binary::Add, a, b) => {
            collect_exp_terms(f, a, terms)?;
            collect_exp_terms(f, b, terms)
        }
        Op::Unary(Unary::Exp, x) => {
            terms.push(x);
            Some(())
        }
        _ => None,
    }
}
