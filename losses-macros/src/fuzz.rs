//! A no-panic fuzz test of `#[loss]` and `#[differentiable]`.
//!
//! Thousands of seeded inputs go through both expansions: functions generated from a
//! grammar that mixes the supported constructs with unsupported ones, token-level
//! mutations of valid sources, and random attribute arguments. Every expansion must
//! return without panicking, its output must parse as Rust items, and an output without
//! errors must implement a kernel trait. A loss function that parses must get its
//! generated `struct` even when it has errors, and a helper its companion type, so that
//! code naming them shows no follow-on errors. Where the generator can tell, a function
//! that follows the documented grammar must expand without errors, and a function with
//! a construct that the grammar leaves out must be rejected.
//!
//! The cases depend only on their seed. For each kind of failure, the test prints the
//! seed and the input of the first failing case, and that input shrunk token by token
//! to a small one that still fails the same way. Set `LOSSES_FUZZ_CASES` to run more
//! or fewer cases than the default 5000.

use proc_macro2::{Group, TokenStream, TokenTree};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

/// Cases per family. The three families make the default run of 5000 cases.
const GRAMMAR_CASES: u64 = 2500;
const MUTATION_CASES: u64 = 1500;
const ATTRIBUTE_CASES: u64 = 1000;

/// How many kinds of failure are printed in full, with their first case shrunk; the
/// rest are only counted.
const PRINTED_FAILURES: usize = 24;

/// The maximum number of expansions that shrinking one failure may run.
const SHRINK_TRIALS: usize = 20_000;

// ----- random numbers --------------------------------------------------------------

/// Marsaglia's xorshift64, seeded through one SplitMix64 step so that neighbouring
/// seeds give unrelated streams.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns a number in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, chance: usize) -> bool {
        self.below(100) < chance
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ----- the body grammar --------------------------------------------------------------

/// Float literals, including ones that overflow to infinity or underflow to zero.
const FLOAT_LITERALS: &[&str] = &[
    "0.0",
    "1.0",
    "0.5",
    "2.0",
    "1e-7",
    "1e999",
    "1e-400",
    "1e308",
    "-1.5",
    "-0.0",
    "3.5e38",
    "1.7976931348623157e308",
    "4.9e-324",
    "1_000.0",
    "0.1f32",
    "2.5f64",
    "1e999f32",
];

/// Integer literals: errors in a float expression, but valid as `usize` indices.
const INTEGER_LITERALS: &[&str] = &["2", "0", "99999999999999999999999999", "0x10", "1u8"];

/// Literals that are neither numbers nor `bool`.
const TEXT_LITERALS: &[&str] = &["\"text\"", "'c'", "b'c'"];

/// Constructs that the grammar of row losses (slices, `usize` indices, `for` loops and
/// mutable accumulators) accepts in some places. A generated function that contains
/// one is not required to expand or to fail.
const ROW_CONSTRUCTS: &[&str] = &[
    "an integer literal",
    "a cast",
    "indexing",
    "`let mut`",
    "an assignment",
    "a compound assignment",
    "`for`",
    "`continue`",
    "an `i32` binding",
];

/// `powi` exponents that `i32` holds, including its limits.
const POWI_EXPONENTS: &[&str] = &[
    "2",
    "0",
    "1",
    "-1",
    "3",
    "-3",
    "-2147483648",
    "2147483647",
    "-2147483647",
];

/// `powi` exponents that are not `i32` literals.
const BAD_POWI_EXPONENTS: &[&str] = &["2147483648", "99999999999", "i32::MIN", "2.0", "-(3)", "n"];

/// Supported methods with their argument counts.
const METHODS: &[(&str, usize)] = &[
    ("ln", 0),
    ("log2", 0),
    ("log10", 0),
    ("exp", 0),
    ("exp2", 0),
    ("sqrt", 0),
    ("cbrt", 0),
    ("powf", 1),
    ("abs", 0),
    ("max", 1),
    ("min", 1),
    ("clamp", 2),
    ("tanh", 0),
    ("sinh", 0),
    ("cosh", 0),
    ("sin", 0),
    ("cos", 0),
    ("ln_1p", 0),
    ("exp_m1", 0),
    ("signum", 0),
    ("recip", 0),
    ("hypot", 1),
    ("detach", 0),
];

/// Misspelt and unsupported methods.
const BAD_METHODS: &[&str] = &[
    "lnn",
    "detatch",
    "expp",
    "sqr",
    "to_degrees",
    "mul_add",
    "atan2",
    "is_nan",
];

/// Function names, including ones whose UpperCamelCase form is not a valid type name.
const FUNCTION_NAMES: &[&str] = &[
    "loss",
    "huber",
    "a_b_c",
    "mse2",
    "x",
    "self_",
    "ß_loss",
    "__",
    "_2d",
    "r#type",
    "snake__case_",
];

/// The generator of function bodies, with the names in scope so far.
struct Grammar<'r> {
    rng: &'r mut Rng,
    /// The chance, in percent, that a choice is one the macro must reject.
    noise: usize,
    /// The first construct chosen that the macro must reject, if any.
    rejected: Option<&'static str>,
    /// Whether one of the `ROW_CONSTRUCTS` was chosen.
    uncertain: bool,
    /// The attribute the function is generated for.
    attribute: Attribute,
    /// The function's name, for recursive calls.
    name: &'static str,
    /// The float type of the function: `f32`, `f64` or `T`.
    float_type: &'static str,
    /// Float names in scope: parameters and earlier `let`s.
    floats: Vec<String>,
    /// `bool` names in scope.
    bools: Vec<String>,
    /// Names of the float hyper-parameters, the same for every sample.
    float_hypers: Vec<String>,
    lets: usize,
}

