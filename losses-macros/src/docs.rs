//! The derivation written out as text, for the generated type's rustdoc.
//!
//! Values the user named with `let` keep their names, shadowed names get a numeric
//! suffix, and other values that carry a gradient are called `t1`, `t2`, ...; the rest
//! are written inline. `d_x` is the adjoint ∂loss/∂x.

use crate::emit::unary_method;
use crate::ir::{Binary, Block, Cmp, Function, Id, IntOp, Op, Stmt, StoreKind, Ty, Unary};
use crate::rules::Ex;
use crate::signature::{ParamTy, Signature};
use quote::ToTokens;

/// Display names of a function's nodes.
pub struct Text<'a> {
    f: &'a Function,
    sig: &'a Signature,
    /// `Some(name)` for nodes shown by name, `None` for nodes written inline.
    names: Vec<Option<String>>,
}

impl<'a> Text<'a> {
    pub fn new(f: &'a Function, sig: &'a Signature) -> Self {
        let mut names = Vec::with_capacity(f.nodes.len());
        let mut used: Vec<String> = Vec::new();
        let mut temporaries = 0;
        let mut loop_vars = 0;
        for node in &f.nodes {
            let name = match (&node.op, &node.name) {
                (Op::Param(index), _) => Some(sig.params[*index].ident.to_string()),
                (Op::Const(..) | Op::TypeConst(_) | Op::Bool(_) | Op::Index(_), _) => None,
                // A loop variable keeps the user's name.
                (Op::LoopVar, Some(name)) => Some(unique(name, &used)),
                (Op::LoopVar, None) => {
                    loop_vars += 1;
                    Some(unique(
                        ["i", "j", "k", "l", "m"]
                            .get(loop_vars - 1)
                            .copied()
                            .unwrap_or("n"),
                        &used,
                    ))
                }
                (_, Some(name)) => Some(unique(name, &used)),
                (_, None) if node.active => {
                    temporaries += 1;
                    Some(format!("t{temporaries}"))
                }
                (_, None) => None,
            };
            if let Some(name) = &name {
                used.push(name.clone());
            }
            names.push(name);
        }
        Text { f, sig, names }
    }

    /// The name of a node, or its inline expression when it has none.
    pub fn name(&self, id: Id) -> String {
        match &self.names[id] {
            Some(name) => name.clone(),
            None => self.inline(id),
        }
    }

    fn inline(&self, id: Id) -> String {
        let operand = |id: &Id| self.operand(*id);
        match &self.f.nodes[id].op {
            Op::Param(index) => self.sig.params[*index].ident.to_string(),
            Op::Const(_, text) => text.clone(),
            Op::TypeConst(method) => format!("{}::{method}()", self.sig.float.name()),
            Op::Bool(value) => value.to_string(),
            Op::Unary(Unary::Neg, a) => format!("-{}", operand(a)),
            Op::Unary(unary, a) => format!("{}({})", unary_method(*unary), self.name(*a)),
            Op::Binary(binary, a, b) => match binary_symbol(*binary) {
                Some(symbol) => format!("{} {symbol} {}", operand(a), operand(b)),
                None => format!(
                    "{}({}, {})",
                    binary_name(*binary),
                    self.name(*a),
                    self.name(*b)
                ),
            },
            Op::Powi(a, n) => format!("powi({}, {n})", self.name(*a)),
            Op::Clamp(x, lo, hi) => format!(
                "clamp({}, {}, {})",
                self.name(*x),
                self.name(*lo),
                self.name(*hi)
            ),
            Op::Cmp(cmp, a, b) => format!("{} {} {}", operand(a), cmp_symbol(*cmp), operand(b)),
            Op::And(a, b) => format!("{} && {}", operand(a), operand(b)),
            Op::Or(a, b) => format!("{} || {}", operand(a), operand(b)),
            Op::Not(a) => format!("!{}", operand(a)),
            Op::Select(mask, a, b) => format!(
                "select({}, {}, {})",
                self.name(*mask),
                self.name(*a),
                self.name(*b)
            ),
            Op::Call(path, args) => {
                let args: Vec<String> = args.iter().map(|arg| self.name(*arg)).collect();
                format!("{}({})", path_text(path), args.join(", "))
            }
            Op::Phi(a, b) => format!("if .. {{ {} }} else {{ {} }}", self.name(*a), self.name(*b)),
            Op::Index(value) => value.to_string(),
            Op::IntBinary(op, a, b, _) => {
                let symbol = match op {
                    IntOp::Add => "+",
                    IntOp::Sub => "-",
                    IntOp::Mul => "*",
                    IntOp::Div => "/",
                    IntOp::Rem => "%",
                };
                format!("{} {symbol} {}", operand(a), operand(b))
            }
            Op::IntCmp(cmp, a, b) => format!("{} {} {}", operand(a), cmp_symbol(*cmp), operand(b)),
            Op::Len(param) => format!("{}.len()", self.sig.params[*param].ident),
            Op::Load(param, index) => {
                format!("{}[{}]", self.sig.params[*param].ident, self.name(*index))
            }
            Op::ToFloat(index) => format!("float({})", self.name(*index)),
            Op::ToIndex(value) => format!("index({})", self.name(*value)),
            Op::LoopVar => "i".to_string(),
            Op::Array { len, fill } => format!("vec![{}; {}]", self.name(*fill), self.name(*len)),
            Op::ArrayLoad(array, index) => format!("{}[{}]", self.name(*array), self.name(*index)),
            Op::Store(array, index, value, kind) => {
                let symbol = match kind {
                    StoreKind::Set => "=",
                    StoreKind::Add => "+=",
                    StoreKind::Sub => "-=",
                };
                format!(
                    "{}[{}] {symbol} {}",
                    self.name(*array),
                    self.name(*index),
                    self.name(*value)
                )
            }
            Op::Carried | Op::LoopOut => "acc".to_string(),
            Op::LogSumExp(terms) => {
                let terms: Vec<String> = terms.iter().map(|term| self.name(*term)).collect();
                format!("log_sum_exp({})", terms.join(", "))
            }
        }
    }

