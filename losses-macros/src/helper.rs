//! Expansion of `#[differentiable]`: the helper itself plus its forward and reverse
//! functions, `__name_forward` and `__name_reverse`, which `#[loss]` bodies call.

use crate::ctxt::Ctxt;
use crate::emit::Emitter;
use crate::item::kernel_bound;
use crate::signature::{self, FloatTy, Kind, Param, ParamTy, Signature};
use crate::{fallback, literal, lower, original, rewrite, row_helper};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, ItemFn};

/// Expands a `#[differentiable]` function.
pub fn expand(args: TokenStream, mut item: ItemFn) -> TokenStream {
    let mut cx = Ctxt::default();
    if !args.is_empty() {
        let found = crate::ctxt::source_text(&args);
        cx.error_spanned(
            &args,
            format!("`#[differentiable]` takes no arguments: remove `({found})`"),
        );
    }
    let sig = signature::analyze(&mut cx, &item, Kind::Helper, &[]);
    let mut function = sig
        .as_ref()
        .and_then(|sig| lower::lower(&mut cx, sig, &item, Kind::Helper));
    if let Some(function) = &mut function {
        rewrite::rewrite(function);
    }

    let companions = match (&sig, &function) {
        (Some(sig), Some(function)) if cx.is_empty() => {
            let emitted = Emitter::new(function, sig).emit();
            companions(&item, sig, &emitted.forward_body, &emitted.reverse_body)
        }
        (sig, _) => fallback::helper_stubs(&item, sig.as_ref()),
    };
    if let Some(Signature {
        float: FloatTy::Generic(ident),
        ..
    }) = &sig
    {
        literal::rewrite(&mut item.block, ident);
    }
    original::rewrite(&mut item.block);
    let errors = cx.into_compile_errors();
    // A helper on rows indexes its slices in `for` loops, the only loops the macro can
    // reverse, which clippy's `needless_range_loop` would flag, as for row losses.
    let row_allow = sig
        .as_ref()
        .filter(|sig| sig.row)
        .map(|_| quote!(#[allow(clippy::needless_range_loop)]));
    quote! {
        #row_allow
        #item
        #companions
        #errors
    }
}

/// Builds the helper's forward and reverse functions around the given bodies: associated
/// functions of an uninhabited type named like the helper, and the `Differentiable`
/// impl through which `#[loss]` bodies call them. A type lives in the type namespace,
/// so it does not clash with the function, and `use` imports both together.
pub fn companions(
    item: &ItemFn,
    sig: &Signature,
    forward: &TokenStream,
    reverse: &TokenStream,
) -> TokenStream {
    let declared = declare_type(item);
    let own = Some(sig.params.len());
    if sig.row {
        // A helper that takes rows is called through `DifferentiableRows` only, so
        // every `Differentiable` call to it type-checks and is rejected by rustc on
        // the user's call.
        let inherent = row_helper::inherent_impl(item, sig, forward, reverse);
        let called = row_helper::trait_impl(item, sig);
        let stubs = arity_stubs(item, own, true);
        let scalar_stubs = arity_stubs(item, None, false);
        return quote!(#declared #inherent #called #stubs #scalar_stubs);
    }
    let inherent = inherent_impl(item, sig, forward, reverse);
    let called = trait_impl(item, sig);
    let stubs = arity_stubs(item, own, false);
    quote!(#declared #inherent #called #stubs)
}

/// Declares the uninhabited type named like the helper.
pub fn declare_type(item: &ItemFn) -> TokenStream {
    let (vis, name) = (&item.vis, &item.sig.ident);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis enum #name {}
    }
}

/// Builds `forward` and `reverse` with one parameter per helper parameter. `reverse`
/// returns the value and the adjoint of every float parameter.
pub fn inherent_impl(
    item: &ItemFn,
    sig: &Signature,
    forward: &TokenStream,
    reverse: &TokenStream,
) -> TokenStream {
    let name = &item.sig.ident;
    let bound = kernel_bound(sig);
    let params = sig.params.iter().map(|param| {
        let (ident, ty) = (&param.ident, param_ty(param));
        quote!(#ident: #ty)
    });
    let params: Vec<TokenStream> = params.collect();
    let outputs = sig
        .params
        .iter()
        .filter(|param| param.ty == ParamTy::Float)
        .map(|_| quote!(__V));
    quote! {
        #[automatically_derived]
        impl #name {
            #[doc(hidden)]
            #[inline(always)]
            #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
            pub fn forward<__V: #bound>(#(#params),*) -> __V {
                #forward
            }

            #[doc(hidden)]
            #[inline(always)]
            #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
            pub fn reverse<__V: #bound>(#(#params,)* __seed: __V) -> (__V, #(#outputs),*) {
                #reverse
            }
        }
    }
}

/// A helper parameter's type in the generated functions.
pub fn param_ty(param: &Param) -> TokenStream {
    match param.ty {
        ParamTy::Float => quote!(__V),
        ParamTy::FloatSlice => quote!(&[__V]),
        // A helper's signature has only floats, rows and `bool`s; `signature` reports
        // the other types.
        ParamTy::Bool | ParamTy::Index => quote!(bool),
    }
}

/// Returns the names of the adjoint outputs of the helper's float parameters, and one
/// slot per parameter for the adjoints array: its output, or 0 for a row or `bool`.
pub fn adjoint_slots(sig: &Signature) -> (Vec<Ident>, Vec<TokenStream>) {
    let mut outputs = Vec::new();
    let slots = sig
        .params
        .iter()
        .map(|param| {
            if param.ty != ParamTy::Float {
                return quote!(<__V as ::losses_core::Real>::from_f64(0.0_f64));
            }
            let output = format_ident!("__d_{}", param.ident);
            outputs.push(output.clone());
            quote!(#output)
        })
        .collect();
    (outputs, slots)
}

/// Builds `impl Differentiable<(A, B), __V>` for the helper's parameter types, calling
/// the inherent functions. A `bool` argument's adjoint is 0.
fn trait_impl(item: &ItemFn, sig: &Signature) -> TokenStream {
    let name = &item.sig.ident;
    let bound = kernel_bound(sig);
    let idents: Vec<&Ident> = sig.params.iter().map(|param| &param.ident).collect();
    let tys: Vec<TokenStream> = sig.params.iter().map(param_ty).collect();
    let count = sig.params.len();
    let (outputs, slots) = adjoint_slots(sig);
    quote! {
        #[automatically_derived]
        impl<__V: #bound> ::losses_core::__private::Differentiable<(#(#tys,)*), __V> for #name {
            type Adjoints = [__V; #count];

            #[inline(always)]
            fn forward((#(#idents,)*): (#(#tys,)*)) -> __V {
                #name::forward(#(#idents),*)
            }

            #[inline(always)]
            fn reverse((#(#idents,)*): (#(#tys,)*), __seed: __V) -> [__V; #count] {
                let (_, #(#outputs),*) = #name::reverse(#(#idents,)* __seed);
                [#(#slots),*]
            }
        }
    }
}

/// The largest argument count, other than the helper's own, that still type-checks,
/// with bodies that never run. The user's function makes the same call, and rustc
/// rejects the wrong argument count there once, with the helper's signature beside it.
const MAX_STUB_ARITY: usize = 12;

/// Builds `impl Differentiable`, or `DifferentiableRows` for `rows`, for every argument
/// count up to `MAX_STUB_ARITY` but `own`, with any argument types and bodies that
/// never run.
pub fn arity_stubs(item: &ItemFn, own: Option<usize>, rows: bool) -> TokenStream {
    let name = &item.sig.ident;
    let message = format!(
        "`{name}` was called with arguments that its signature does not take, which does not compile"
    );
    let stubs = (0..=MAX_STUB_ARITY)
        .filter(|&count| Some(count) != own)
        .map(|count| {
            let args: Vec<Ident> = (0..count).map(|k| format_ident!("__A{}", k)).collect();
            if rows {
                return row_helper::arity_stub(name, &args, &message);
            }
            quote! {
                #[automatically_derived]
                #[diagnostic::do_not_recommend]
                impl<__V, #(#args),*> ::losses_core::__private::Differentiable<(#(#args,)*), __V> for #name {
                    type Adjoints = [__V; #count];

                    fn forward(_: (#(#args,)*)) -> __V {
                        ::core::unreachable!(#message)
                    }

                    fn reverse(_: (#(#args,)*), _: __V) -> [__V; #count] {
                        ::core::unreachable!(#message)
                    }
                }
            }
        });
    quote!(#(#stubs)*)
}