impl Grammar<'_> {
    /// Decides whether the next choice is one that the macro must reject.
    fn odd(&mut self) -> bool {
        self.rng.percent(self.noise)
    }

    /// Records that the function contains `construct`, which the macro must reject
    /// unless it is one of the `ROW_CONSTRUCTS`.
    fn reject(&mut self, construct: &'static str) {
        if ROW_CONSTRUCTS.contains(&construct) {
            self.uncertain = true;
        } else {
            self.rejected.get_or_insert(construct);
        }
    }

    fn float_name(&mut self) -> String {
        if self.odd() {
            self.reject("an undefined name");
            return "undefined_name".to_string();
        }
        self.rng.pick(&self.floats).clone()
    }

    fn literal(&mut self) -> String {
        if self.odd() {
            if self.rng.percent(50) {
                self.reject("an integer literal");
                return self.rng.pick(INTEGER_LITERALS).to_string();
            }
            self.reject("a text literal");
            return self.rng.pick(TEXT_LITERALS).to_string();
        }
        let literal = self.rng.pick(FLOAT_LITERALS).to_string();
        // A literal that overflows to infinity is rejected, as rustc rejects it in an
        // `f32` or `f64` expression.
        if literal.starts_with("1e999") {
            self.reject("a float literal that overflows");
        }
        // A type suffix contradicts the generic float type.
        if self.float_type == "T" && (literal.ends_with("f32") || literal.ends_with("f64")) {
            self.reject("a literal with a type suffix in a generic function");
        }
        literal
    }

    /// Generates a float expression nested at most `depth` levels.
    fn float(&mut self, depth: usize) -> String {
        if depth == 0 {
            return match self.rng.below(3) {
                0 => self.literal(),
                _ => self.float_name(),
            };
        }
        let d = depth - 1;
        if self.odd() {
            return self.unsupported(d);
        }
        match self.rng.below(18) {
            0..=2 => self.float_name(),
            3 => self.literal(),
            4..=6 => {
                let op = *self.rng.pick(&["+", "-", "*", "/"]);
                format!("({} {op} {})", self.float(d), self.float(d))
            }
            7 => format!("-{}", self.float(d)),
            8..=10 => self.method(d),
            11 => self.powi(d),
            12 | 13 => self.if_else(d),
            14 => self.call(d),
            15 => self.rewrite_pattern(d),
            16 => format!(
                "{{ let inner = {}; inner * {} }}",
                self.float(d),
                self.float(d)
            ),
            _ => self
                .rng
                .pick(&[
                    "std::f64::consts::PI",
                    "f32::consts::LN_2",
                    "core::f64::consts::E",
                ])
                .to_string(),
        }
    }

    fn method(&mut self, depth: usize) -> String {
        let (mut name, arity) = *self.rng.pick(METHODS);
        let mut count = arity;
        if self.odd() {
            self.reject("a method call with the wrong number of arguments");
            count = (arity + 1 + self.rng.below(2)) % 4;
        }
        if self.odd() {
            self.reject("a method outside the table");
            name = *self.rng.pick(BAD_METHODS);
        }
        let args: Vec<String> = (0..count).map(|_| self.float(depth)).collect();
        format!("({}).{name}({})", self.float(depth), args.join(", "))
    }

    fn powi(&mut self, depth: usize) -> String {
        let exponent = if self.odd() {
            self.reject("a `powi` exponent that is not an `i32` literal");
            self.rng.pick(BAD_POWI_EXPONENTS)
        } else {
            self.rng.pick(POWI_EXPONENTS)
        };
        format!("({}).powi({exponent})", self.float(depth))
    }

    fn if_else(&mut self, depth: usize) -> String {
        let cond = self.condition(depth);
        if self.odd() {
            if self.rng.percent(50) {
                self.reject("an `if` without `else`");
                let then_value = self.float(depth);
                return format!("if {cond} {{ {then_value} }}");
            }
            self.reject("an `if` that yields a `bool`");
            let (a, b) = (self.comparison(depth), self.comparison(depth));
            return format!("if {cond} {{ {a} }} else {{ {b} }}");
        }
        let then_value = self.float(depth);
        match self.rng.below(4) {
            0 => format!(
                "if {cond} {{ {then_value} }} else if {} {{ {} }} else {{ {} }}",
                self.condition(depth),
                self.float(depth),
                self.float(depth)
            ),
            _ => format!(
                "if {cond} {{ {then_value} }} else {{ {} }}",
                self.float(depth)
            ),
        }
    }

    /// Generates a condition; a float in its place is an error.
    fn condition(&mut self, depth: usize) -> String {
        if self.odd() {
            self.reject("a float used as a condition");
            return self.float(depth.min(1));
        }
        self.comparison(depth)
    }

    /// Generates a `bool` expression on per-sample data, on hyper-parameters, or on
    /// both.
    fn comparison(&mut self, depth: usize) -> String {
        let cmp = *self.rng.pick(&["<", "<=", ">", ">=", "==", "!="]);
        match self.rng.below(8) {
            0 if !self.bools.is_empty() => self.rng.pick(&self.bools).clone(),
            1 if !self.float_hypers.is_empty() => {
                let hyper = self.rng.pick(&self.float_hypers).clone();
                format!("{hyper} {cmp} {}", self.literal())
            }
            2 if depth > 0 => format!(
                "{} && {}",
                self.condition(depth - 1),
                self.condition(depth - 1)
            ),
            3 if depth > 0 => format!(
                "({} || !({}))",
                self.condition(depth - 1),
                self.condition(depth - 1)
            ),
            _ => format!(
                "{} {cmp} {}",
                self.float(depth.min(1)),
                self.float(depth.min(1))
            ),
        }
    }

    /// Generates a helper call. The valid ones name `softplus`, `sigmoid` or
    /// `helpers::scaled`, which the expansion only refers to by path.
    fn call(&mut self, depth: usize) -> String {
        let x = self.float(depth);
        if self.odd() {
            return match self.rng.below(3) {
                0 => {
                    self.reject("a float method written as a function");
                    format!("f32::max({x}, 0.0)")
                }
                1 => {
                    self.reject("a closure call");
                    format!("(|v| v)({x})")
                }
                _ => {
                    self.reject("recursion");
                    format!("{}(y_true, {x})", self.name)
                }
            };
        }
        match self.rng.below(3) {
            0 => format!("softplus({x})"),
            1 => format!("sigmoid({x})"),
            _ => format!("helpers::scaled({x}, {})", self.float(depth)),
        }
    }

    /// Generates an input of the stable-form rewrites: softplus, log-sigmoid,
    /// log-sum-exp, `ln_1p` and `exp_m1`.
    fn rewrite_pattern(&mut self, depth: usize) -> String {
        let x = self.float(depth);
        match self.rng.below(6) {
            0 => format!("(1.0 + ({x}).exp()).ln()"),
            1 => format!("(1.0 / (1.0 + (-({x})).exp())).ln()"),
            2 => format!("(1.0 - sigmoid({x})).ln()"),
            3 => format!(
                "(({x}).exp() + ({}).exp() + ({}).exp()).ln()",
                self.float(depth),
                self.float(depth)
            ),
            4 => format!("(1.0 + {x}).ln()"),
            _ => format!("({x}).exp() - 1.0"),
        }
    }

    /// Generates an expression that the `#[loss]` grammar leaves out.
    fn unsupported(&mut self, depth: usize) -> String {
        let x = self.float(depth);
        let (construct, text) = match self.rng.below(17) {
            0 => ("a cast", format!("({x}) as f64")),
            1 => ("indexing", format!("[{x}][0]")),
            2 => ("`%`", format!("({x}) % 2.0")),
            3 => ("a bitwise operator", format!("(({x}) & 1.0)")),
            4 => ("a shift", format!("(({x}) << 1)")),
            5 => ("a tuple", format!("({x}, {x})")),
            6 => ("a reference", format!("&({x})")),
            7 => ("a dereference", format!("*({x})")),
            8 => ("`match`", format!("match {x} {{ _ => {x} }}")),
            9 => ("`loop`", format!("loop {{ break {x}; }}")),
            10 => ("a macro", format!("dbg!({x})")),
            11 => ("`?`", format!("Some({x})?")),
            12 => ("a field access", format!("({x}).0")),
            13 => ("an `unsafe` block", format!("unsafe {{ {x} }}")),
            14 => ("a labelled block", format!("'a: {{ {x} }}")),
            15 => ("a `const` block", format!("const {{ {x} }}")),
            _ => ("`.await`", format!("async {{ {x} }}.await")),
        };
        self.reject(construct);
        text
    }

    /// Generates a statement: mostly a `let` of a float or a condition, sometimes one
    /// that the `#[loss]` grammar leaves out.
    fn statement(&mut self) -> String {
        let name = format!("v{}", self.lets);
        self.lets += 1;
        if self.odd() {
            return self.unsupported_statement(&name);
        }
        if self.rng.percent(80) {
            let value = self.float(3);
            self.floats.push(name.clone());
            let annotation = if self.rng.percent(10) {
                format!(": {}", self.float_type)
            } else {
                String::new()
            };
            return format!("let {name}{annotation} = {value};");
        }
        let value = self.comparison(2);
        self.bools.push(name.clone());
        format!("let {name} = {value};")
    }

    fn unsupported_statement(&mut self, name: &str) -> String {
        let (construct, text) = match self.rng.below(10) {
            0 => ("`let mut`", format!("let mut {name} = {};", self.float(1))),
            1 => ("an assignment", format!("y_pred = {};", self.float(1))),
            2 => (
                "a compound assignment",
                format!("{} += 1.0;", self.float_name()),
            ),
            3 => ("`while`", format!("while {} {{}}", self.condition(1))),
            4 => (
                "`for`",
                format!("for i in 0..3 {{ let _ = {}; }}", self.float(1)),
            ),
            5 => (
                "a macro statement",
                format!("println!(\"{{}}\", {});", self.float(1)),
            ),
            6 => ("an early `return`", format!("return {};", self.float(1))),
            7 => (
                "an early `return` inside an `if`",
                format!("if {} {{ return {}; }}", self.condition(1), self.float(1)),
            ),
            8 => ("an expression statement", format!("{};", self.float(1))),
            _ => {
                let (construct, text) = *self.rng.pick(&[
                    ("a tuple pattern", "let (a, b) = (y_true, y_pred);"),
                    ("an `i32` binding", "let v: i32 = 1;"),
                    ("a `let` without a value", "let w;"),
                    ("an item in the body", "fn inner() {}"),
                    ("`let ... else`", "let Some(q) = None else { return 0.0; };"),
                    ("`continue`", "continue;"),
                ]);
                (construct, text.to_string())
            }
        };
        self.reject(construct);
        text
    }

    fn body(&mut self) -> String {
        let count = self.rng.below(5);
        let mut lines: Vec<String> = (0..count).map(|_| self.statement()).collect();
        let last = if self.odd() {
            match self.rng.below(3) {
                0 => {
                    self.reject("a tail expression with a semicolon");
                    format!("{};", self.float(3))
                }
                1 => {
                    self.reject("a body without a tail expression");
                    String::new()
                }
                _ => {
                    self.reject("a `bool` loss value");
                    self.comparison(1)
                }
            }
        } else if self.rng.percent(10) {
            format!("return {};", self.float(3))
        } else {
            self.float(3)
        };
        lines.push(last);
        lines.join("\n    ")
    }
}

