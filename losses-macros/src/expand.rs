//! The `#[loss]` pipeline on one screen: parse, check, lower, differentiate, emit, and
//! fall back to stub items on error.

use crate::ctxt::Ctxt;
use crate::emit::Emitter;
use crate::item::{self, LossModel};
use crate::signature::{self, FloatTy, Kind};
use crate::{attr, fallback, literal, lower, original, rewrite};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

/// Expands `#[loss(args)]` on `input`.
pub fn loss(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: ItemFn = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::default();
    let args = attr::parse(&mut cx, args);
    let name = item::type_name(&mut cx, &item, &args);
    // An `inputs(...)` that was empty or malformed has been reported. Reading the
    // signature as one of `y_true` and `y_pred` would only add errors that the intended
    // inputs do not have.
    let inputs_failed = args.key("inputs").is_some() && args.inputs.is_empty();
    let sig = if inputs_failed {
        None
    } else {
        signature::analyze(&mut cx, &item, Kind::Loss, &args.inputs)
    };
    let mut function = sig
        .as_ref()
        .and_then(|sig| lower::lower(&mut cx, sig, &item, Kind::Loss));
    if let Some(function) = &mut function {
        rewrite::rewrite(function);
    }

    let generated = match &sig {
        Some(sig) => {
            let model = LossModel {
                item: &item,
                sig,
                args: &args,
                name: name.clone(),
            };
            let default_impl = model.default_impl(&mut cx);
            if let (true, Some(condition)) = (sig.multi, args.valid_inputs.first()) {
                cx.error_spanned(condition, "`valid_inputs` is not supported on losses of several inputs yet: check the inputs before calling the loss");
            }
            if let (true, Some(condition)) = (args.target_any_length, args.valid_inputs.first()) {
                cx.error_spanned(condition, "`valid_inputs` checks `y_true` and `y_pred` element by element, which rows of their own lengths (`target_any_length`) do not pair; check the inputs before calling the loss instead");
            }
            match &function {
                Some(function) if cx.is_empty() => {
                    let mut emitter = Emitter::new(function, sig);
                    if args.block_sums {
                        emitter = emitter.without_flushes();
                    }
                    if args.gradient_only {
                        emitter = emitter.with_gradient_only();
                    }
                    if sig.multi && !args.inputs_any_length {
                        emitter = emitter.with_same_shape_inputs();
                    }
                    let emitted = emitter.emit();
                    let doc = format!(
                        " # Gradient\n\n The forward and reverse passes the macro derived; `d_x` is the adjoint ∂loss/∂x, seeded with 1 at the loss:\n\n ```text\n{}```",
                        indent(&emitted.doc)
                    );
                    let declared = model.struct_and_constructor(Some(&doc));
                    let check = crate::check::gradient_test(&mut cx, &model);
                    let batch = crate::batch::batch_items(&mut cx, &model);
                    let kernels = if sig.multi {
                        model.multi_impls(&mut cx, &emitted)
                    } else if sig.row {
                        model.row_impls(&mut cx, &emitted)
                    } else {
                        if let Some(condition) = &args.exclude_if {
                            cx.error_spanned(condition, "`exclude_if` needs a row loss, whose `y_pred` is `&[T]`: an element of an elementwise loss cannot be left out alone; use sample weights of 0 instead");
                        }
                        model.kernel_impls(&emitted)
                    };
                    quote!(#declared #default_impl #kernels #check #batch)
                }
                _ => {
                    let stub = fallback::loss_items(&model);
                    let default_stub = fallback::default_impl(&model, &default_impl);
                    quote!(#stub #default_stub)
                }
            }
        }
        None => fallback::loss_items_without_signature(&item, &args, name.clone()),
    };

    // After a failed `inputs(...)`, the float type is still read, with the signature's
    // errors discarded, so that the literals of a generic function do not add errors.
    let read_again = match &sig {
        None if inputs_failed => signature::analyze(&mut Ctxt::default(), &item, Kind::Loss, &[]),
        _ => None,
    };
    if let Some(signature::Signature {
        float: FloatTy::Generic(ident),
        ..
    }) = sig.as_ref().or(read_again.as_ref())
    {
        literal::rewrite(&mut item.block, ident);
    }
    original::rewrite(&mut item.block);
    // The reported errors are the ones to fix. An unused parameter or `mut` in a
    // function that does not compile is not worth a warning beside them.
    let errors_allow = (!cx.is_empty()).then(|| quote!(#[allow(unused_variables, unused_mut)]));
    let errors = cx.into_compile_errors();
    // The doc comment moves to the loss type, so that its examples are documented
    // and tested once; the function points there instead.
    let type_doc = format!(" The scalar function behind [`{name}`], which documents it.");
    item.attrs.retain(|attr| !attr.path().is_ident("doc"));
    // The loss type replaces most uses of the function, so an unused original is
    // not worth a warning.
    // Row losses index their slices in `for` loops, the only loops the macro can
    // reverse, which clippy's `needless_range_loop` would flag on the original.
    let row_allow = sig
        .as_ref()
        .filter(|sig| sig.row)
        .map(|_| quote!(#[allow(clippy::needless_range_loop)]));
    // A hyper-parameter that only the attribute's conditions read is unused in the
    // function itself, and that is as it should be.
    let conditions_allow = (!args.requirements.is_empty()
        || !args.valid_inputs.is_empty()
        || args.exclude_if.is_some())
    .then(|| quote!(#[allow(unused_variables)]));
    quote! {
        #[doc = #type_doc]
        #[allow(dead_code)]
        #row_allow
        #conditions_allow
        #errors_allow
        #item
        #generated
        #errors
    }
}

/// Prefixes every line with one space, as `///` comments render them.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!(" {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rustdoc text of the expansion, with escaped newlines restored.
    fn expanded_doc(input: TokenStream) -> String {
        loss(TokenStream::new(), input)
            .to_string()
            .replace("\\n", "\n")
    }

    #[test]
    fn gradient_doc_names_user_bindings() {
        let doc = expanded_doc(quote! {
            fn clipped_ln(y_true: f32, y_pred: f32) -> f32 {
                let p = y_pred.clamp(1e-7, 1.0);
                -y_true * p.ln()
            }
        });
        assert!(doc.contains("p = clamp(y_pred, 1e-7, 1.0)"), "{doc}");
        assert!(doc.contains("d_p += d_t1 / p"), "{doc}");
        assert!(
            doc.contains("d_y_pred += select((y_pred >= 1e-7) && (y_pred <= 1.0), d_p, 0.0)"),
            "{doc}"
        );
    }

    #[test]
    fn stable_softplus_is_rewritten() {
        let expansion = loss(
            TokenStream::new(),
            quote! {
                fn stable(y_true: f32, y_pred: f32) -> f32 {
                    let x = y_pred - y_true;
                    (-x.abs()).exp().ln_1p() + x.max(0.0)
                }
            },
        )
        .to_string();
        assert!(expansion.contains("Real > :: softplus (__v"), "{expansion}");
        assert!(
            expansion.contains("Real > :: softplus_slope (__v"),
            "{expansion}"
        );
    }

    /// Counts the calls of `ln_positive` and of `ln` in the expansion of `body`.
    fn logarithm_calls(body: TokenStream) -> (usize, usize) {
        let expansion = loss(TokenStream::new(), body).to_string();
        let positive = expansion.matches(":: ln_positive (").count();
        (positive, expansion.matches(":: ln (").count())
    }

    #[test]
    fn clamped_logarithms_skip_the_special_cases() {
        let (positive, plain) = logarithm_calls(quote! {
            fn clipped_bce(y_true: f32, y_pred: f32) -> f32 {
                let p = y_pred.clamp(1e-7, 1.0 - 1e-7);
                -(y_true * p.ln() + (1.0 - y_true) * (1.0 - p).ln())
            }
        });
        assert!(
            positive >= 2 && plain == 0,
            "{positive} ln_positive, {plain} ln"
        );

        let (positive, plain) = logarithm_calls(quote! {
            fn epsilon_bce<T: Float>(y_true: T, y_pred: T) -> T {
                let p = y_pred.clamp(T::epsilon(), 1.0 - T::epsilon());
                -(y_true * p.ln() + (1.0 - y_true) * (1.0 - p).ln())
            }
        });
        assert!(
            positive >= 2 && plain == 0,
            "{positive} ln_positive, {plain} ln"
        );
    }

    #[test]
    fn unbounded_logarithms_keep_the_special_cases() {
        let bodies = [
            // A lower bound of 0 lets the argument be 0, whose logarithm is -∞.
            quote! { fn a(y_true: f32, y_pred: f32) -> f32 { y_true * y_pred.clamp(0.0, 1.0).ln() } },
            // 1 - 1e-9 rounds to 1 in f32, so 1 - p can be 0.
            quote! {
                fn b(y_true: f32, y_pred: f32) -> f32 {
                    y_true * (1.0 - y_pred.clamp(1e-9, 1.0 - 1e-9)).ln()
                }
            },
            // Below f32::MIN_POSITIVE the argument may be subnormal.
            quote! { fn c(y_true: f32, y_pred: f32) -> f32 { y_true * y_pred.clamp(1e-40, 1.0).ln() } },
            quote! { fn d(y_true: f32, y_pred: f32) -> f32 { y_true * y_pred.max(1e-7).ln() } },
            quote! { fn e(y_true: f32, y_pred: f32) -> f32 { y_true * y_pred.clamp(1.0, 1e39).ln() } },
        ];
        for body in bodies {
            let text = body.to_string();
            let (positive, plain) = logarithm_calls(body);
            assert!(
                positive == 0 && plain >= 1,
                "{text}: {positive} ln_positive"
            );
        }
    }

    #[test]
    fn gradient_doc_masks_per_sample_arms() {
        let doc = expanded_doc(quote! {
            fn guarded(y_true: f64, y_pred: f64) -> f64 {
                if y_pred > 0.0 { y_pred.sqrt() } else { y_true }
            }
        });
        assert!(
            doc.contains("d_y_pred += select((y_pred > 0.0), select(y_pred == 0.0, 0.0,"),
            "{doc}"
        );
    }

    #[test]
    fn gradient_doc_keeps_uniform_branches() {
        let doc = expanded_doc(quote! {
            fn scaled(y_true: f64, y_pred: f64, double: bool) -> f64 {
                let e = y_pred - y_true;
                if double { 2.0 * e } else { e }
            }
        });
        assert!(doc.contains("if double {"), "{doc}");
        assert!(doc.contains("} else {"), "{doc}");
    }

    #[test]
    fn gradient_doc_names_product_partials() {
        let doc = expanded_doc(quote! {
            fn product(y_true: &[f64], y_pred: &[f64]) -> f64 {
                let mut p = 1.0;
                for i in 0..y_pred.len() {
                    p *= y_pred[i] - y_true[i];
                }
                p
            }
        });
        assert!(
            doc.contains("d_t2 += d_p_2 * (product of the factors other than t2)"),
            "{doc}"
        );
    }

    #[test]
    fn gradient_doc_shows_array_stores() {
        let doc = expanded_doc(quote! {
            fn kept(y_true: &[f64], y_pred: &[f64]) -> f64 {
                let mut e = vec![0.0; y_pred.len()];
                for i in 0..y_pred.len() {
                    e[i] = y_pred[i] * y_true[i];
                }
                let mut total = 0.0;
                for i in 0..y_pred.len() {
                    total += e[i];
                }
                total
            }
        });
        assert!(doc.contains("e = vec![0.0; y_pred.len()]"), "{doc}");
        assert!(doc.contains("e[i] = t2"), "{doc}");
        assert!(doc.contains("d_e[i_2] += d_t4"), "{doc}");
        assert!(doc.contains("d_t2 += d_e[i]"), "{doc}");
    }

    #[test]
    fn gradient_doc_numbers_helper_arguments() {
        let doc = expanded_doc(quote! {
            fn projected(y_true: &[f64], y_pred: &[f64], scale: f64) -> f64 {
                scaled_dot(y_pred, y_true, scale * y_pred[0])
            }
        });
        assert!(
            doc.contains("d_y_pred[..] += d_t3 * ∂scaled_dot/∂arg1[..]"),
            "{doc}"
        );
        assert!(!doc.contains("d_y_true[..]"), "{doc}");
        assert!(doc.contains("∂scaled_dot/∂arg3"), "{doc}");
    }

    /// A maximum read only through `detach`, here inside a later loop, gets no adjoint,
    /// so its loop has no reverse pass: no tie count and no share for the maxima.
    #[test]
    fn detached_maximum_has_no_reverse_code() {
        let expansion = expanded_doc(quote! {
            fn shifted(y_true: &[f64], y_pred: &[f64]) -> f64 {
                let mut max = y_pred[0];
                for i in 1..y_pred.len() {
                    max = max.max(y_pred[i]);
                }
                let mut sum = 0.0;
                for i in 0..y_pred.len() {
                    sum += y_true[i] * (y_pred[i] - max.detach()).exp();
                }
                sum.ln()
            }
        });
        assert!(expansion.contains("detach(max"), "{expansion}");
        assert!(!expansion.contains("__ties"), "{expansion}");
        assert!(!expansion.contains("d_max"), "{expansion}");
    }

    /// The gradient of `Σ (a t p + b t + c p)` with respect to `p` is `a t + c`. The
    /// gradient-only function, which the whole-batch gradient calls, must read
    /// neither `p` nor the running sums in its loop. The reverse function of a row
    /// loss keeps them, because it also returns the loss.
    #[test]
    fn gradient_only_loop_skips_dead_sums() {
        let expansion = loss(
            quote!(__gradient_only),
            quote! {
                fn adjoint(y_true: &[f32], y_pred: &[f32], a: f32, b: f32, c: f32) -> f32 {
                    let mut both = 0.0;
                    let mut targets = 0.0;
                    let mut predictions = 0.0;
                    for i in 0..y_pred.len() {
                        both += y_true[i] * y_pred[i];
                        targets += y_true[i];
                        predictions += y_pred[i];
                    }
                    a * both + b * targets + c * predictions
                }
            },
        )
        .to_string();
        let start = expansion
            .find("fn __gradient")
            .expect("a gradient-only function");
        let gradient = &expansion[start..];
        let end = gradient[1..]
            .find("fn ")
            .map_or(gradient.len(), |end| end + 1);
        let gradient = &gradient[..end];
        let reverse = &expansion[expansion.find("fn __reverse").expect("a reverse function")..];

        assert!(gradient.contains("__block_y_true"), "{gradient}");
        assert!(!gradient.contains("__block_y_pred"), "{gradient}");
        assert!(!gradient.contains("prefetch_ahead (y_pred"), "{gradient}");
        assert!(!gradient.contains("sum_wide"), "{gradient}");
        assert!(reverse.contains("sum_wide"), "{reverse}");
    }
}
