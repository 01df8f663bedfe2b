//! What the macros emit when the function has errors: the items user code refers to,
//! with bodies that never run, so that the only errors shown are the real ones.

use crate::attr::LossArgs;
use crate::item::LossModel;
use crate::signature::{FloatTy, ParamTy, Role, Signature};
use crate::{helper, row_helper};
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{FnArg, ItemFn, Pat, Type};

const STUB: &str = "the #[loss] function failed to compile; see the errors above";

/// The loss type with its constructor and stub trait impls.
pub fn loss_items(model: &LossModel<'_>) -> TokenStream {
    let name = &model.name;
    let declared = model.declare(None, &constructor(model));
    quote! {
        #declared

        #[automatically_derived]
        impl<__T: ::losses_core::LossFloat> ::losses_core::Loss<__T> for #name {
            fn reduction(&self) -> ::losses_core::Reduction {
                self.reduction
            }

            fn evaluate_value(&self, _: ::losses_core::Batch<'_, __T>) -> ::core::result::Result<__T, ::losses_core::LossError> {
                ::core::unreachable!(#STUB)
            }

            fn evaluate_into(
                &self,
                _: ::losses_core::Batch<'_, __T>,
                _: ::losses_core::__private::ArrayViewMutD<'_, __T>,
            ) -> ::core::result::Result<__T, ::losses_core::LossError> {
                ::core::unreachable!(#STUB)
            }

            fn evaluate_per_sample(
                &self,
                _: ::losses_core::Batch<'_, __T>,
            ) -> ::core::result::Result<::losses_core::__private::ArrayD<__T>, ::losses_core::LossError> {
                ::core::unreachable!(#STUB)
            }
        }
    }
}

/// Replaces a generated `Default` with one that never runs, because the generated one
/// calls `new` with the valid hyper-parameters only, and the fallback `new` takes the
/// rejected ones too.
pub fn default_impl(model: &LossModel<'_>, generated: &TokenStream) -> TokenStream {
    if generated.is_empty() {
        return TokenStream::new();
    }
    let name = &model.name;
    quote! {
        #[automatically_derived]
        impl ::core::default::Default for #name {
            fn default() -> Self {
                ::core::unreachable!(#STUB)
            }
        }
    }
}

/// The loss type when even the signature could not be read: no hyper-parameter
/// fields, but the same constructor and stub impls, so code that uses the loss
/// compiles.
pub fn loss_items_without_signature(item: &ItemFn, args: &LossArgs, name: Ident) -> TokenStream {
    let sig = Signature {
        float: FloatTy::Concrete(Ident::new("f64", name.span())),
        params: Vec::new(),
        row: false,
        multi: false,
        rejected: Vec::new(),
    };
    loss_items(&LossModel {
        item,
        sig: &sig,
        args,
        name,
    })
}

/// `new` with one parameter per hyper-parameter as the user declared it, including
/// those the macro rejected, so that a call written for the declared signature
/// compiles. Fields without a parameter get their default value: `new` never runs.
fn constructor(model: &LossModel<'_>) -> TokenStream {
    let intended = intended_inputs(model);
    let params: Vec<(Ident, TokenStream)> = model
        .item
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(position, input)| constructor_param(model, &intended, position, input))
        .collect();
    let fields = model.hypers().map(|param| {
        let ident = &param.ident;
        if params.iter().any(|(name, _)| name == ident) {
            quote!(#ident)
        } else {
            quote!(#ident: ::core::default::Default::default())
        }
    });
    let params = params.iter().map(|(ident, ty)| quote!(#ident: #ty));
    let axis_init = model
        .args
        .batch
        .then(|| quote!(axis: ::losses_core::Axis::PerSample,));
    quote! {
        /// Creates the loss from its hyper-parameters, in declaration order.
        #[allow(unused_variables, clippy::too_many_arguments)]
        pub fn new(#(#params),*) -> Self {
            Self { #(#fields,)* reduction: ::losses_core::Reduction::SumOverBatchSize, #axis_init }
        }
    }
}

/// Lists the parameters that the user meant as inputs rather than hyper-parameters:
/// the ones `inputs(...)` lists, and, for each name there that is no parameter (a
/// typo), the next unlisted row parameter.
fn intended_inputs(model: &LossModel<'_>) -> Vec<Ident> {
    let inputs = &model.args.inputs;
    let declared = |name: &Ident| model.sig.params.iter().any(|param| param.ident == *name);
    let typos = inputs.iter().filter(|name| !declared(name)).count();
    let guessed = model
        .sig
        .params
        .iter()
        .filter(|param| param.role == Role::Hyper && param.ty == ParamTy::FloatSlice)
        .filter(|param| !inputs.contains(&param.ident))
        .take(typos)
        .map(|param| param.ident.clone());
    inputs.iter().cloned().chain(guessed).collect()
}

/// The constructor parameter for one function parameter, if it is a hyper-parameter:
/// a valid one with its field type, a rejected one with its type as written. `y_true`,
/// `y_pred`, inputs and `&mut` parameters have none, since the fix for a `&mut`
/// parameter is to remove it.
fn constructor_param(
    model: &LossModel<'_>,
    intended: &[Ident],
    position: usize,
    input: &FnArg,
) -> Option<(Ident, TokenStream)> {
    let FnArg::Typed(typed) = input else {
        return None;
    };
    let ident = match &*typed.pat {
        Pat::Ident(pat) => pat.ident.clone(),
        _ => format_ident!("__unnamed{}", position),
    };
    if intended.contains(&ident) {
        return None;
    }
    if let Some(param) = model.sig.params.iter().find(|param| param.ident == ident) {
        let ty = model.field_ty(param);
        return (param.role == Role::Hyper).then_some((ident, ty));
    }
    let is_input = ident == "y_true" || ident == "y_pred";
    let is_mut_ref =
        matches!(&*typed.ty, Type::Reference(reference) if reference.mutability.is_some());
    if is_input || is_mut_ref {
        return None;
    }
    Some((ident, written_type(model.item, &typed.ty)))
}

/// Returns `ty` as written when it can stand in `new`'s signature. A type that names
/// the function's generic parameters, a lifetime other than `'static`, `Self`, `_` or
/// `impl` has no meaning there, so it becomes `impl Sized`.
fn written_type(item: &ItemFn, ty: &Type) -> TokenStream {
    let generics: Vec<Ident> = item
        .sig
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            syn::GenericParam::Type(param) => Some(param.ident.clone()),
            syn::GenericParam::Const(param) => Some(param.ident.clone()),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    let tokens = quote!(#ty);
    if names_outside_item(tokens.clone(), &generics) {
        quote!(impl ::core::marker::Sized)
    } else {
        tokens
    }
}

/// Checks whether `tokens` contain one of `generics`, `Self`, `_`, `impl` or a lifetime
/// other than `'static`.
fn names_outside_item(tokens: TokenStream, generics: &[Ident]) -> bool {
    let mut after_quote = false;
    for tree in tokens {
        let found = match &tree {
            TokenTree::Group(group) => names_outside_item(group.stream(), generics),
            TokenTree::Ident(ident) if after_quote => ident != "static",
            TokenTree::Ident(ident) => {
                generics.contains(ident) || ident == "Self" || ident == "_" || ident == "impl"
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        };
        if found {
            return true;
        }
        after_quote = matches!(&tree, TokenTree::Punct(punct) if punct.as_char() == '\'');
    }
    false
}

/// The companions of a helper with errors: its type, with stub forward and reverse
/// functions when the signature could be read, and a `Differentiable` impl for any
/// arguments, so that losses calling it show no follow-on errors.
pub fn helper_stubs(item: &ItemFn, sig: Option<&Signature>) -> TokenStream {
    let declared = helper::declare_type(item);
    let stub = quote!(::core::unreachable!(#STUB));
    let inherent = sig.map(|sig| {
        if sig.row {
            row_helper::inherent_impl(item, sig, &stub, &stub)
        } else {
            helper::inherent_impl(item, sig, &stub, &stub)
        }
    });
    let called = helper::arity_stubs(item, None, false);
    let row_called = helper::arity_stubs(item, None, true);
    quote!(#declared #inherent #called #row_called)
}