/// The float type of a generated function and its generic parameter list, sometimes
/// one the macro rejects.
fn float_type(grammar: &mut Grammar<'_>) -> (&'static str, &'static str) {
    if grammar.odd() && grammar.rng.percent(20) {
        grammar.reject("integer parameters");
        return ("i32", "");
    }
    if grammar.odd() {
        let (construct, generics) = *grammar.rng.pick(&[
            ("a generic without a `Float` bound", "<T>"),
            ("two generic parameters", "<T, U: Float>"),
            ("a lifetime parameter", "<'a, T: Float>"),
            ("a const generic", "<T: num_traits::Float, const N: usize>"),
        ]);
        grammar.reject(construct);
        return ("T", generics);
    }
    match grammar.rng.below(7) {
        0..=2 => ("f32", ""),
        3 | 4 => ("f64", ""),
        5 => ("T", "<T: Float>"),
        _ => ("T", "<T: losses_core::Float>"),
    }
}

/// Generates the parameter list of a function and adds the names to the scope.
fn parameters(grammar: &mut Grammar<'_>, float: &str) -> String {
    let mut params = vec![format!("y_true: {float}"), format!("y_pred: {float}")];
    if grammar.rng.percent(10) {
        params.swap(0, 1);
    }
    if grammar.rng.percent(50) {
        params.push(format!("delta: {float}"));
        grammar.floats.push("delta".to_string());
        grammar.float_hypers.push("delta".to_string());
    }
    if grammar.rng.percent(40) {
        params.push("flag: bool".to_string());
        grammar.bools.push("flag".to_string());
    }
    // A helper's parameters may have any names, so only a loss must reject this.
    if grammar.odd() {
        if grammar.attribute == Attribute::Loss {
            grammar.reject("a missing `y_true` or `y_pred`");
        }
        let removed = params.remove(grammar.rng.below(2));
        grammar
            .floats
            .retain(|name| !removed.starts_with(&format!("{name}:")));
    }
    if grammar.odd() {
        let (construct, param) = *grammar.rng.pick(&[
            ("an `i32` parameter", "n: i32"),
            ("a `String` parameter", "label: String"),
            ("a `mut` parameter", "mut m: f32"),
            ("a `&mut` parameter", "r: &mut f32"),
            ("a slice parameter", "s: &[i32]"),
            ("a tuple parameter", "(a, b): (f32, f32)"),
            ("a `self` parameter", "self"),
        ]);
        grammar.reject(construct);
        params.push(param.to_string());
    }
    params.join(", ")
}

