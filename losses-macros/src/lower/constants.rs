//! Lowering of the float type's own functions: the constants of `num_traits::Float`,
//! such as `T::zero()` and `T::epsilon()`, and the conversion `T::from(x).unwrap()`.
//!
//! A constant carries no gradient. One that `f32` and `f64` share becomes a literal.
//! One with a value of each type's own, such as the machine epsilon, is emitted as the
//! same call on the kernel's element type, so that the loss type computes what the
//! function computes in `f32` and in `f64`.

use super::Lowerer;
use super::rows::describe;
use crate::ir::{Id, Op, Ty};
use crate::methods::{self, StdForm, TypeConstant};
use crate::signature::FloatTy;
use proc_macro2::Ident;
use syn::{Expr, ExprCall, ExprMethodCall, ExprPath};

impl Lowerer<'_> {
    /// Lowers a call of a function of the float type, `T::zero()`; returns `None`
    /// when `call` calls something else.
    pub(super) fn type_function(&mut self, call: &ExprCall) -> Option<Option<Id>> {
        let Expr::Path(func) = &*call.func else {
            return None;
        };
        let (float, name) = float_type_function(func)?;
        if float != self.sig.float.name() {
            return None;
        }
        let generic = matches!(self.sig.float, FloatTy::Generic(_));
        if name == "from" && generic {
            return Some(self.error(
                call,
                format!(
                    "`{float}::from(x)` returns an `Option`: write `{float}::from(x).unwrap()`"
                ),
            ));
        }
        if name == "nan" {
            return Some(self.error(
                func,
                format!("`{float}::nan()` is not supported, because a NaN constant makes the loss and its gradient NaN: use a finite value, or leave a sample of a row loss out with `exclude_if`"),
            ));
        }
        let Some((method, constant, std_form)) = methods::type_constant(&name.to_string()) else {
            return self.unknown_type_function(func, float, name);
        };
        if !generic {
            let instead = match std_form {
                StdForm::Literal(literal) => format!("`{literal}`"),
                StdForm::Associated(constant) => format!("`{float}::{constant}`"),
            };
            return Some(self.error(
                func,
                format!("`{float}::{method}()` is a `num_traits` function, which a loss in `{float}` does not need: write {instead}"),
            ));
        }
        if !call.args.is_empty() {
            return Some(self.error(
                &call.args,
                format!("`{float}::{method}()` takes no arguments"),
            ));
        }
        let op = match constant {
            TypeConstant::Exact(value) => Op::Const(value, format!("{float}::{method}()")),
            TypeConstant::PerType => Op::TypeConst(method),
        };
        Some(Some(self.push(op, Ty::Float)))
    }

    /// Reports `T::name(..)` when `name` is neither a constant nor a float method,
    /// whose function form the caller reports.
    fn unknown_type_function(
        &mut self,
        func: &ExprPath,
        float: &Ident,
        name: &Ident,
    ) -> Option<Option<Id>> {
        if !matches!(self.sig.float, FloatTy::Generic(_))
            || methods::lookup(&name.to_string()).is_some()
        {
            return None;
        }
        let supported = methods::type_constant_list(&float.to_string());
        Some(self.error(
            func,
            format!("`{float}::{name}` is not supported: a loss body may call these functions of its float type: {supported}, and `{float}::from(x).unwrap()`"),
        ))
    }

    /// Lowers `T::from(x).unwrap()`: a `usize` becomes a float, and a float, such as a
    /// literal, keeps its value and its gradient. Returns `None` when `call` is not
    /// this conversion.
    pub(super) fn conversion(&mut self, call: &ExprMethodCall) -> Option<Option<Id>> {
        if call.method != "unwrap" || !call.args.is_empty() {
            return None;
        }
        let argument = self.conversion_argument(&call.receiver)?;
        let value = self.expr(argument);
        Some(value.and_then(|value| match self.nodes[value].ty {
            Ty::Index => Some(self.push(Op::ToFloat(value), Ty::Float)),
            Ty::Float => Some(value),
            other => {
                let float = self.sig.float.name();
                self.error(
                    argument,
                    format!(
                        "`{float}::from(x).unwrap()` converts a `usize` or a float, and this is {}",
                        describe(other)
                    ),
                )
            }
        }))
    }

    /// The argument of `T::from(argument)`, where `T` is the generic float type.
    fn conversion_argument<'e>(&self, expr: &'e Expr) -> Option<&'e Expr> {
        let FloatTy::Generic(float) = &self.sig.float else {
            return None;
        };
        let Expr::Call(call) = expr else { return None };
        let Expr::Path(path) = &*call.func else {
            return None;
        };
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        let is_from = segments.len() == 2 && *float == segments[0] && segments[1] == "from";
        (is_from && call.args.len() == 1).then(|| &call.args[0])
    }
}

/// Splits `T::name` or `<T as Float>::name` into the type and the function name.
fn float_type_function(func: &ExprPath) -> Option<(&Ident, &Ident)> {
    let segments = &func.path.segments;
    let name = &segments.last()?.ident;
    match &func.qself {
        Some(qself) => Some((crate::signature::type_ident(&qself.ty)?, name)),
        None if segments.len() == 2 => Some((&segments[0].ident, name)),
        None => None,
    }
}
