//! The model of a `#[loss]` or `#[differentiable]` function's signature.
//!
//! A loss takes `y_true` and `y_pred` of the float type and any number of
//! hyper-parameters of the float type or `bool`, and returns the float type. The float
//! type is `f32`, `f64`, or one generic parameter bounded by `num_traits::Float`.

use crate::ctxt::{Ctxt, source_text};
use syn::{FnArg, GenericParam, Ident, ItemFn, Pat, ReturnType, Type, TypeParamBound};

/// The float type a function is written in.
#[derive(Clone)]
pub enum FloatTy {
    /// A generic parameter such as `T: Float`.
    Generic(Ident),
    /// A concrete `f32` or `f64`, named by its ident.
    Concrete(Ident),
}

impl FloatTy {
    /// Returns the type's name as written, such as `f32` or `T`.
    pub fn name(&self) -> &Ident {
        match self {
            FloatTy::Generic(ident) | FloatTy::Concrete(ident) => ident,
        }
    }

    /// Whether `ty` names this float type.
    fn matches(&self, ty: &Type) -> bool {
        let ident = match self {
            FloatTy::Generic(ident) | FloatTy::Concrete(ident) => ident,
        };
        type_ident(ty).is_some_and(|found| found == ident)
    }
}

/// A parameter's value type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ParamTy {
    Float,
    Bool,
    /// `usize`: a count or an index.
    Index,
    /// `&[T]`: a row of floats.
    FloatSlice,
}

/// The role a parameter plays in the generated loss.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The target, one per sample element; not differentiated.
    YTrue,
    /// The prediction; the gradient is taken with respect to it.
    YPred,
    /// A hyper-parameter, the same for every sample.
    Hyper,
    /// A differentiated row input of a loss of several inputs, listed in `inputs(...)`.
    Input,
    /// An argument of a `#[differentiable]` helper: differentiated when it is a float.
    HelperArg,
}

/// One parameter of the user's function.
#[derive(Clone)]
pub struct Param {
    pub ident: Ident,
    pub ty: ParamTy,
    pub role: Role,
}

/// The parts of the function's signature that the macros use.
pub struct Signature {
    pub float: FloatTy,
    pub params: Vec<Param>,
    /// Whether `y_true` and `y_pred` are rows (`&[T]`), so the loss is applied per row
    /// along the last axis, rather than per element.
    pub row: bool,
    /// Whether the loss has several differentiated inputs listed in `inputs(...)`
    /// instead of `y_pred`.
    pub multi: bool,
    /// Names of parameters whose type was rejected. Their error is reported, and the
    /// body may still use them without a follow-on error.
    pub rejected: Vec<Ident>,
}

impl Signature {
    /// Returns whether this is a `#[differentiable]` helper's signature: one with a
    /// float argument that it returns the adjoint of.
    pub fn is_helper(&self) -> bool {
        self.params
            .iter()
            .any(|param| param.role == Role::HelperArg)
    }
}

/// The attribute being expanded, because the two accept different parameter lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Loss,
    Helper,
}

/// Checks the signature and builds its model; `None` when it cannot be used at all.
pub fn analyze(cx: &mut Ctxt, item: &ItemFn, kind: Kind, inputs: &[Ident]) -> Option<Signature> {
    check_qualifiers(cx, item);
    let float = float_type(cx, item, kind)?;
    check_return(cx, item, &float);

    let mut params: Vec<Param> = Vec::new();
    let mut rejected: Vec<Ident> = Vec::new();
    for input in &item.sig.inputs {
        match param(cx, input, &float, kind) {
            Some(param) => params.push(param),
            None => rejected.extend(param_name(input)),
        }
    }
    let multi = !inputs.is_empty();
    let row = if multi {
        params = mark_inputs(cx, params, inputs);
        true
    } else if kind == Kind::Loss {
        require_param(cx, item, &params, Role::YTrue, "y_true");
        require_param(cx, item, &params, Role::YPred, "y_pred");
        check_input_kinds(cx, item, &params)
    } else {
        // A helper that takes rows is lowered with the row grammar: loops and indexing.
        params.iter().any(|param| param.ty == ParamTy::FloatSlice)
    };
    Some(Signature {
        float,
        params,
        row,
        multi,
        rejected,
    })
}

/// Returns the name a parameter binds, when it is a plain name.
fn param_name(input: &FnArg) -> Option<Ident> {
    match input {
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(pat) => Some(pat.ident.clone()),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    }
}