/// Generates the `fn` qualifiers and the return type of a function.
fn signature_parts(grammar: &mut Grammar<'_>, float: &str) -> (&'static str, String) {
    let qualifier = if grammar.odd() {
        let (construct, qualifier) = *grammar.rng.pick(&[
            ("`const fn`", "const "),
            ("`async fn`", "async "),
            ("`unsafe fn`", "unsafe "),
            ("an `extern` ABI", "extern \"C\" "),
        ]);
        grammar.reject(construct);
        qualifier
    } else {
        ""
    };
    let output = if grammar.odd() {
        let (construct, output) = *grammar.rng.pick(&[
            ("a missing return type", ""),
            ("an `i32` return type", " -> i32"),
            ("a tuple return type", " -> (f32, f32)"),
        ]);
        grammar.reject(construct);
        output.to_string()
    } else {
        format!(" -> {float}")
    };
    (qualifier, output)
}

/// A generated function and what the macro must do with it.
struct Generated {
    source: String,
    expect: Expect,
}

/// Generates the source of one function, with about `noise` percent of its choices
/// rejected by the macro. Some of its names are awkward to turn into a type name.
fn generated_function(rng: &mut Rng, attribute: Attribute, noise: usize) -> Generated {
    let name = if rng.percent(10) {
        *rng.pick(FUNCTION_NAMES)
    } else {
        "weighted_bce"
    };
    let mut grammar = Grammar {
        rng,
        noise,
        rejected: None,
        uncertain: false,
        attribute,
        name,
        float_type: "f32",
        floats: vec!["y_true".to_string(), "y_pred".to_string()],
        bools: Vec::new(),
        float_hypers: Vec::new(),
        lets: 0,
    };
    // These names give no valid type name (`Self`, an empty name, a leading digit),
    // which a loss reports; a helper has no generated type.
    if matches!(attribute, Attribute::Loss) && matches!(name, "self_" | "__" | "_2d") {
        grammar.rejected = Some("a function name that gives no valid type name");
    }
    let (float, generics) = float_type(&mut grammar);
    grammar.float_type = float;
    let (qualifier, output) = signature_parts(&mut grammar, float);
    let params = parameters(&mut grammar, float);
    let body = grammar.body();
    let expect = match (grammar.rejected, grammar.uncertain) {
        (Some(construct), _) => Expect::Error(construct),
        (None, true) => Expect::Either,
        (None, false) => Expect::Expansion,
    };
    Generated {
        source: format!("{qualifier}fn {name}{generics}({params}){output} {{\n    {body}\n}}"),
        expect,
    }
}

