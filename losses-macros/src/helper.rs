//! Expansion of `#[differentiable]`: the helper itself plus its forward and reverse
//! functions, `__name_forward` and `__name_reverse`, which `#[loss]` bodies call.

use crate::ctxt::Ctxt;
use crate::emit::Emitter;
use crate::item::kernel_bound;
use crate::signature::{self, FloatTy, Kind, ParamTy, Signature};
use crate::{fallback, literal, lower, rewrite};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

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
        .and_then(|sig| lower::lower(&mut cx, sig, &item));
    if let Some(function) = &mut function {
        rewrite::rewrite(function);
    }

    let companions = match (&sig, &function) {
        (Some(sig), Some(function)) if cx.is_empty() => {
            let emitted = Emitter::new(function, sig).emit();
            companions(&item, sig, &emitted.forward_body, &emitted.reverse_body)
        }
        (Some(sig), _) => fallback::helper_stubs(&item, sig),
        // Without a float type there is nothing to differentiate, but the companion
        // type is still declared, so that calls report no unresolved path.
        (None, _) => {
            let (vis, name) = (&item.vis, &item.sig.ident);
            quote! {
                #[doc(hidden)]
                #[allow(non_camel_case_types)]
                #vis enum #name {}
            }
        }
    };
    if let Some(Signature {
        float: FloatTy::Generic(ident),
        ..
    }) = &sig
    {
        literal::rewrite(&mut item.block, ident);
    }
    let errors = cx.into_compile_errors();
    quote! {
        #item
        #companions
        #errors
    }
}

/// The helper's forward and reverse functions around the given bodies, as associated
/// functions of an uninhabited type named like the helper. A type lives in the type
/// namespace, so it does not clash with the function, and `use` imports both together.
pub fn companions(
    item: &ItemFn,
    sig: &Signature,
    forward: &TokenStream,
    reverse: &TokenStream,
) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let bound = kernel_bound(sig);
    let params: Vec<TokenStream> = sig
        .params
        .iter()
        .map(|param| {
            let ident = &param.ident;
            match param.ty {
                ParamTy::Float => quote!(#ident: __V),
                // A helper's signature has only floats and `bool`s; `signature`
                // reports the other types.
                ParamTy::Bool | ParamTy::Index | ParamTy::FloatSlice => quote!(#ident: bool),
            }
        })
        .collect();
    let outputs = sig
        .params
        .iter()
        .filter(|param| param.ty == ParamTy::Float)
        .map(|_| quote!(__V));
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis enum #name {}

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
