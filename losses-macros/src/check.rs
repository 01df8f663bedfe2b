//! The test that `#[loss(check)]` emits: the loss's gradient against central finite
//! differences at seeded random inputs, run by `cargo test` in the user's crate.

use crate::ctxt::Ctxt;
use crate::item::LossModel;
use crate::signature::{FloatTy, ParamTy, Role};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The `#[test]` function of `check(...)`, or nothing when it was not asked for.
pub fn gradient_test(cx: &mut Ctxt, model: &LossModel<'_>) -> TokenStream {
    let Some(check) = &model.args.check else {
        return TokenStream::new();
    };
    let fn_ident = &model.item.sig.ident;
    let key = model.args.key("check").unwrap_or(fn_ident);
    if model.sig.multi {
        cx.error_spanned(key, "`check` is not supported on a loss of several inputs, which does not implement `Loss`: remove `check`, and in a test compare `value_and_grad` with central differences of `value`, one input at a time");
        return TokenStream::new();
    }
    let hypers: Vec<String> = model
        .sig
        .params
        .iter()
        .filter(|param| param.role == Role::Hyper)
        .map(|param| format!("{} = ..", param.ident))
        .collect();
    if !hypers.is_empty() && model.args.defaults.is_empty() {
        cx.error_spanned(key, format!("`check` builds the loss with `Default`, which needs a value for every hyper-parameter: add `defaults({})`", hypers.join(", ")));
        return TokenStream::new();
    }

    let range = |range: &Option<syn::ExprRange>, default: TokenStream| match range {
        Some(range) => {
            let (start, end) = (&range.start, &range.end);
            quote!((#start)..(#end))
        }
        None => default,
    };
    let y_true = range(&check.y_true, quote!(0.0..1.0));
    let y_pred = range(&check.y_pred, quote!(0.1..0.9));
    let check_module = quote!(::losses_core::check);
    let target = model
        .sig
        .params
        .iter()
        .find(|param| param.role == Role::YTrue)
        .map(|param| param.ty);
    let targets = match (model.sig.row, target) {
        (true, Some(ParamTy::Index)) => quote!(#check_module::Targets::Classes),
        (true, Some(ParamTy::Float)) => quote!(#check_module::Targets::PerSample(#y_true)),
        _ => quote!(#check_module::Targets::Floats(#y_true)),
    };
    let shape = if model.sig.row {
        quote!(&[3, 5])
    } else {
        quote!(&[4, 3])
    };
    let elem = match &model.sig.float {
        FloatTy::Generic(_) => quote!(f64),
        FloatTy::Concrete(ident) => quote!(#ident),
    };
    let name = &model.name;
    let test_name = format_ident!("{}_gradient_check", fn_ident);
    quote! {
        #[cfg(test)]
        #[test]
        fn #test_name() {
            let loss: #name = ::core::default::Default::default();
            let report = #check_module::check_random::<#elem, _>(&loss, &#targets, #y_pred, #shape, 0x5eed)
                .expect("the gradient check's inputs are valid for the loss");
            assert!(report.passed(), "{}", report);
        }
    }
}