// ----- mutations of valid sources ----------------------------------------------------

/// Valid inputs: `(is a loss, attribute arguments, function)`.
const VALID_SOURCES: &[(bool, &str, &str)] = &[
    (
        true,
        "",
        "fn weighted_bce(y_true: f32, y_pred: f32, w0: f32, w1: f32) -> f32 {
            let p = y_pred.clamp(1e-7, 1.0 - 1e-7);
            let bce = -(y_true * p.ln() + (1.0 - y_true) * (1.0 - p).ln());
            (y_true * w1 + (1.0 - y_true) * w0) * bce
        }",
    ),
    (
        true,
        "defaults(delta = 1.0, from_logits = false), require(delta >= 0.0), name = Huber",
        "fn huberish<T: Float>(y_true: T, y_pred: T, delta: T, from_logits: bool) -> T {
            let p = if from_logits { softplus(y_pred) } else { y_pred };
            let e = (p - y_true).abs();
            if e <= delta { 0.5 * e * e } else { delta * (e - 0.5 * delta) }
        }",
    ),
    (
        true,
        "",
        "fn guarded(y_true: f64, y_pred: f64) -> f64 {
            let d = y_pred - y_true;
            if y_pred > 0.0 && !(d == 0.0) {
                y_pred.sqrt() * d.powi(3)
            } else if y_pred < -1.0 {
                d.hypot(y_true)
            } else {
                y_true.powf(y_pred)
            }
        }",
    ),
    (
        true,
        "",
        "fn stable<T>(y_true: T, y_pred: T) -> T where T: Float {
            let a = (1.0 + y_pred.exp()).ln();
            let b = (y_pred.exp() + y_true.exp()).ln();
            let c = (1.0 - sigmoid(y_pred)).ln();
            return a + b + c + (y_pred.exp() - 1.0) + (1.0 + y_true).ln() * std::f64::consts::PI;
        }",
    ),
    (
        true,
        "defaults(scale = 2.0)",
        "fn scaled(y_pred: f32, scale: f32, y_true: f32) -> f32 {
            let e = { let inner = y_pred - y_true; inner.abs() };
            scale * e.max(0.0).min(1.0).tanh().exp_m1().ln_1p().cbrt().recip()
        }",
    ),
    (
        true,
        "defaults(smoothing = 0.1)",
        "fn row_softmax_ce<T: Float>(y_true: &[T], y_pred: &[T], smoothing: T) -> T {
            let n = T::from(y_pred.len()).unwrap();
            let mut top = y_pred[0];
            for i in 1..y_pred.len() {
                top = top.max(y_pred[i]);
            }
            let mut total = 0.0;
            for i in 0..y_pred.len() {
                total += (y_pred[i] - top).exp();
            }
            let mut loss = 0.0;
            for k in 0..y_true.len() {
                loss += (y_true[k] * (1.0 - smoothing) + smoothing / n) * (top + total.ln() - y_pred[k]);
            }
            loss
        }",
    ),
    (
        true,
        "",
        "fn detached_shift(y_true: &[f32], y_pred: &[f32]) -> f32 {
            let mut top = y_pred[0];
            for i in 1..y_pred.len() {
                top = top.max(y_pred[i]);
            }
            let mut total = 0.0;
            for i in 0..y_pred.len() {
                total += y_true[i] * (y_pred[i] - top.detach()).exp();
            }
            total.ln() + top.detach()
        }",
    ),
    (
        true,
        "",
        "fn banded(y_true: &[f64], y_pred: &[f64], width: usize, weights: &[f64]) -> f64 {
            let mut acc = 0.0;
            for i in 0..width {
                let d = y_pred[i] - y_true[i];
                acc += weights[i] * if d > 0.0 { d * d } else { -d };
            }
            acc / (width as f64)
        }",
    ),
    (
        true,
        "",
        "fn kept_products(y_true: &[f64], y_pred: &[f64]) -> f64 {
            let n = y_pred.len();
            let mut kept = vec![0.0; n];
            let mut parity = [0.0; 2];
            let mut product = 1.0;
            for i in 0..n {
                kept[i] = y_pred[i] * y_true[i];
                parity[i % 2] -= kept[i];
                product *= 1.0 + kept[i];
            }
            let mut total = 0.0;
            for i in 0..kept.len() {
                total += kept[i] * parity[i % 2];
            }
            total + product
        }",
    ),
    (
        true,
        "",
        "fn projected<T: Float>(y_true: &[T], y_pred: &[T], scale: T) -> T {
            let mut total = T::zero();
            for i in 0..y_pred.len() {
                total += y_pred[i] * dot(y_pred, y_true);
            }
            total + helpers::gap(y_pred, y_pred, scale, true)
        }",
    ),
    (
        false,
        "",
        "fn gap<T: Float>(a: &[T], b: &[T], scale: T, squared: bool) -> T {
            let mut sum = T::one();
            for i in 0..a.len() {
                sum += (a[i] - b[i]).powi(2);
            }
            if squared { scale * dot(a, b) * sum } else { scale * sum.sqrt() }
        }",
    ),
    (
        false,
        "",
        "fn softplus<T: Float>(x: T) -> T {
            x.max(0.0) + (-x.abs()).exp().ln_1p()
        }",
    ),
    (
        false,
        "",
        "fn mix(a: f64, b: f64, swap: bool) -> f64 {
            if swap { b.sin() * a.cos() } else { a.sinh() - b.cosh() }
        }",
    ),
];

