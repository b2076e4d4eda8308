//! AST + shapes → IR. Each definition becomes a named binding: its
//! expression is built in the graph and its name declared with that
//! expression as `def`, so later uses are `Sym` leaves. Differentiation sees
//! through the names; the printers keep them.
//!
//! Architecture invariant: after lowering, nothing fails on user input; a
//! shape misfit in the graph is a bug in matdiff (see `Graph::raw`).

use crate::diagnostic::{Diagnostic, Span};
use crate::ir::{Func, Graph, NameInfo, NameKind, Props};
use crate::name::Name;
use crate::num::Number;
use crate::shape::Dim;
use crate::shape::infer::Shapes;
use crate::syntax::ast::*;
use egg::Id;

/// The program in IR form.
pub struct Lowered {
    pub graph: Graph,
    /// Free variables, in order of first appearance.
    pub variables: Vec<Name>,
    /// User definitions, in program order.
    pub definitions: Vec<Name>,
    /// The function to differentiate.
    pub function: Name,
    /// Named dimensions (declared or invented), for sampling sizes.
    pub dims: Vec<Name>,
}

/// Lowers `program`; `of` names the function to differentiate (default: the
/// last definition, or a lone trailing expression, which is called `f`).
pub fn lower(program: &Program, shapes: &Shapes, of: Option<&str>) -> Result<Lowered, Diagnostic> {
    let mut graph = Graph::new();
    let mut variables = Vec::new();
    let declared = declared_properties(program)?;
    for (name, shape) in &shapes.variables {
        let span = shapes.first_use.get(name).copied();
        let props = declared.get(name.as_str()).copied().unwrap_or_default();
        let name = Name::new(name);
        graph.declare(name, NameInfo { shape: shape.clone(), props, kind: NameKind::Variable, def: None, span });
        variables.push(name);
    }
    let mut lowering = Lowering { graph, shapes };
    let mut definitions = Vec::new();
    let mut function = None;
    let mut implicit = None;
    let last = program.stmts.iter().rposition(|s| !matches!(s, Stmt::Decl { .. }));
    for (i, stmt) in program.stmts.iter().enumerate() {
        match stmt {
            Stmt::Decl { .. } => {}
            Stmt::Def { name, expr, .. } => {
                let id = lowering.expr(expr);
                let n = Name::new(&name.name);
                lowering.define(n, id, NameKind::Definition, Some(name.span));
                definitions.push(n);
                function = Some(n);
            }
            Stmt::Expr(expr) if Some(i) == last => {
                let id = lowering.expr(expr);
                let n = fresh_function_name(&lowering.graph);
                lowering.define(n, id, NameKind::Definition, Some(expr.span));
                definitions.push(n);
                function = Some(n);
                implicit = Some(n);
            }
            Stmt::Expr(expr) => {
                return Err(Diagnostic::at(expr.span, "this expression is not used")
                    .hint("give it a name (`f = …`) or make it the last statement"));
            }
        }
    }
    let function = match of {
        Some(of) => match crate::name::resolve(of, &definitions) {
            Some(n) => n,
            None => return Err(no_such_definition(of, &lowering.graph, &variables, &definitions, implicit)),
        },
        None => function.ok_or_else(|| nothing_to_differentiate(program))?,
    };
    Ok(Lowered { graph: lowering.graph, variables, definitions, function, dims: shapes.dims.clone() })
}

/// The facts each declared variable has by its declaration
/// (`Σ : n×n, spd`). Properties belong to variables: on a name the program
/// defines, they are refused (its facts follow from its definition).
fn declared_properties(program: &Program) -> Result<std::collections::HashMap<&str, Props>, Diagnostic> {
    let defined: std::collections::HashMap<&str, Span> = program
        .stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Def { name, .. } => Some((name.name.as_str(), name.span)),
            _ => None,
        })
        .collect();
    let mut out = std::collections::HashMap::new();
    for stmt in &program.stmts {
        let Stmt::Decl { names, properties, .. } = stmt else { continue };
        let Some(&(first, span)) = properties.first() else { continue };
        for ident in names {
            if let Some(&def) = defined.get(ident.name.as_str()) {
                return Err(Diagnostic::at(
                    span,
                    format!("`{}` is defined, so it cannot be declared `{}`", ident.name, first.spelling()),
                )
                .label(def, "defined here")
                .hint("properties are for variables; a definition's properties follow from its expression"));
            }
            out.insert(ident.name.as_str(), Props::declared(properties.iter().map(|(p, _)| *p)));
        }
    }
    Ok(out)
}