fn check_qualifiers(cx: &mut Ctxt, item: &ItemFn) {
    let sig = &item.sig;
    let what = "so that the function is an ordinary `fn`";
    if let Some(token) = &sig.asyncness {
        cx.error_spanned(
            token,
            format!("`async fn` is not supported: remove `async`, {what}"),
        );
    }
    if let Some(token) = &sig.constness {
        cx.error_spanned(
            token,
            format!("`const fn` is not supported: remove `const`, {what}"),
        );
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned(
            token,
            format!("`unsafe fn` is not supported: remove `unsafe`, {what}"),
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned(
            abi,
            format!("an `extern` ABI is not supported: remove it, {what}"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned(
            variadic,
            "variadic parameters are not supported: remove `...` and list every parameter",
        );
    }
}

/// Finds the float type: the one generic parameter, or else the type of the first
/// float parameter.
fn float_type(cx: &mut Ctxt, item: &ItemFn, kind: Kind) -> Option<FloatTy> {
    let generics = &item.sig.generics;
    let mut found: Option<FloatTy> = None;
    for param in &generics.params {
        match param {
            GenericParam::Type(type_param) if found.is_none() => {
                found = Some(FloatTy::Generic(type_param.ident.clone()));
                check_float_bound(cx, item, type_param);
            }
            GenericParam::Type(type_param) => cx.error_spanned(
                type_param,
                format!("only one generic parameter is supported, the float type, as in `fn f<T: Float>(..)`: remove `{}`", type_param.ident),
            ),
            GenericParam::Lifetime(lifetime) => cx.error_spanned(
                lifetime,
                "lifetime parameters are not supported: remove it; floats and `bool`s are passed by value, and rows as `&[T]` without a named lifetime",
            ),
            GenericParam::Const(constant) => cx.error_spanned(
                constant,
                "const generic parameters are not supported: make it a hyper-parameter",
            ),
        }
    }
    if found.is_some() {
        return found;
    }

    let first_float = item.sig.inputs.iter().find_map(|input| match input {
        FnArg::Typed(typed) => {
            let elem = slice_elem(&typed.ty).unwrap_or(&typed.ty);
            type_ident(elem).filter(|ident| *ident == "f32" || *ident == "f64")
        }
        FnArg::Receiver(_) => None,
    });
    match first_float {
        Some(ident) => Some(FloatTy::Concrete(ident.clone())),
        None => {
            report_missing_float(cx, item, kind);
            None
        }
    }
}

/// Reports a signature without a float type, on the type of `y_pred` (or of the first
/// parameter), which names the type that was found instead.
fn report_missing_float(cx: &mut Ctxt, item: &ItemFn, kind: Kind) {
    let typed: Vec<&syn::PatType> = item
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let is_y_pred =
        |typed: &&&syn::PatType| matches!(&*typed.pat, Pat::Ident(pat) if pat.ident == "y_pred");
    let Some(typed) = typed.iter().find(is_y_pred).or(typed.first()) else {
        cx.error_spanned(
            &item.sig,
            "no float type: the function has no parameters; write them as `f32`, `f64` or a generic `T: Float`",
        );
        return;
    };
    let found = source_text(&typed.ty);
    let example = match kind {
        Kind::Loss => "fn mse(y_true: f32, y_pred: f32) -> f32",
        Kind::Helper => "fn softplus<T: Float>(x: T) -> T",
    };
    cx.error_spanned(
        &typed.ty,
        format!("no float type: `{found}` is not `f32`, `f64` or a generic `T: Float`; write the parameters in one of these, as in `{example}`"),
    );
}

/// Requires a `Float` bound on the generic parameter, in its list or a `where` clause.
fn check_float_bound(cx: &mut Ctxt, item: &ItemFn, type_param: &syn::TypeParam) {
    let is_float = |bound: &TypeParamBound| match bound {
        TypeParamBound::Trait(trait_bound) => trait_bound
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Float"),
        _ => false,
    };
    let mut bounded = type_param.bounds.iter().any(is_float);
    if let Some(where_clause) = &item.sig.generics.where_clause {
        for predicate in &where_clause.predicates {
            if let syn::WherePredicate::Type(predicate) = predicate {
                let same = type_ident(&predicate.bounded_ty)
                    .is_some_and(|ident| *ident == type_param.ident);
                bounded |= same && predicate.bounds.iter().any(is_float);
            }
        }
    }
    if !bounded {
        cx.error_spanned(
            type_param,
            format!(
                "the generic parameter `{}` needs the bound `num_traits::Float`, as in `{}: Float`",
                source_text(type_param),
                type_param.ident
            ),
        );
    }
}

fn check_return(cx: &mut Ctxt, item: &ItemFn, float: &FloatTy) {
    match &item.sig.output {
        ReturnType::Type(_, ty) if float.matches(ty) => {}
        ReturnType::Type(_, ty) => cx.error_spanned(
            ty,
            format!(
                "unsupported return type `{}`: the function returns its float type, `-> {}`",
                source_text(ty),
                float.name()
            ),
        ),
        ReturnType::Default => cx.error_spanned(
            &item.sig,
            "missing return type: a loss returns its float type, as in `-> f32`",
        ),
    }
}

fn param(cx: &mut Ctxt, input: &FnArg, float: &FloatTy, kind: Kind) -> Option<Param> {
    let typed = match input {
        FnArg::Typed(typed) => typed,
        FnArg::Receiver(receiver) => {
            cx.error_spanned(receiver, "`self` is not supported: write a free function");
            return None;
        }
    };
    let ident = match &*typed.pat {
        Pat::Ident(pat)
            if pat.by_ref.is_none() && pat.mutability.is_none() && pat.subpat.is_none() =>
        {
            pat.ident.clone()
        }
        // Reported, but kept, so that no follow-on error reports the parameter as missing.
        Pat::Ident(pat) if pat.mutability.is_some() => {
            cx.error_spanned(
                pat,
                format!("parameters cannot be `mut`: remove `mut` from `{}`, and bind a new name with `let` to change the value", source_text(pat)),
            );
            pat.ident.clone()
        }
        other => {
            cx.error_spanned(
                other,
                "a parameter must be a plain name, as in `delta: f32`",
            );
            return None;
        }
    };

    let ty = if float.matches(&typed.ty) {
        ParamTy::Float
    } else if type_ident(&typed.ty).is_some_and(|found| found == "bool") {
        ParamTy::Bool
    } else if type_ident(&typed.ty).is_some_and(|found| found == "usize") && kind == Kind::Loss {
        ParamTy::Index
    } else if slice_elem(&typed.ty).is_some_and(|elem| float.matches(elem)) {
        ParamTy::FloatSlice
    } else {
        cx.error_spanned(&typed.ty, unsupported_type_message(&typed.ty, float, kind));
        return None;
    };

    if kind == Kind::Loss && ident == "reduction" {
        cx.error_spanned(&ident, "a hyper-parameter cannot be named `reduction`: the loss type has a `reduction` field already; rename it");
        return None;
    }
    let role = match (kind, ident.to_string().as_str()) {
        (Kind::Helper, _) => Role::HelperArg,
        (Kind::Loss, "y_true") => Role::YTrue,
        (Kind::Loss, "y_pred") => Role::YPred,
        (Kind::Loss, _) => Role::Hyper,
    };
    let allowed = match role {
        Role::YPred => matches!(ty, ParamTy::Float | ParamTy::FloatSlice),
        Role::YTrue => matches!(ty, ParamTy::Float | ParamTy::FloatSlice | ParamTy::Index),
        _ => true,
    };
    if !allowed {
        let (found, float) = (source_text(&typed.ty), float.name());
        let accepted = match role {
            Role::YTrue => format!("`{float}`, a row `&[{float}]` or a class index `usize`"),
            _ => format!("`{float}` or a row `&[{float}]`"),
        };
        cx.error_spanned(
            &typed.ty,
            format!("unsupported type `{found}` for `{ident}`: write {accepted}"),
        );
    }
    Some(Param { ident, ty, role })
}

fn unsupported_type_message(ty: &Type, float: &FloatTy, kind: Kind) -> String {
    let float = float.name();
    let found = source_text(ty);
    match (ty, kind) {
        (Type::Reference(reference), _) if reference.mutability.is_some() => format!(
            "`&mut` parameters are not supported: the function reads its inputs and returns one `{float}`, so remove this parameter"
        ),
        (_, Kind::Helper) => format!(
            "unsupported parameter type `{found}`: a `#[differentiable]` helper takes `{float}`, `bool` and rows `&[{float}]`"
        ),
        (Type::Reference(_) | Type::Slice(_), Kind::Loss) => format!(
            "unsupported parameter type `{found}`: a loss takes `{float}`, `bool` and `usize` by value, and rows as `&[{float}]`"
        ),
        (_, Kind::Loss) => format!(
            "unsupported parameter type `{found}`: use `{float}`, `bool`, `usize` or `&[{float}]`"
        ),
    }
}

fn require_param(cx: &mut Ctxt, item: &ItemFn, params: &[Param], role: Role, name: &str) {
    if params.iter().any(|param| param.role == role) {
        return;
    }
    // A parameter of this name whose type was rejected already has its error, on the
    // type. Saying that no parameter has the name would contradict it.
    let declared = item.sig.inputs.iter().any(|input| {
        matches!(input, FnArg::Typed(typed) if matches!(&*typed.pat, Pat::Ident(pat) if pat.ident == name))
    });
    if declared {
        return;
    }
    let what = match role {
        Role::YTrue => "the target",
        _ => "the prediction",
    };
    let message = format!(
        "no parameter is named `{name}`: a loss finds {what} by the name `{name}`, as in `fn mse(y_true: f32, y_pred: f32) -> f32`"
    );
    if item.sig.inputs.is_empty() {
        cx.error_spanned(&item.sig, message);
    } else {
        cx.error_spanned(&item.sig.inputs, message);
    }
}

/// Gives the listed parameters the role of differentiated inputs; each must be a row
/// `&[T]`. `y_true`, if present, is one target per sample or a row.
fn mark_inputs(cx: &mut Ctxt, mut params: Vec<Param>, inputs: &[Ident]) -> Vec<Param> {
    let names: Vec<String> = params
        .iter()
        .map(|param| format!("`{}`", param.ident))
        .collect();
    for (position, input) in inputs.iter().enumerate() {
        if inputs[..position].contains(input) {
            cx.error_spanned(input, format!("`{input}` is listed twice in `inputs(...)`: list each differentiated input once"));
            continue;
        }
        match params.iter_mut().find(|param| param.ident == *input) {
            Some(param) if param.ty == ParamTy::FloatSlice && param.role != Role::YTrue => param.role = Role::Input,
            Some(param) if param.role == Role::YTrue => cx.error_spanned(input, "`y_true` is the target and cannot be a differentiated input: remove it from `inputs(...)`"),
            Some(param) => {
                let found = match param.ty {
                    ParamTy::Float => "a float",
                    ParamTy::Bool => "a `bool`",
                    ParamTy::Index => "a `usize`",
                    ParamTy::FloatSlice => "a row",
                };
                cx.error_spanned(input, format!("`{input}` is {found}, but a differentiated input is a row `&[T]`: change its type or remove it from `inputs(...)`"));
            }
            None => cx.error_spanned(input, format!("`{input}` in `inputs(...)` is not a parameter; the parameters are {}", names.join(", "))),
        }
    }
    for param in &mut params {
        // `y_pred` is an input like any other when `inputs(...)` lists the inputs. Left
        // out, it would silently become a hyper-parameter, which is rarely what the
        // name means.
        if param.role == Role::YPred && !inputs.contains(&param.ident) {
            let ident = &param.ident;
            cx.error_spanned(ident, format!("`{ident}` is not listed in `inputs(...)`: add it there to differentiate it, or rename the parameter if it is a hyper-parameter"));
        }
        if param.role == Role::YPred {
            param.role = Role::Input;
        }
    }
    params
}

/// Checks that `y_true` and `y_pred` are both floats or both rows, and that slice
/// hyper-parameters appear only in row losses; returns whether the loss is a row loss.
fn check_input_kinds(cx: &mut Ctxt, item: &ItemFn, params: &[Param]) -> bool {
    let kind_of = |role: Role| {
        params
            .iter()
            .find(|param| param.role == role)
            .map(|param| param.ty)
    };
    let row = kind_of(Role::YPred) == Some(ParamTy::FloatSlice);
    if let (Some(y_true), Some(y_pred)) = (kind_of(Role::YTrue), kind_of(Role::YPred)) {
        // A row loss may take one target per sample: a float label or a class index.
        let per_sample_target = row && matches!(y_true, ParamTy::Float | ParamTy::Index);
        if y_true != y_pred && !per_sample_target {
            let kind = |ty: ParamTy| match ty {
                ParamTy::FloatSlice => "a row `&[T]`",
                ParamTy::Index => "a `usize`",
                ParamTy::Bool => "a `bool`",
                ParamTy::Float => "a float",
            };
            let message = if y_true == ParamTy::Index {
                "`y_true` is a `usize` class index, which needs a row loss: write `y_pred: &[T]`"
                    .to_string()
            } else {
                format!(
                    "`y_true` is {} but `y_pred` is {}: write both as floats for an elementwise loss, or both as rows `&[T]` for a row loss",
                    kind(y_true),
                    kind(y_pred)
                )
            };
            cx.error_spanned(&item.sig.inputs, message);
        }
    }
    for param in params.iter().filter(|param| param.role == Role::Hyper) {
        if param.ty == ParamTy::FloatSlice && !row {
            cx.error_spanned(
                &param.ident,
                format!("`{}` is a slice, and a slice hyper-parameter needs a row loss, whose `y_true` and `y_pred` are `&[T]`", param.ident),
            );
        }
    }
    row
}

/// The element type of `&[T]`.
pub fn slice_elem(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => match &*reference.elem {
            Type::Slice(slice) => Some(&slice.elem),
            _ => None,
        },
        Type::Paren(paren) => slice_elem(&paren.elem),
        Type::Group(group) => slice_elem(&group.elem),
        _ => None,
    }
}

/// The single identifier a type consists of, such as `f32` or `T`.
pub fn type_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.get_ident(),
        Type::Paren(paren) => type_ident(&paren.elem),
        Type::Group(group) => type_ident(&group.elem),
        _ => None,
    }
}