/// Removes, repeats, swaps or replaces one token or group, at a random depth.
fn mutate(stream: TokenStream, rng: &mut Rng) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    let groups: Vec<usize> = (0..trees.len())
        .filter(|&index| matches!(trees[index], TokenTree::Group(_)))
        .collect();
    if !groups.is_empty() && rng.percent(60) {
        let index = *rng.pick(&groups);
        if let TokenTree::Group(group) = &trees[index] {
            let mut inner = Group::new(group.delimiter(), mutate(group.stream(), rng));
            inner.set_span(group.span());
            trees[index] = TokenTree::Group(inner);
        }
        return trees.into_iter().collect();
    }
    apply_edit(&mut trees, rng);
    trees.into_iter().collect()
}

fn apply_edit(trees: &mut Vec<TokenTree>, rng: &mut Rng) {
    if trees.is_empty() {
        trees.push(random_token(rng));
        return;
    }
    let index = rng.below(trees.len());
    match rng.below(4) {
        0 => {
            trees.remove(index);
        }
        1 => trees.insert(index, trees[index].clone()),
        2 => {
            let other = rng.below(trees.len());
            trees.swap(index, other);
        }
        _ => trees[index] = random_token(rng),
    }
}

fn random_token(rng: &mut Rng) -> TokenTree {
    let text = *rng.pick(&[
        ";", ",", ".", "-", "!", "0", "1.0", "1e999", "while", "let", "mut", "return", "y_pred",
        "y_true", "T", "f32", "bool", "if", "else", "()", "{}", "?", "&", "as", "#", "'a",
    ]);
    let semicolon = TokenTree::Punct(proc_macro2::Punct::new(';', proc_macro2::Spacing::Alone));
    parse(text).into_iter().next().unwrap_or(semicolon)
}

// ----- attribute arguments -----------------------------------------------------------

/// Generates `#[loss(...)]` arguments: known and unknown keys, well-formed and not.
fn attribute_arguments(rng: &mut Rng) -> String {
    let count = rng.below(4);
    let mut args: Vec<String> = (0..count).map(|_| attribute_argument(rng)).collect();
    if rng.percent(15) {
        let stray = *rng.pick(&["", ",", "=", "(", "defaults(", "1.0", "name =", "::", "#"]);
        args.push(stray.to_string());
    }
    let separator = if rng.percent(90) { ", " } else { " " };
    args.join(separator)
}

/// Values for `defaults(...)`: of each parameter type, of the wrong type, and not
/// literals at all.
const DEFAULT_VALUES: &[&str] = &[
    "1.0",
    "-1.0",
    "1",
    "true",
    "-true",
    "\"one\"",
    "x",
    "1e999",
    "f32::MAX",
    "2.0 * 3.0",
    "()",
];

fn attribute_argument(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 | 1 => {
            let count = rng.below(4);
            let pairs: Vec<String> = (0..count)
                .map(|_| {
                    let key = *rng.pick(&["delta", "flag", "missing", "a::b", "y_pred", "delta"]);
                    format!("{key} = {}", rng.pick(DEFAULT_VALUES))
                })
                .collect();
            format!("defaults({})", pairs.join(", "))
        }
        2 | 3 => {
            let count = rng.below(3);
            let conditions: Vec<&str> = (0..count)
                .map(|_| {
                    *rng.pick(&[
                        "delta >= 0.0",
                        "flag",
                        "delta.is_finite()",
                        "y_pred > 0.0",
                        "1 +",
                        "delta > unknown",
                    ])
                })
                .collect();
            format!("require({})", conditions.join(", "))
        }
        4 => {
            let name = *rng.pick(&["Huber", "\"Huber\"", "a::B", "1", "r#type", "Self", "_"]);
            format!("name = {name}")
        }
        5 => rng
            .pick(&[
                "defaults = 1.0",
                "require",
                "name(Huber)",
                "name",
                "defaults",
            ])
            .to_string(),
        6 => rng
            .pick(&[
                "reduction = \"mean\"",
                "a::b = 1",
                "unknown(x)",
                "Defaults(delta = 1.0)",
            ])
            .to_string(),
        _ => format!("defaults(delta = {})", rng.pick(DEFAULT_VALUES)),
    }
}

/// A valid loss with one float and one `bool` hyper-parameter, for attribute cases.
const ATTRIBUTE_TARGET: &str =
    "fn huberish(y_true: f64, y_pred: f64, delta: f64, flag: bool) -> f64 {
    let e = (y_pred - y_true).abs();
    if flag { e } else { e.min(delta) }
}";

// ----- running and checking one case -------------------------------------------------

/// The attribute a case expands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attribute {
    Loss,
    Differentiable,
}

/// One input: the attribute, its arguments and the item it is placed on.
#[derive(Clone)]
struct Case {
    attribute: Attribute,
    args: TokenStream,
    input: TokenStream,
    /// The result the macro must give for the input, where the generator can tell.
    expect: Expect,
}