/// `--of` naming no definition: a variable, or nothing. `implicit` is the
/// name given to a lone trailing expression.
fn no_such_definition(of: &str, g: &Graph, variables: &[Name], definitions: &[Name], implicit: Option<Name>) -> Diagnostic {
    let listed = match definitions {
        [] => "the program has no definition".to_string(),
        [f] if Some(*f) == implicit => format!("the program has no definition; its expression is called `{f}`"),
        _ => format!("its definitions are {}", crate::name::list(definitions)),
    };
    match crate::name::resolve(of, variables) {
        Some(v) => {
            let mut d = Diagnostic::new(format!("`--of {of}` names a variable, not a definition"));
            if let Some(span) = g.info(v).span {
                d = d.label(span, "a variable: nothing defines it");
            }
            d.hint(format!("`--of` picks the definition to differentiate; {listed}"))
        }
        None => {
            let mut d = Diagnostic::new(format!("`--of {of}` names no definition of the program"));
            let hint = match crate::name::closest(of, definitions) {
                Some(close) => format!("did you mean `--of {close}`? {listed}"),
                None => listed,
            };
            d = d.hint(hint);
            d
        }
    }
}

/// No definition and no expression: an empty program, or declarations only.
fn nothing_to_differentiate(program: &Program) -> Diagnostic {
    let last_decl = program.stmts.iter().rev().find_map(|s| match s {
        Stmt::Decl { span, .. } => Some(*span),
        _ => None,
    });
    match last_decl {
        Some(span) => Diagnostic::new("nothing to differentiate: the program only declares shapes")
            .label(span, "a declaration says a shape, it is not a function")
            .hint("after the declarations, write the function: `f = …`"),
        None => Diagnostic::new("nothing to differentiate: the program is empty")
            .hint("write a definition such as `f = x^T A x`, or an expression"),
    }
}

/// `f`, or the first of `f_0`, `f_1`… that the program does not use.
fn fresh_function_name(g: &Graph) -> Name {
    std::iter::once("f".to_string())
        .chain((0..).map(|i| format!("f_{i}")))
        .map(|s| Name::new(&s))
        .find(|n| !g.names.contains_key(n))
        .expect("an unused name")
}

struct Lowering<'a> {
    graph: Graph,
    shapes: &'a Shapes,
}

