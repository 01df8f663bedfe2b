//! Parsing of the `#[loss(...)]` arguments.
//!
//! ```text
//! #[loss(defaults(delta = 1.0), require(delta >= 0.0), name = Huber)]
//! ```

use crate::ctxt::{Ctxt, source_text};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Meta, MetaNameValue, Token};

/// The keys `#[loss(...)]` accepts, listed in error messages.
const KEYS: &str = "`defaults(name = value, ...)`, `require(condition, ...)`, `valid_inputs(condition, ...)`, `exclude_if(condition)`, `target_any_length`, `batch`, `inputs(a, b, ...)`, `inputs_any_length`, `check(...)` and `name = TypeName`";

/// The key names, for typo suggestions.
const KEY_NAMES: &[&str] = &[
    "defaults",
    "require",
    "valid_inputs",
    "exclude_if",
    "target_any_length",
    "batch",
    "inputs",
    "inputs_any_length",
    "check",
    "name",
];

/// The parsed arguments of `#[loss(...)]`.
#[derive(Default)]
pub struct LossArgs {
    /// Default hyper-parameter values, in the order written.
    pub defaults: Vec<(Ident, Expr)>,
    /// Conditions the hyper-parameters must meet, checked before every evaluation.
    pub requirements: Vec<Expr>,
    /// The generated type's name, when the user overrides the UpperCamelCase default.
    pub name: Option<Ident>,
    /// The differentiated row inputs of a loss of several inputs, in place of `y_pred`.
    pub inputs: Vec<Ident>,
    /// Conditions on each element's `y_true` and `y_pred` that `validate_inputs` checks.
    pub valid_inputs: Vec<Expr>,
    /// Whether to emit a finite-difference test, with the ranges to draw inputs from.
    pub check: Option<CheckArgs>,
    /// A condition on a sample's `y_true` under which the sample is left out.
    pub exclude_if: Option<Expr>,
    /// Whether a row loss's `y_true` rows may have their own length.
    pub target_any_length: bool,
    /// Whether the inputs of a loss of several inputs may have rows of different
    /// lengths, instead of all having the first input's shape.
    pub inputs_any_length: bool,
    /// Whether the row loss can also be evaluated over the whole batch, from sums.
    pub batch: bool,
    /// Set by `batch` on the partial-sum losses it generates, which run on blocks of
    /// 512 elements: their sums need no flush to `f64` partials. Not a user key.
    pub block_sums: bool,
    /// Set by `batch` on the adjoint loss it generates, whose gradient the whole-batch
    /// drivers take without its value: the loss also gets a gradient-only function
    /// (see `RowKernel::gradient`). Not a user key.
    pub gradient_only: bool,
    /// The keys as written, so that an error about a key can point at it.
    pub keys: Vec<Ident>,
}

impl LossArgs {
    /// Finds the key `name` as written in the attribute, if it was given.
    pub fn key(&self, name: &str) -> Option<&Ident> {
        self.keys.iter().find(|key| *key == name)
    }
}

/// The arguments of `check(...)`: the ranges that the generated test draws `y_true`
/// and `y_pred` from.
#[derive(Default)]
pub struct CheckArgs {
    pub y_true: Option<syn::ExprRange>,
    pub y_pred: Option<syn::ExprRange>,
}

/// Parses the attribute's token stream, reporting unknown and repeated keys.
pub fn parse(cx: &mut Ctxt, tokens: proc_macro2::TokenStream) -> LossArgs {
    let mut args = LossArgs::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(metas) => metas,
        Err(error) => {
            cx.push(syn::Error::new(
                error.span(),
                format!("invalid `#[loss]` arguments ({error}): write a comma-separated list, as in `#[loss(defaults(delta = 1.0), require(delta > 0.0))]`"),
            ));
            return args;
        }
    };

    let mut seen: Vec<String> = Vec::new();
    for meta in metas {
        let key = meta.path().get_ident().map(|ident| ident.to_string());
        let Some(key) = key else {
            let path = source_text(meta.path());
            cx.error_spanned(
                meta.path(),
                format!("unknown `#[loss]` argument `{path}`; supported: {KEYS}"),
            );
            continue;
        };
        if seen.contains(&key) {
            cx.error_spanned(
                meta.path(),
                format!("`{key}` is given twice in `#[loss(...)]`: remove one"),
            );
            continue;
        }
        seen.push(key.clone());
        args.keys.extend(meta.path().get_ident().cloned());
        parse_key(cx, &mut args, &key, meta);
    }
    if let (true, Some(key), None) = (
        args.inputs_any_length,
        args.key("inputs_any_length"),
        args.key("inputs"),
    ) {
        cx.error_spanned(key, "`inputs_any_length` applies to a loss of several inputs, declared with `inputs(a, b, ...)`: list the inputs, or remove `inputs_any_length`");
    }
    args
}