/// The expected result of expanding an input.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The input follows the documented grammar: expand it without errors.
    Expansion,
    /// The input contains this construct, which the grammar leaves out: report it.
    Error(&'static str),
    /// A case that may go either way: a mutated source, random attribute arguments,
    /// or a function with one of the `ROW_CONSTRUCTS`.
    Either,
}

/// The result of an expansion that broke no invariant.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Expanded,
    Rejected,
}

thread_local! {
    /// Whether the panic hook stays silent on this thread, while cases run.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once, a panic hook that is silent on the fuzzing thread and defers to the
/// previous hook on every other thread.
fn install_quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        return (*text).to_string();
    }
    if let Some(text) = payload.downcast_ref::<String>() {
        return text.clone();
    }
    "a panic with a non-string payload".to_string()
}

/// Expands `case` and checks the output; `Err` names the broken invariant.
fn run(case: &Case) -> Result<Outcome, String> {
    let (args, input) = (case.args.clone(), case.input.clone());
    let parsed = syn::parse2::<syn::ItemFn>(input.clone()).ok();
    QUIET.with(|quiet| quiet.set(true));
    // `#[differentiable]` is only expanded on an input that parses, as `lib.rs` does.
    let result = panic::catch_unwind(AssertUnwindSafe(|| match case.attribute {
        Attribute::Loss => Some(crate::expand::loss(args, input)),
        Attribute::Differentiable => parsed.clone().map(|item| crate::helper::expand(args, item)),
    }));
    QUIET.with(|quiet| quiet.set(false));
    match result {
        Ok(Some(output)) => check_output(case, parsed.is_some(), output),
        Ok(None) => Ok(Outcome::Rejected),
        Err(payload) => Err(format!("panic: {}", panic_message(&*payload))),
    }
}

fn check_output(case: &Case, input_parses: bool, output: TokenStream) -> Result<Outcome, String> {
    let text = output.to_string();
    let rejected = text.contains("compile_error");
    let file = syn::parse2::<syn::File>(output)
        .map_err(|error| format!("the output does not parse as items: {error}"))?;
    if text.contains("internal:") {
        return Err("the output contains an internal error".to_string());
    }
    match case.expect {
        Expect::Expansion if rejected => {
            return Err(format!(
                "a valid function is rejected: {}",
                first_error(&text)
            ));
        }
        Expect::Error(construct) if !rejected => {
            return Err(format!(
                "a function with {construct} expands without errors"
            ));
        }
        _ => {}
    }
    let declares = |wanted: fn(&syn::Item) -> bool| file.items.iter().any(wanted);
    let has_struct = declares(|item| matches!(item, syn::Item::Struct(_)));
    let has_enum = declares(|item| matches!(item, syn::Item::Enum(_)));
    match case.attribute {
        Attribute::Loss if input_parses && !has_struct => {
            Err("a loss that parses gets no generated struct".to_string())
        }
        // `ElementwiseKernel` or `RowKernel`: the stub items of a failed expansion
        // implement neither.
        Attribute::Loss if !rejected && !text.contains("Kernel <") => {
            Err("the output has no error and no kernel impl".to_string())
        }
        Attribute::Differentiable if !has_enum => {
            Err("a helper that parses gets no companion type".to_string())
        }
        _ if rejected => Ok(Outcome::Rejected),
        _ => Ok(Outcome::Expanded),
    }
}

/// Returns the start of the first `compile_error!` invocation in an expansion's text.
fn first_error(text: &str) -> &str {
    let start = text.find("compile_error").unwrap_or(0);
    let rest = &text[start..];
    let end = rest.find('}').unwrap_or(rest.len());
    &rest[..end]
}

// ----- shrinking ---------------------------------------------------------------------

/// Removes tokens and groups from `case.input`, then from `case.args`, while the case
/// keeps failing with the same message. The search stops after `SHRINK_TRIALS`
/// expansions, so a long input may come back only partly shrunk.
fn shrink(case: &Case, failure: &str) -> Case {
    let mut best = case.clone();
    let mut trials = 0;
    let mut changed = true;
    while changed && trials < SHRINK_TRIALS {
        changed = false;
        for target in [Target::Input, Target::Args] {
            for candidate in removals(target.get(&best)) {
                trials += 1;
                let mut trial = best.clone();
                *target.get_mut(&mut trial) = candidate;
                if run(&trial).err().as_deref() == Some(failure) {
                    best = trial;
                    changed = true;
                    break;
                }
                if trials >= SHRINK_TRIALS {
                    break;
                }
            }
        }
    }
    best
}

/// The token stream of a case that shrinking edits.
#[derive(Clone, Copy)]
enum Target {
    Input,
    Args,
}

impl Target {
    fn get(self, case: &Case) -> &TokenStream {
        match self {
            Target::Input => &case.input,
            Target::Args => &case.args,
        }
    }

    fn get_mut(self, case: &mut Case) -> &mut TokenStream {
        match self {
            Target::Input => &mut case.input,
            Target::Args => &mut case.args,
        }
    }
}