impl Lowering<'_> {
    fn define(&mut self, name: Name, def: Id, kind: NameKind, span: Option<Span>) {
        let g = &mut self.graph;
        let info = NameInfo { shape: g.shape(def).clone(), props: g.props(def), kind, def: Some(def), span };
        g.declare(name, info);
    }

    fn size(&self, span: Span) -> Dim {
        self.shapes.constant_sizes.get(&span.start).cloned().expect("inference sized every constant")
    }

    fn expr(&mut self, e: &Expr) -> Id {
        match &e.kind {
            ExprKind::Num(n) => self.graph.num(*n),
            ExprKind::Name(n) if self.shapes.sizes.contains(n) => self.graph.size(Dim::named(Name::new(n))),
            ExprKind::Name(n) => self.graph.sym(Name::new(n)),
            ExprKind::Identity(_) => {
                let n = self.size(e.span);
                self.graph.identity(n)
            }
            ExprKind::Ones(_) => {
                let n = self.size(e.span);
                self.graph.ones(n)
            }
            ExprKind::Zero(..) => {
                let (r, c) = (self.size(e.span), self.size(Span::new(e.span.start + 1, e.span.start + 1)));
                self.graph.zero(crate::shape::Shape::new(r, c))
            }
            ExprKind::Unvec(v, _) => {
                let (r, c) = (self.size(e.span), self.size(Span::new(e.span.start + 1, e.span.start + 1)));
                let v = self.expr(v);
                self.graph.unvec(v, crate::shape::Shape::new(r, c))
            }
            ExprKind::Commutation(m, n) => {
                let (m, n) = (self.size(m.span()), self.size(n.span()));
                self.graph.constant(crate::ir::Constant::Commutation(m, n))
            }
            ExprKind::Frob(items) => self.fold(items.iter(), Graph::frob),
            ExprKind::Kron(items) => self.fold(items.iter(), Graph::kron),
            ExprKind::Sum(first, rest) => {
                let mut acc = self.expr(first);
                for (sign, _, item) in rest {
                    let b = self.expr(item);
                    let (a, b) = self.broadcast(acc, b);
                    acc = match sign {
                        Sign::Plus => self.graph.add(a, b),
                        Sign::Minus => self.graph.sub(a, b),
                    };
                }
                acc
            }
            ExprKind::Hadamard(first, rest) => {
                let mut acc = self.expr(first);
                for (op, _, item) in rest {
                    let b = self.expr(item);
                    let b = match op {
                        HadOp::Times => b,
                        HadOp::Divide => self.graph.epow(b, Number::MINUS_ONE),
                    };
                    acc = self.graph.had(acc, b);
                }
                acc
            }
            ExprKind::Product(first, rest) => {
                let mut acc = self.expr(first);
                for (op, _, item) in rest {
                    let b = self.expr(item);
                    let b = match op {
                        ProdOp::Divide => self.graph.inv(b),
                        ProdOp::Juxtapose | ProdOp::Times => b,
                    };
                    acc = self.graph.mul(acc, b);
                }
                acc
            }
            ExprKind::Neg(inner) => {
                let a = self.expr(inner);
                self.graph.neg(a)
            }
            ExprKind::Postfix(inner, op, _) => {
                let a = self.expr(inner);
                let g = &mut self.graph;
                match op {
                    Postfix::Transpose => g.trans(a),
                    Postfix::Inverse => g.inv(a),
                    Postfix::Power(k) => g.pow(a, *k),
                    Postfix::ElemPower(k) => g.epow(a, *k),
                }
            }
            ExprKind::Call(f, _, args) => {
                let a: Vec<Id> = args.iter().map(|x| self.expr(x)).collect();
                let g = &mut self.graph;
                match f {
                    Function::Sigmoid => g.map(Func::Sigmoid, a[0]),
                    Function::Tanh => g.map(Func::Tanh, a[0]),
                    Function::Exp => g.map(Func::Exp, a[0]),
                    Function::Log => g.map(Func::Log, a[0]),
                    Function::Sqrt => g.map(Func::Sqrt, a[0]),
                    Function::Softplus => g.map(Func::Softplus, a[0]),
                    Function::Relu => g.map(Func::Relu, a[0]),
                    Function::Sin => g.map(Func::Sin, a[0]),
                    Function::Cos => g.map(Func::Cos, a[0]),
                    Function::Abs => g.map(Func::Abs, a[0]),
                    Function::Sign => g.map(Func::Sign, a[0]),
                    Function::Step => g.map(Func::Step, a[0]),
                    Function::Softmax => g.softmax(a[0]),
                    Function::LogSoftmax => log_softmax(g, a[0]),
                    Function::LogSumExp => g.lse(a[0]),
                    Function::Sum => g.sum(a[0]),
                    Function::Mean => {
                        // the sum of the entries over their number
                        let s = g.shape(a[0]).clone();
                        let n = s.len().expect("inference bounds sizes");
                        let (sum, n) = (g.sum(a[0]), g.size(n));
                        let n = g.inv(n);
                        g.mul(sum, n)
                    }
                    Function::Trace => g.tr(a[0]),
                    Function::Det => g.det(a[0]),
                    Function::LogDet => g.logdet(a[0]),
                    Function::Inv => g.inv(a[0]),
                    Function::DiagMatrix => g.diag_m(a[0]),
                    Function::DiagVector => g.diag_v(a[0]),
                    Function::Vec => g.vec(a[0]),
                    Function::Kron => g.kron(a[0], a[1]),
                }
            }
            ExprKind::Norm(inner, _) => {
                let a = self.expr(inner);
                self.graph.norm(a)
            }
        }
    }

    /// A number in a sum with a vector or matrix (inference allows it for
    /// numbers only) is added to every entry: `c` becomes `c𝟙`, `c𝟙ᵀ` or
    /// `c𝟙𝟙ᵀ`, written out so that results show the `𝟙`.
    fn broadcast(&mut self, a: Id, b: Id) -> (Id, Id) {
        let g = &mut self.graph;
        let (sa, sb) = (g.shape(a).clone(), g.shape(b).clone());
        if sa == sb {
            (a, b)
        } else if sa.is_scalar() {
            let ones = g.ones_like(&sb);
            (g.mul(a, ones), b)
        } else {
            let ones = g.ones_like(&sa);
            (a, g.mul(b, ones))
        }
    }

    fn fold<'e>(&mut self, mut items: impl Iterator<Item = &'e Expr>, op: fn(&mut Graph, Id, Id) -> Id) -> Id {
        let first = items.next().expect("a chain has at least one operand");
        let mut acc = self.expr(first);
        for item in items {
            let b = self.expr(item);
            acc = op(&mut self.graph, acc, b);
        }
        acc
    }
}

/// `logsoftmax(z) = z − 𝟙 logsumexp(z)` (for a row vector `z − logsumexp(z)𝟙ᵀ`;
/// for a matrix, column by column: `Z − 𝟙 logsumexp(Z)`, `logsumexp(Z)` a row).
fn log_softmax(g: &mut Graph, z: Id) -> Id {
    let lse = g.lse(z);
    let shape = g.shape(z).clone();
    let spread = if shape.is_row() {
        let ones = g.ones(shape.cols);
        let ot = g.trans(ones);
        g.mul(lse, ot)
    } else {
        let ones = g.ones(shape.rows);
        g.mul(ones, lse)
    };
    g.sub(z, spread)
}
