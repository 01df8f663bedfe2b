//! The items `#[differentiable]` generates for a helper that takes rows `&[T]`, such
//! as `fn dot<T: Float>(a: &[T], b: &[T]) -> T`: fallible forward and reverse
//! functions, and the `DifferentiableRows` impl through which losses call them.
//!
//! The reverse function adds the adjoints of the rows' elements through a closure
//! `__accumulate(argument, index, adjoint)` that the caller passes, so that the same
//! row passed twice collects both contributions in one gradient without a buffer.

use crate::helper::{adjoint_slots, param_ty};
use crate::signature::{ParamTy, Signature};
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::ItemFn;

/// The bound of the element type: a row helper is only called from row losses and
/// other row helpers, whose element type is a `LossFloat`.
fn bound() -> TokenStream {
    quote!(::losses_core::LossFloat)
}

fn kernel_error() -> TokenStream {
    quote!(::losses_core::KernelError)
}

/// Builds `forward` and `reverse` with one parameter per helper parameter. `reverse`
/// returns the value and the adjoint of every float parameter, and passes the rows'
/// adjoints to `__accumulate`.
pub fn inherent_impl(
    item: &ItemFn,
    sig: &Signature,
    forward: &TokenStream,
    reverse: &TokenStream,
) -> TokenStream {
    let name = &item.sig.ident;
    let (bound, error) = (bound(), kernel_error());
    let params: Vec<TokenStream> = sig
        .params
        .iter()
        .map(|param| {
            let (ident, ty) = (&param.ident, param_ty(param));
            quote!(#ident: #ty)
        })
        .collect();
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
            pub fn forward<__V: #bound>(#(#params),*) -> ::core::result::Result<__V, #error> {
                #forward
            }

            #[doc(hidden)]
            #[inline(always)]
            #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
            pub fn reverse<__V: #bound, __F: ::core::ops::FnMut(usize, usize, __V)>(
                #(#params,)* __seed: __V, __accumulate: &mut __F,
            ) -> ::core::result::Result<(__V, #(#outputs),*), #error> {
                #reverse
            }
        }
    }
}

/// Builds `impl DifferentiableRows<(&[__V], ..), __V>` for the helper's parameter
/// types, calling the inherent functions. The adjoint of a row or `bool` argument in
/// the returned array is 0.
pub fn trait_impl(item: &ItemFn, sig: &Signature) -> TokenStream {
    let name = &item.sig.ident;
    let (bound, error) = (bound(), kernel_error());
    let idents: Vec<&Ident> = sig.params.iter().map(|param| &param.ident).collect();
    let tys: Vec<TokenStream> = sig.params.iter().map(param_ty).collect();
    let count = sig.params.len();
    let (outputs, slots) = adjoint_slots(sig);
    quote! {
        #[automatically_derived]
        impl<__V: #bound> ::losses_core::__private::DifferentiableRows<(#(#tys,)*), __V> for #name {
            type Adjoints = [__V; #count];

            #[inline(always)]
            fn forward((#(#idents,)*): (#(#tys,)*)) -> ::core::result::Result<__V, #error> {
                #name::forward(#(#idents),*)
            }

            #[inline(always)]
            fn reverse<__F: ::core::ops::FnMut(usize, usize, __V)>(
                (#(#idents,)*): (#(#tys,)*),
                __seed: __V,
                __accumulate: &mut __F,
            ) -> ::core::result::Result<[__V; #count], #error> {
                let (_, #(#outputs),*) = #name::reverse(#(#idents,)* __seed, __accumulate)?;
                ::core::result::Result::Ok([#(#slots),*])
            }
        }
    }
}

/// Builds `impl DifferentiableRows` for the argument types `args`, with bodies that
/// never run.
pub fn arity_stub(name: &Ident, args: &[Ident], message: &str) -> TokenStream {
    let count = args.len();
    let error = kernel_error();
    quote! {
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<__V, #(#args),*> ::losses_core::__private::DifferentiableRows<(#(#args,)*), __V> for #name {
            type Adjoints = [__V; #count];

            fn forward(_: (#(#args,)*)) -> ::core::result::Result<__V, #error> {
                ::core::unreachable!(#message)
            }

            fn reverse<__F: ::core::ops::FnMut(usize, usize, __V)>(
                _: (#(#args,)*),
                _: __V,
                _: &mut __F,
            ) -> ::core::result::Result<[__V; #count], #error> {
                ::core::unreachable!(#message)
            }
        }
    }
}