/// Lists every stream obtained by removing one token or group, at any depth, or by
/// replacing a group with its contents.
fn removals(stream: &TokenStream) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = stream.clone().into_iter().collect();
    let mut out = Vec::new();
    for index in 0..trees.len() {
        let mut without = trees.clone();
        let removed = without.remove(index);
        out.push(without.into_iter().collect());
        let TokenTree::Group(group) = removed else {
            continue;
        };
        let mut unwrapped = trees[..index].to_vec();
        unwrapped.extend(group.stream());
        unwrapped.extend(trees[index + 1..].iter().cloned());
        out.push(unwrapped.into_iter().collect());
        for inner in removals(&group.stream()) {
            let mut replaced = trees.clone();
            let mut new_group = Group::new(group.delimiter(), inner);
            new_group.set_span(group.span());
            replaced[index] = TokenTree::Group(new_group);
            out.push(replaced.into_iter().collect());
        }
    }
    out
}

// ----- the test ----------------------------------------------------------------------

fn parse(source: &str) -> TokenStream {
    source.parse().unwrap_or_default()
}

fn grammar_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let attribute = if rng.percent(85) {
        Attribute::Loss
    } else {
        Attribute::Differentiable
    };
    let noise = *rng.pick(&[0, 1, 3, 8]);
    let generated = generated_function(&mut rng, attribute, noise);
    Case {
        attribute,
        args: TokenStream::new(),
        input: parse(&generated.source),
        expect: generated.expect,
    }
}

fn mutation_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (is_loss, args, function) = *rng.pick(VALID_SOURCES);
    let (mut args, mut input) = (parse(args), parse(function));
    for _ in 0..1 + rng.below(3) {
        if rng.percent(15) {
            args = mutate(args, &mut rng);
        } else {
            input = mutate(input, &mut rng);
        }
    }
    let attribute = if is_loss {
        Attribute::Loss
    } else {
        Attribute::Differentiable
    };
    Case {
        attribute,
        args,
        input,
        expect: Expect::Either,
    }
}

fn attribute_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let attribute = if rng.percent(90) {
        Attribute::Loss
    } else {
        Attribute::Differentiable
    };
    Case {
        attribute,
        args: parse(&attribute_arguments(&mut rng)),
        input: parse(ATTRIBUTE_TARGET),
        expect: Expect::Either,
    }
}

/// A family of cases: its name, its case generator and how many cases to run.
type Family = (&'static str, fn(u64) -> Case, u64);

/// Lists the case families with their case counts, scaled so that they add up to
/// `LOSSES_FUZZ_CASES` when it is set.
fn families() -> [Family; 3] {
    let total = GRAMMAR_CASES + MUTATION_CASES + ATTRIBUTE_CASES;
    let requested = std::env::var("LOSSES_FUZZ_CASES")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .unwrap_or(total);
    let scale = |count: u64| (count * requested).div_ceil(total);
    [
        ("grammar", grammar_case, scale(GRAMMAR_CASES)),
        ("mutation", mutation_case, scale(MUTATION_CASES)),
        ("attribute", attribute_case, scale(ATTRIBUTE_CASES)),
    ]
}

/// The first case of one kind of failure, and how many cases failed that way.
struct FailureKind {
    family: &'static str,
    seed: u64,
    case: Case,
    count: usize,
}

fn report(failure: &str, kind: &FailureKind) {
    // Token edits can remove the construct that an `Expect::Error` case is about, and
    // the case would still fail the same way, so such a case is shown as it was.
    let small = match kind.case.expect {
        Expect::Error(_) => kind.case.clone(),
        _ => shrink(&kind.case, failure),
    };
    eprintln!(
        "--- {failure}\n    {} cases, first: {} case, seed {}, #[{:?}]\n    args:  {}\n    input: {}\n    shrunk args:  {}\n    shrunk input: {}\n",
        kind.count,
        kind.family,
        kind.seed,
        kind.case.attribute,
        kind.case.args,
        kind.case.input,
        small.args,
        small.input
    );
}

#[test]
fn expansions_never_panic() {
    install_quiet_hook();
    let mut failures: BTreeMap<String, FailureKind> = BTreeMap::new();
    let mut outcomes = [0usize; 2];
    let start = Instant::now();
    for (family, make, count) in families() {
        for seed in 0..count {
            let case = make(seed);
            match run(&case) {
                Ok(outcome) => outcomes[usize::from(outcome == Outcome::Rejected)] += 1,
                Err(failure) => {
                    let kind = failures.entry(failure).or_insert(FailureKind {
                        family,
                        seed,
                        case,
                        count: 0,
                    });
                    kind.count += 1;
                }
            }
        }
    }

    let elapsed = start.elapsed();

    for (failure, kind) in failures.iter().take(PRINTED_FAILURES) {
        report(failure, kind);
    }
    let failed: usize = failures.values().map(|kind| kind.count).sum();
    eprintln!(
        "fuzz: {} expanded, {} rejected, {failed} failed in {} ways; the cases took {:.1} s",
        outcomes[0],
        outcomes[1],
        failures.len(),
        elapsed.as_secs_f64()
    );
    assert_eq!(
        failed, 0,
        "{failed} fuzz cases failed; the first case of each kind is printed above"
    );
    assert!(
        outcomes[0] > 0,
        "no case expanded, so the grammar never produces a valid loss"
    );
    assert!(
        outcomes[1] > 0,
        "no case was rejected, so the grammar never produces an error"
    );
}

#[test]
fn valid_sources_expand() {
    for (is_loss, args, function) in VALID_SOURCES {
        let attribute = if *is_loss {
            Attribute::Loss
        } else {
            Attribute::Differentiable
        };
        let case = Case {
            attribute,
            args: parse(args),
            input: parse(function),
            expect: Expect::Expansion,
        };
        assert_eq!(run(&case), Ok(Outcome::Expanded), "{function}");
    }
}