    /// A node as an operand: inline compound expressions get parentheses.
    fn operand(&self, id: Id) -> String {
        let text = self.name(id);
        let compound = self.names[id].is_none()
            && matches!(
                self.f.nodes[id].op,
                Op::Binary(..)
                    | Op::Cmp(..)
                    | Op::And(..)
                    | Op::Or(..)
                    | Op::Unary(Unary::Neg, _)
                    | Op::IntBinary(..)
                    | Op::IntCmp(..)
            );
        if compound { format!("({text})") } else { text }
    }

    /// An adjoint expression produced by the rule of node `node`.
    pub fn ex(&self, ex: &Ex, node: Id) -> String {
        let sub = |inner: &Ex| self.ex_operand(inner, node);
        match ex {
            Ex::Val(id) => self.operand(*id),
            Ex::Adj => format!("d_{}", self.name(node)),
            Ex::Lit(value) => format_number(*value),
            Ex::Neg(a) => format!("-{}", sub(a)),
            Ex::Add(a, b) => format!("{} + {}", sub(a), sub(b)),
            Ex::Sub(a, b) => format!("{} - {}", sub(a), sub(b)),
            Ex::Mul(a, b) => format!("{} * {}", sub(a), sub(b)),
            Ex::Div(a, b) => format!("{} / {}", sub(a), sub(b)),
            Ex::Method(name, args) => {
                let args: Vec<String> = args.iter().map(|arg| self.ex(arg, node)).collect();
                format!("{name}({})", args.join(", "))
            }
            Ex::Powi(base, n) => format!("powi({}, {n})", self.ex(base, node)),
            Ex::Select(mask, a, b) => {
                format!(
                    "select({}, {}, {})",
                    self.ex(mask, node),
                    self.ex(a, node),
                    self.ex(b, node)
                )
            }
            Ex::Cmp(cmp, a, b) => format!("{} {} {}", sub(a), cmp_symbol(*cmp), sub(b)),
            Ex::And(a, b) => format!("{} && {}", sub(a), sub(b)),
            Ex::Softmax(terms, index) => {
                let terms: Vec<String> = terms.iter().map(|term| self.name(*term)).collect();
                format!("softmax({})[{index}]", terms.join(", "))
            }
            Ex::HelperAdjoint(k) => match &self.f.nodes[node].op {
                Op::Call(path, args) => {
                    // `k` counts the float arguments only; the text numbers all of them.
                    let position = args
                        .iter()
                        .enumerate()
                        .filter(|(_, arg)| self.is_float_value(**arg))
                        .nth(*k)
                        .map_or(k + 1, |(position, _)| position + 1);
                    format!(
                        "d_{} * ∂{}/∂arg{}",
                        self.name(node),
                        path_text(path),
                        position
                    )
                }
                _ => String::from("?"),
            },
        }
    }

    /// Returns the adjoint that helper call `node` passes to the elements of the row
    /// given as argument `position`, counted from 0.
    pub fn row_adjoint(&self, node: Id, position: usize) -> String {
        match &self.f.nodes[node].op {
            Op::Call(path, _) => format!(
                "d_{} * ∂{}/∂arg{}[..]",
                self.name(node),
                path_text(path),
                position + 1
            ),
            _ => String::from("?"),
        }
    }

    /// Checks whether `id` is a float value rather than a `bool`, an index or a row.
    fn is_float_value(&self, id: Id) -> bool {
        let row = matches!(self.f.nodes[id].op, Op::Param(index) if self.sig.params[index].ty == ParamTy::FloatSlice);
        self.f.nodes[id].ty == Ty::Float && !row
    }

