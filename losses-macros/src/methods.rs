//! The float methods and constants a loss body may use.

use crate::ir::{Binary, Unary};

/// How a supported method lowers.
#[derive(Clone, Copy)]
pub enum Method {
    Unary(Unary),
    Binary(Binary),
    Powi,
    Clamp,
}

impl Method {
    /// Writes a call of the method `name` with the right number of arguments, for messages.
    pub fn example(self, name: &str) -> String {
        match self {
            Method::Unary(_) => format!("x.{name}()"),
            Method::Binary(_) => format!("x.{name}(y)"),
            Method::Powi => "x.powi(2)".to_string(),
            Method::Clamp => "x.clamp(lo, hi)".to_string(),
        }
    }

    /// Number of arguments besides the receiver.
    pub fn arity(self) -> usize {
        match self {
            Method::Unary(_) => 0,
            Method::Binary(_) | Method::Powi => 1,
            Method::Clamp => 2,
        }
    }
}

/// Every supported method, by its name on `f32`/`f64`.
const METHODS: &[(&str, Method)] = &[
    ("ln", Method::Unary(Unary::Ln)),
    ("log2", Method::Unary(Unary::Log2)),
    ("log10", Method::Unary(Unary::Log10)),
    ("exp", Method::Unary(Unary::Exp)),
    ("exp2", Method::Unary(Unary::Exp2)),
    ("sqrt", Method::Unary(Unary::Sqrt)),
    ("cbrt", Method::Unary(Unary::Cbrt)),
    ("powi", Method::Powi),
    ("powf", Method::Binary(Binary::Powf)),
    ("abs", Method::Unary(Unary::Abs)),
    ("max", Method::Binary(Binary::Max)),
    ("min", Method::Binary(Binary::Min)),
    ("clamp", Method::Clamp),
    ("tanh", Method::Unary(Unary::Tanh)),
    ("sinh", Method::Unary(Unary::Sinh)),
    ("cosh", Method::Unary(Unary::Cosh)),
    ("sin", Method::Unary(Unary::Sin)),
    ("cos", Method::Unary(Unary::Cos)),
    ("ln_1p", Method::Unary(Unary::Ln1p)),
    ("exp_m1", Method::Unary(Unary::ExpM1)),
    ("signum", Method::Unary(Unary::Signum)),
    ("recip", Method::Unary(Unary::Recip)),
    ("hypot", Method::Binary(Binary::Hypot)),
    ("detach", Method::Unary(Unary::Detach)),
];

/// Constants recognised in paths such as `std::f64::consts::PI` or `f32::consts::LN_2`.
const CONSTANTS: &[(&str, f64)] = &[
    ("PI", std::f64::consts::PI),
    ("TAU", std::f64::consts::TAU),
    ("E", std::f64::consts::E),
    ("LN_2", std::f64::consts::LN_2),
    ("LN_10", std::f64::consts::LN_10),
    ("LOG2_E", std::f64::consts::LOG2_E),
    ("LOG10_E", std::f64::consts::LOG10_E),
    ("SQRT_2", std::f64::consts::SQRT_2),
    ("FRAC_1_SQRT_2", std::f64::consts::FRAC_1_SQRT_2),
    ("FRAC_2_SQRT_PI", std::f64::consts::FRAC_2_SQRT_PI),
    ("FRAC_1_PI", std::f64::consts::FRAC_1_PI),
    ("FRAC_PI_2", std::f64::consts::FRAC_PI_2),
    ("FRAC_PI_3", std::f64::consts::FRAC_PI_3),
    ("FRAC_PI_4", std::f64::consts::FRAC_PI_4),
    ("FRAC_PI_6", std::f64::consts::FRAC_PI_6),
    ("FRAC_PI_8", std::f64::consts::FRAC_PI_8),
    ("FRAC_2_PI", std::f64::consts::FRAC_2_PI),
    ("LOG2_10", std::f64::consts::LOG2_10),
    ("LOG10_2", std::f64::consts::LOG10_2),
];

/// Associated constants of `f32` and `f64`, by their `f64` values; an `f32` path takes
/// the `f32` value instead (see [`constant`]).
const ASSOCIATED: &[(&str, f64, f32)] = &[
    ("EPSILON", f64::EPSILON, f32::EPSILON),
    ("MIN_POSITIVE", f64::MIN_POSITIVE, f32::MIN_POSITIVE),
    ("MAX", f64::MAX, f32::MAX),
    ("MIN", f64::MIN, f32::MIN),
    ("INFINITY", f64::INFINITY, f32::INFINITY),
    ("NEG_INFINITY", f64::NEG_INFINITY, f32::NEG_INFINITY),
];

/// The lowering of a constant function of the generic float type, such as `T::zero()`.
#[derive(Clone, Copy)]
pub enum TypeConstant {
    /// A value that `f32` and `f64` share, such as 0 or infinity.
    Exact(f64),
    /// A value of each float type's own, such as its machine epsilon.
    PerType,
}

