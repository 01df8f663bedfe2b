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
];

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
    let (last, init) = segments.split_last()?;
    if init.last().map(String::as_str) != Some("consts") {
        return None;
    }
    let value = CONSTANTS.iter().find(|(name, _)| name == last)?.1;
    Some((value, segments.join("::")))
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
    Some(format!(
        "write `{last}` as a method call on its first argument, as in `x.{last}(..)`; the function form is not supported"
    ))
}

/// Levenshtein distance, for typo suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
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