    fn ex_operand(&self, ex: &Ex, node: Id) -> String {
        let text = self.ex(ex, node);
        let compound = matches!(
            ex,
            Ex::Add(..)
                | Ex::Sub(..)
                | Ex::Mul(..)
                | Ex::Div(..)
                | Ex::Neg(_)
                | Ex::Cmp(..)
                | Ex::And(..)
        );
        if compound { format!("({text})") } else { text }
    }

    /// Renders the forward lines and the given reverse lines as one text block.
    pub fn render(&self, reverse: &[String]) -> String {
        let mut out = String::from("forward pass:\n");
        self.forward_lines(&self.f.body, 1, &mut out);
        out.push_str(&format!("    loss = {}\n", self.name(self.f.result)));
        out.push_str("reverse pass (d_x is the adjoint ∂loss/∂x):\n");
        for line in reverse {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    fn forward_lines(&self, block: &Block, depth: usize, out: &mut String) {
        let indent = "    ".repeat(depth);
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let(id) => {
                    // A store has no name, and is shown as the statement it is.
                    if let Op::Store(..) = self.f.nodes[*id].op {
                        out.push_str(&format!("{indent}{}\n", self.inline(*id)));
                        continue;
                    }
                    let shown =
                        self.names[*id].is_some() && !matches!(self.f.nodes[*id].op, Op::Param(_));
                    if shown {
                        out.push_str(&format!(
                            "{indent}{} = {}\n",
                            self.name(*id),
                            self.inline(*id)
                        ));
                    }
                }
                Stmt::Loop(lp) => {
                    for carried in &lp.carried {
                        out.push_str(&format!(
                            "{indent}{} = {}\n",
                            self.name(carried.phi),
                            self.name(carried.init)
                        ));
                    }
                    out.push_str(&format!(
                        "{indent}for {} in {}..{} {{\n",
                        self.name(lp.var),
                        self.name(lp.lo),
                        self.name(lp.hi)
                    ));
                    self.forward_lines(&lp.body, depth + 1, out);
                    for carried in &lp.carried {
                        out.push_str(&format!(
                            "{indent}    {} = {}\n",
                            self.name(carried.phi),
                            self.name(carried.next)
                        ));
                    }
                    out.push_str(&format!("{indent}}}\n"));
                    for carried in &lp.carried {
                        out.push_str(&format!(
                            "{indent}{} = {}\n",
                            self.name(carried.out),
                            self.name(carried.phi)
                        ));
                    }
                }
                Stmt::If(branch) => {
                    let (then_value, else_value) = match self.f.nodes[branch.phi].op {
                        Op::Phi(a, b) => (a, b),
                        _ => continue,
                    };
                    out.push_str(&format!("{indent}if {} {{\n", self.name(branch.cond)));
                    self.forward_lines(&branch.then_block, depth + 1, out);
                    out.push_str(&format!(
                        "{indent}    {} = {}\n",
                        self.name(branch.phi),
                        self.name(then_value)
                    ));
                    out.push_str(&format!("{indent}}} else {{\n"));
                    self.forward_lines(&branch.else_block, depth + 1, out);
                    out.push_str(&format!(
                        "{indent}    {} = {}\n",
                        self.name(branch.phi),
                        self.name(else_value)
                    ));
                    out.push_str(&format!("{indent}}}\n"));
                }
            }
        }
    }
}

/// `name`, or `name_2`, `name_3`, ... when a shadowed binding already took it.
fn unique(name: &str, used: &[String]) -> String {
    if !used.iter().any(|taken| taken == name) {
        return name.to_string();
    }
    (2..)
        .map(|suffix| format!("{name}_{suffix}"))
        .find(|candidate| !used.contains(candidate))
        .unwrap_or_else(|| name.to_string())
}

fn binary_symbol(binary: Binary) -> Option<&'static str> {
    match binary {
        Binary::Add => Some("+"),
        Binary::Sub => Some("-"),
        Binary::Mul => Some("*"),
        Binary::Div => Some("/"),
        _ => None,
    }
}

fn binary_name(binary: Binary) -> &'static str {
    match binary {
        Binary::Powf => "powf",
        Binary::Max => "max",
        Binary::Min => "min",
        Binary::Hypot => "hypot",
        Binary::Add | Binary::Sub | Binary::Mul | Binary::Div => "",
    }
}

fn cmp_symbol(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Lt => "<",
        Cmp::Le => "<=",
        Cmp::Gt => ">",
        Cmp::Ge => ">=",
        Cmp::Eq => "==",
        Cmp::Ne => "!=",
    }
}

fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// The shortest text that reads back as `value`.
fn format_number(value: f64) -> String {
    let text = format!("{value}");
    if text.contains('.') || text.contains('e') || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}