/// The standard form that a loss in `f32` or `f64` writes in place of a `num_traits`
/// constant function.
#[derive(Clone, Copy)]
pub enum StdForm {
    /// A float literal.
    Literal(&'static str),
    /// An associated constant of `f32` and `f64`.
    Associated(&'static str),
}

/// The constant functions of `num_traits::Float` a loss body may call on its generic
/// float type, each with the standard form that a concrete `f32` or `f64` loss writes.
/// `nan` is left out on purpose, as is `f64::NAN` from the associated constants.
const TYPE_CONSTANTS: &[(&str, TypeConstant, StdForm)] = &[
    ("zero", TypeConstant::Exact(0.0), StdForm::Literal("0.0")),
    ("one", TypeConstant::Exact(1.0), StdForm::Literal("1.0")),
    (
        "neg_zero",
        TypeConstant::Exact(-0.0),
        StdForm::Literal("-0.0"),
    ),
    (
        "infinity",
        TypeConstant::Exact(f64::INFINITY),
        StdForm::Associated("INFINITY"),
    ),
    (
        "neg_infinity",
        TypeConstant::Exact(f64::NEG_INFINITY),
        StdForm::Associated("NEG_INFINITY"),
    ),
    (
        "epsilon",
        TypeConstant::PerType,
        StdForm::Associated("EPSILON"),
    ),
    (
        "max_value",
        TypeConstant::PerType,
        StdForm::Associated("MAX"),
    ),
    (
        "min_value",
        TypeConstant::PerType,
        StdForm::Associated("MIN"),
    ),
    (
        "min_positive_value",
        TypeConstant::PerType,
        StdForm::Associated("MIN_POSITIVE"),
    ),
];

/// Finds a `num_traits` constant function by name, such as `epsilon`.
pub fn type_constant(name: &str) -> Option<(&'static str, TypeConstant, StdForm)> {
    TYPE_CONSTANTS
        .iter()
        .find(|(known, ..)| *known == name)
        .copied()
}

/// Lists the supported constant functions on the float type `float`, for messages.
pub fn type_constant_list(float: &str) -> String {
    let calls: Vec<String> = TYPE_CONSTANTS
        .iter()
        .map(|(name, ..)| format!("`{float}::{name}()`"))
        .collect();
    calls.join(", ")
}

/// Finds a supported method by name.
pub fn lookup(name: &str) -> Option<Method> {
    METHODS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, method)| *method)
}

/// The supported method names, comma-separated, for error messages.
pub fn supported_list() -> String {
    let names: Vec<&str> = METHODS.iter().map(|(name, _)| *name).collect();
    names.join(", ")
}

/// The supported method closest to a misspelt name, if one is close enough.
pub fn nearest(name: &str) -> Option<&'static str> {
    METHODS
        .iter()
        .map(|(known, _)| (edit_distance(name, known), *known))
        .filter(|(distance, known)| *distance <= 2 && *distance < known.len())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// A constant named by a `...::consts::NAME` path, with its source text.
pub fn constant(path: &syn::Path) -> Option<(f64, String)> {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    // `std::f64::consts::PI`, `core::f32::consts::E`, `f64::consts::LN_2`, or an
    // associated constant such as `f32::EPSILON`; a user's own `consts` module is not
    // taken for the standard one.
    let (float, name, mathematical) = match segments.as_slice() {
        ["std" | "core", float, "consts", name] | [float, "consts", name] => (*float, *name, true),
        ["std" | "core", float, name] | [float, name] => (*float, *name, false),
        _ => return None,
    };
    // An `f32` constant has its `f32` value, which is what the original function uses.
    let value = match (float, mathematical) {
        ("f64", true) => CONSTANTS.iter().find(|(known, _)| *known == name)?.1,
        ("f32", true) => f64::from(CONSTANTS.iter().find(|(known, _)| *known == name)?.1 as f32),
        ("f64", false) => ASSOCIATED.iter().find(|(known, ..)| *known == name)?.1,
        ("f32", false) => f64::from(ASSOCIATED.iter().find(|(known, ..)| *known == name)?.2),
        _ => return None,
    };
    Some((
        value,
        format!(
            "{float}::{}{name}",
            if mathematical { "consts::" } else { "" }
        ),
    ))
}

/// The name of the standard constant whose value is exactly `value`, if any.
pub fn constant_named(value: f64) -> Option<&'static str> {
    CONSTANTS
        .iter()
        .find(|(_, known)| *known == value)
        .map(|(name, _)| *name)
}

/// A hint for a supported method written as a function, such as `f32::max(a, b)`.
pub fn function_form_hint(path: &syn::Path) -> Option<String> {
    if path.segments.len() < 2 {
        return None;
    }
    let last = path.segments.last()?.ident.to_string();
    lookup(&last)?;
    let found = crate::ctxt::source_text(path);
    Some(format!(
        "the function form `{found}(..)` is not supported: write `{last}` as a method call on its first argument, as in `x.{last}(..)`"
    ))
}

/// Levenshtein distance, for typo suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