fn parse_key(cx: &mut Ctxt, args: &mut LossArgs, key: &str, meta: Meta) {
    match (key, meta) {
        ("defaults", Meta::List(list)) => {
            let parser = Punctuated::<MetaNameValue, Token![,]>::parse_terminated;
            match list.parse_args_with(parser) {
                Ok(pairs) => {
                    args.defaults = pairs
                        .into_iter()
                        .filter_map(|pair| default_pair(cx, pair))
                        .collect()
                }
                Err(error) => cx.push(error),
            }
        }
        ("require", Meta::List(list)) => {
            match list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
                Ok(conditions) => args.requirements = conditions.into_iter().collect(),
                Err(error) => cx.push(error),
            }
        }
        ("valid_inputs", Meta::List(list)) => {
            match list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
                Ok(conditions) => args.valid_inputs = conditions.into_iter().collect(),
                Err(error) => cx.push(error),
            }
        }
        ("exclude_if", Meta::List(list)) => match list.parse_args::<Expr>() {
            Ok(condition) => args.exclude_if = Some(condition),
            Err(error) => cx.push(error),
        },
        ("check", Meta::Path(_)) => args.check = Some(CheckArgs::default()),
        ("target_any_length", Meta::Path(_)) => args.target_any_length = true,
        ("inputs_any_length", Meta::Path(_)) => args.inputs_any_length = true,
        ("batch", Meta::Path(_)) => args.batch = true,
        ("__block_sums", Meta::Path(_)) => args.block_sums = true,
        ("__gradient_only", Meta::Path(_)) => args.gradient_only = true,
        ("check", Meta::List(list)) => {
            let parser = Punctuated::<MetaNameValue, Token![,]>::parse_terminated;
            match list.parse_args_with(parser) {
                Ok(pairs) => args.check = Some(check_ranges(cx, pairs)),
                Err(error) => cx.push(error),
            }
        }
        ("inputs", Meta::List(list)) => {
            match list.parse_args_with(Punctuated::<Ident, Token![,]>::parse_terminated) {
                Ok(idents) if idents.is_empty() => cx.error_spanned(list, "`inputs()` is empty: list the differentiated row inputs, as in `inputs(anchor, positive)`, or remove it for a loss of `y_true` and `y_pred`"),
                Ok(idents) => args.inputs = idents.into_iter().collect(),
                Err(error) => cx.push(error),
            }
        }
        ("name", Meta::NameValue(pair)) => match &pair.value {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                args.name = path.path.get_ident().cloned();
            }
            other => cx.error_spanned(other, name_message(other)),
        },
        ("defaults" | "require" | "inputs" | "valid_inputs" | "exclude_if", other) => {
            cx.error_spanned(
                other,
                format!(
                    "`{key}` takes a parenthesised list, as in `{}`",
                    list_example(key)
                ),
            );
        }
        ("name", other) => cx.error_spanned(
            other,
            "`name` takes a type name after `=`, as in `name = Huber`",
        ),
        ("batch" | "target_any_length" | "inputs_any_length", other) => {
            // `inputs_any_length` alone is an error too, so its example lists inputs.
            let example = match key {
                "inputs_any_length" => "inputs(a, b), inputs_any_length",
                _ => key,
            };
            cx.error_spanned(
                other,
                format!("`{key}` takes no value: write it alone, as in `#[loss({example})]`"),
            )
        }
        ("check", other) => cx.error_spanned(
            other,
            "`check` takes no value or a list of ranges, as in `check` or `check(y_pred = 0.05..0.95)`",
        ),
        (_, other) => cx.error_spanned(other.path(), unknown_key_message(key)),
    }
}

/// Returns an example of a key that takes a list, for error messages.
fn list_example(key: &str) -> &'static str {
    match key {
        "defaults" => "defaults(delta = 1.0)",
        "require" => "require(delta > 0.0)",
        "inputs" => "inputs(anchor, positive)",
        "valid_inputs" => "valid_inputs(y_pred >= 0.0)",
        _ => "exclude_if(y_true.iter().all(|t| *t == 0.0))",
    }
}

fn name_message(value: &Expr) -> String {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => format!(
            "`name` takes a type name, not a string: write `name = {}`",
            text.value()
        ),
        _ => "`name` takes a type name, as in `name = Huber`".to_string(),
    }
}

/// Builds the error for a key that `#[loss]` does not know, naming the closest known key.
fn unknown_key_message(key: &str) -> String {
    if key == "reduction" {
        return "`reduction` is not a `#[loss]` argument: set it on the loss value with `with_reduction`, as in `MyLoss::new().with_reduction(Reduction::Sum)`".to_string();
    }
    let nearest = KEY_NAMES
        .iter()
        .map(|known| (crate::methods::edit_distance(key, known), *known))
        .filter(|(distance, known)| *distance <= 3 && *distance < known.len())
        .min_by_key(|(distance, _)| *distance);
    match nearest {
        Some((_, known)) => {
            format!("unknown `#[loss]` argument `{key}`; did you mean `{known}`? Supported: {KEYS}")
        }
        None => format!("unknown `#[loss]` argument `{key}`; supported: {KEYS}"),
    }
}

fn default_pair(cx: &mut Ctxt, pair: MetaNameValue) -> Option<(Ident, Expr)> {
    match pair.path.get_ident() {
        Some(ident) => Some((ident.clone(), pair.value)),
        None => {
            cx.error_spanned(
                &pair.path,
                "a default names one hyper-parameter, as in `delta = 1.0`",
            );
            None
        }
    }
}

/// Reads `check(y_true = 0.0..1.0, y_pred = 0.05..0.95)`.
fn check_ranges(cx: &mut Ctxt, pairs: Punctuated<MetaNameValue, Token![,]>) -> CheckArgs {
    let mut check = CheckArgs::default();
    for pair in pairs {
        let range = match &pair.value {
            Expr::Range(range) if range.start.is_some() && range.end.is_some() => range.clone(),
            other => {
                cx.error_spanned(
                    other,
                    "`check` takes ranges with both ends, as in `check(y_pred = 0.05..0.95)`",
                );
                continue;
            }
        };
        match pair.path.get_ident().map(ToString::to_string).as_deref() {
            Some("y_true") => check.y_true = Some(range),
            Some("y_pred") => check.y_pred = Some(range),
            _ => {
                let path = source_text(&pair.path);
                cx.error_spanned(
                    &pair.path,
                    format!("`check` takes ranges for `y_true` and `y_pred` only, not `{path}`"),
                )
            }
        }
    }
    check
}
