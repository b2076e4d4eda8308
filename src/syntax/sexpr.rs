//! A compact s-expression rendering of the AST, for tests and debugging.
//!
//! `s = σ(W x)` renders as `(def s (σ (prod W x)))`. Every node shows its
//! operator, so the rendering pins down precedence, juxtaposition and the
//! choice between names and keywords; spans are left out.

use std::fmt::Write;

use crate::syntax::ast::{DimSpec, Expr, ExprKind, HadOp, NormKind, Postfix, ProdOp, Program, ShapeSpec, Sign, Stmt};

/// One line per statement.
pub fn program(p: &Program) -> String {
    p.stmts.iter().map(stmt).collect::<Vec<_>>().join("\n")
}

pub fn stmt(s: &Stmt) -> String {
    match s {
        Stmt::Decl { names, shape: sh, properties, .. } => {
            let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
            let props: String = properties.iter().map(|(p, _)| format!(" {}", p.spelling())).collect();
            format!("(decl ({}) {}{props})", names.join(" "), shape(sh))
        }
        Stmt::Def { name, expr: e, .. } => format!("(def {} {})", name.name, expr(e)),
        Stmt::Expr(e) => format!("(expr {})", expr(e)),
    }
}

fn shape(s: &ShapeSpec) -> String {
    match s {
        ShapeSpec::Scalar(_) => "scalar".to_string(),
        ShapeSpec::Vector(d) => format!("({})", dim(d)),
        ShapeSpec::Matrix(r, c) => format!("({} {})", dim(r), dim(c)),
    }
}

fn dim(d: &DimSpec) -> String {
    match d {
        DimSpec::Int(n, _) => n.to_string(),
        DimSpec::Name(n, _) => n.clone(),
        DimSpec::Product(factors, _) => factors.iter().map(dim).collect::<Vec<_>>().join("·"),
    }
}

pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

fn write_expr(out: &mut String, e: &Expr) {
    let list = |out: &mut String, head: &str, items: &[&Expr]| {
        out.push('(');
        out.push_str(head);
        for item in items {
            out.push(' ');
            write_expr(out, item);
        }
        out.push(')');
    };
    match &e.kind {
        ExprKind::Num(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Identity(None) => out.push('I'),
        ExprKind::Identity(Some(d)) => {
            let _ = write!(out, "(I {})", dim(d));
        }
        ExprKind::Zero(r, c) => {
            let _ = match c {
                Some(c) => write!(out, "(0 {}×{})", dim(r), dim(c)),
                None => write!(out, "(0 {})", dim(r)),
            };
        }
        ExprKind::Unvec(v, shape) => {
            let _ = match shape {
                Some((r, c)) => write!(out, "(unvec {}×{} {})", dim(r), dim(c), expr(v)),
                None => write!(out, "(unvec {})", expr(v)),
            };
        }
        ExprKind::Commutation(m, n) => {
            let _ = write!(out, "(K {} {})", dim(m), dim(n));
        }
        ExprKind::Ones(None) => out.push('𝟙'),
        ExprKind::Ones(Some(d)) => {
            let _ = write!(out, "(𝟙 {})", dim(d));
        }
        ExprKind::Frob(items) => list(out, ":", &items.iter().collect::<Vec<_>>()),
        ExprKind::Kron(items) => list(out, "⊗", &items.iter().collect::<Vec<_>>()),
        ExprKind::Sum(first, rest) => {
            let ops = rest.iter().map(|(s, _, e)| (if *s == Sign::Plus { "+" } else { "-" }, e));
            infix(out, "sum", first, ops);
        }
        ExprKind::Hadamard(first, rest) => {
            let ops = rest.iter().map(|(h, _, e)| (if *h == HadOp::Times { "∘" } else { "⊘" }, e));
            infix(out, "had", first, ops);
        }
        ExprKind::Product(first, rest) => {
            let ops = rest.iter().map(|(p, _, e)| {
                let op = match p {
                    ProdOp::Juxtapose => "",
                    ProdOp::Times => "*",
                    ProdOp::Divide => "/",
                };
                (op, e)
            });
            infix(out, "prod", first, ops);
        }
        ExprKind::Neg(x) => list(out, "neg", &[x]),
        ExprKind::Postfix(x, op, _) => match op {
            Postfix::Transpose => list(out, "T", &[x]),
            Postfix::Inverse => list(out, "inv", &[x]),
            Postfix::Power(k) => {
                out.push_str("(^ ");
                write_expr(out, x);
                let _ = write!(out, " {k})");
            }
            Postfix::ElemPower(k) => {
                out.push_str("(.^ ");
                write_expr(out, x);
                let _ = write!(out, " {k})");
            }
        },
        ExprKind::Call(f, _, args) => list(out, f.name(), &args.iter().collect::<Vec<_>>()),
        ExprKind::Norm(x, NormKind::Two) => list(out, "norm", &[x]),
        ExprKind::Norm(x, NormKind::Frobenius) => list(out, "normF", &[x]),
    }
}

/// `(head first op second op third)`; an empty operator is juxtaposition.
fn infix<'e>(out: &mut String, head: &str, first: &Expr, rest: impl Iterator<Item = (&'static str, &'e Expr)>) {
    out.push('(');
    out.push_str(head);
    out.push(' ');
    write_expr(out, first);
    for (op, e) in rest {
        out.push(' ');
        if !op.is_empty() {
            out.push_str(op);
            out.push(' ');
        }
        write_expr(out, e);
    }
    out.push(')');
}
